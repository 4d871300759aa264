"""Reading real scores per bank question for `drillbot bank stats --calibration` and calibrated selection."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from bank.calibration import MIN_ANSWERS, Calibration, calibrate
from bot.services.context import Context
from bot.store.models import Answer, QuestionRow, Score
from bot.store.queries import counted


async def question_scores(ctx: Context) -> dict[str, list[float]]:
    """Counted totals of every live answer, per question id (all versions of a question together)."""
    async with ctx.sessions() as s:
        rows = (await s.execute(
            select(QuestionRow.qid, Score.total)
            .join(Answer, Answer.question_id == QuestionRow.id)
            .join(Score, Score.answer_id == Answer.id)
            .where(*counted())
        )).all()
    out: dict[str, list[float]] = defaultdict(list)
    for qid, total in rows:
        out[qid].append(float(total))
    return dict(out)


async def calibration(ctx: Context, min_answers: int = MIN_ANSWERS) -> list[Calibration]:
    return calibrate(await question_scores(ctx), min_answers)


async def poorly_calibrated(ctx: Context) -> set[str]:
    """Questions real answers show to be too easy, too hard or not discriminating."""
    return {c.qid for c in await calibration(ctx) if c.flagged}
