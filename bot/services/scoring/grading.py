"""Judging a claimed answer: gather what the judge needs in one read session, then call the Judge port
outside any transaction (a judge call may take seconds and must hold no database connection)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.ports import Judge, Verdict
from bot.services.context import Context
from bot.services.scoring.lease import Claimed, still_claimed
from bot.store.models import Answer, QuestionRow, Score

SHOWN_TRIES = 5  # how many earlier scored tries' feedback a revision is checked against


async def shown_before(s: AsyncSession, answer: Claimed) -> list[str]:
    """Feedback and follow-ups this person was shown for earlier tries at the same question (any version
    of it): a revision that pastes them back earns no credit for them."""
    qid = select(QuestionRow.qid).where(QuestionRow.id == answer.question_id).scalar_subquery()
    rows = (await s.execute(
        select(Score.feedback, Score.follow_up).join(Answer, Answer.id == Score.answer_id)
        .join(QuestionRow, QuestionRow.id == Answer.question_id)
        .where(Answer.member_id == answer.member_id, QuestionRow.qid == qid, Answer.id != answer.id)
        .order_by(Score.id.desc()).limit(SHOWN_TRIES)
    )).all()
    return [text for row in rows for text in (row.feedback, row.follow_up) if text]


async def grade(ctx: Context, judge: Judge, answer_id: int, claimed: Claimed | None) -> tuple[Claimed, Verdict] | None:
    """Grade one claimed answer; None if it is no longer claimed. `claimed` is what the claim returned,
    or None when the answer was claimed elsewhere and must be read. A JudgeError propagates to the
    caller, which applies the failure policy."""
    async with ctx.sessions() as s:
        answer = claimed if claimed is not None else await still_claimed(s, answer_id)
        if answer is None:
            return None
        question = await ctx.catalog.question_for_row(s, answer.question_id)
        shown = await shown_before(s, answer)
    return answer, await judge.grade(question, answer.text, shown=shown)
