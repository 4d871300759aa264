"""What a person was shown for earlier tries at the same question: a revision that pastes that feedback
back earns no credit for it, so the judge is given it."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.store.models import Answer, QuestionRow, Score

SHOWN_TRIES = 5  # how many earlier scored tries' feedback a revision is checked against


@cache
def _query() -> Select[Any]:
    """Built once (bound to a list of answer ids): building it costs more than running it."""
    target, target_q = aliased(Answer), aliased(QuestionRow)
    newest = func.row_number().over(partition_by=target.id, order_by=Score.id.desc()).label("n")
    tries = (
        select(target.id.label("for_id"), Score.feedback, Score.follow_up, newest)
        .join(target_q, target_q.id == target.question_id)
        .join(QuestionRow, QuestionRow.qid == target_q.qid)
        .join(Answer, and_(Answer.question_id == QuestionRow.id, Answer.member_id == target.member_id,
                           Answer.id != target.id))
        .join(Score, Score.answer_id == Answer.id)
        .where(target.id.in_(bindparam("answer_ids", expanding=True)))
        .subquery()
    )
    return (select(tries.c.for_id, tries.c.feedback, tries.c.follow_up)
            .where(tries.c.n <= SHOWN_TRIES).order_by(tries.c.for_id, tries.c.n))


async def shown_before(s: AsyncSession, answer_ids: Sequence[int]) -> dict[int, list[str]]:
    """For each answer, the feedback and follow-ups of its person's latest SHOWN_TRIES scored tries at the
    same question (any version of it), newest first: one statement for a whole claimed batch."""
    if not answer_ids:
        return {}
    rows = (await s.execute(_query(), {"answer_ids": list(answer_ids)})).all()
    out: dict[int, list[str]] = {answer_id: [] for answer_id in answer_ids}
    for row in rows:
        out[row.for_id].extend(text for text in (row.feedback, row.follow_up) if text)
    return out
