"""Claiming answers to grade: a claim is a lease (status `scoring` until `next_attempt_at`), so a crashed
process's claims return to the pool instead of being lost or graded twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from sqlalchemy import Integer, Update, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.context import Context
from bot.services.scoring.shown import shown_before
from bot.store.models import Answer, Score
from bot.store.queries import due_for_scoring, scoring_work

LEASE = timedelta(minutes=5)


@dataclass(frozen=True)
class Claimed:
    """What grading needs of a claimed answer."""

    id: int
    member_id: int
    question_id: int
    text: str
    shown: tuple[str, ...]  # feedback shown for this person's earlier tries at the question


@cache
def _claim_statement() -> Update:
    """Built once (bound to now, the lease's end and the batch size): it runs on every pass."""
    now = bindparam("now", type_=Answer.next_attempt_at.type)
    due = (
        select(Answer.id)
        .where(*due_for_scoring(now))
        .order_by(Answer.next_attempt_at, Answer.id)
        .limit(bindparam("limit", type_=Integer))
        .with_for_update(skip_locked=True)
    )
    return (
        update(Answer).where(Answer.id.in_(due.scalar_subquery()))
        .values(status="scoring", next_attempt_at=bindparam("until", type_=Answer.next_attempt_at.type))
        .returning(Answer.id, Answer.member_id, Answer.question_id, Answer.text)
        .execution_options(synchronize_session=False)
    )


async def claim(ctx: Context, limit: int) -> list[Claimed]:
    """Claim due answers in one statement. On PostgreSQL, FOR UPDATE SKIP LOCKED lets several processes
    claim disjoint batches without waiting on each other; SQLite has one writer anyway. The claim returns
    what grading needs, read in the same transaction (one more statement for the whole batch), so
    grading reads nothing again."""
    now = ctx.clock.now()
    async with ctx.sessions.begin() as s:
        rows = (await s.execute(_claim_statement(), {"now": now, "until": now + LEASE, "limit": limit})).all()
        shown = await shown_before(s, [r.id for r in rows])
    return [Claimed(r.id, r.member_id, r.question_id, r.text, tuple(shown[r.id])) for r in rows]


async def still_claimed(s: AsyncSession, answer_id: int) -> Claimed | None:
    """Re-read an answer claimed by an earlier pass or another path; None once it is no longer ours."""
    row = await s.get(Answer, answer_id)
    if row is None or row.status != "scoring":
        return None
    shown = await shown_before(s, [row.id])
    return Claimed(row.id, row.member_id, row.question_id, row.text, tuple(shown[row.id]))


async def release_expired(ctx: Context, *, all_claims: bool = False) -> int:
    """Answers left in `scoring` by a dead process go back to pending. `all_claims` is for a process that
    knows it is alone (SQLite at start): no need to wait for the lease to run out."""
    now = ctx.clock.now()
    stale = Answer.status == "scoring"
    if not all_claims:
        stale = stale & (Answer.next_attempt_at <= now)
    async with ctx.sessions.begin() as s:
        result = await s.execute(
            update(Answer).where(stale)
            .values(status="pending", next_attempt_at=now).execution_options(synchronize_session=False)
        )
        if all_claims:  # a reply being posted when the process died is sent again now, not in 5 min
            await s.execute(update(Answer).where(Answer.reply_sent.is_(False), Answer.reply_claimed_at.is_not(None))
                            .values(reply_claimed_at=None).execution_options(synchronize_session=False))
        return result.rowcount or 0  # type: ignore[attr-defined]


async def requeue_unless_scored(ctx: Context, answer_id: int) -> bool:
    """Put a claimed answer straight back in the queue unless another process recorded its score;
    True if it was requeued."""
    async with ctx.sessions.begin() as s:
        if await s.scalar(select(Score.id).where(Score.answer_id == answer_id)) is not None:
            return False
        await s.execute(update(Answer).where(Answer.id == answer_id, Answer.status == "scoring")
                        .values(status="pending", next_attempt_at=ctx.clock.now())
                        .execution_options(synchronize_session=False))
    return True


async def retry_failed(ctx: Context) -> int:
    """An admin's retry: failed answers become pending again."""
    async with ctx.sessions.begin() as s:
        res = await s.execute(update(Answer).where(Answer.status == "failed")
                              .values(status="pending", attempts=0, next_attempt_at=ctx.clock.now())
                              .execution_options(synchronize_session=False))
        return res.rowcount or 0  # type: ignore[attr-defined]


async def pending_count(ctx: Context) -> int:
    async with ctx.sessions() as s:
        return await s.scalar(select(func.count(Answer.id)).where(*scoring_work())) or 0
