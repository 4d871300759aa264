"""Reading real scores per bank question for `drillbot bank stats --calibration` and calibrated selection."""

from __future__ import annotations

from bank.calibration import MIN_ANSWERS, Calibration, calibrate
from bot.services.context import Context


async def question_scores(ctx: Context) -> dict[str, list[float]]:
    """Counted totals of every live answer, per question id (all versions of a question together)."""
    async with ctx.uow() as uow:
        return await uow.answers.counted_totals_by_question()


async def calibration(ctx: Context, min_answers: int = MIN_ANSWERS) -> list[Calibration]:
    return calibrate(await question_scores(ctx), min_answers)


async def poorly_calibrated(ctx: Context) -> set[str]:
    """Questions real answers show to be too easy, too hard or not discriminating."""
    return {c.qid for c in await calibration(ctx) if c.flagged}
