"""Claiming answers to grade: a claim is a lease (status `scoring` until `next_attempt_at`), so a crashed
process's claims return to the pool instead of being lost or graded twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.services.context import Context
from bot.store.repositories import Repositories

LEASE = timedelta(minutes=5)


@dataclass(frozen=True)
class Claimed:
    """What grading needs of a claimed answer."""

    id: int
    member_id: int
    question_id: int
    text: str
    shown: tuple[str, ...]  # feedback shown for this person's earlier tries at the question


async def claim(ctx: Context, limit: int) -> list[Claimed]:
    """Claim due answers in one statement. On PostgreSQL, FOR UPDATE SKIP LOCKED lets several processes
    claim disjoint batches without waiting on each other; SQLite has one writer anyway. The claim returns
    what grading needs, read in the same transaction (one more statement for the whole batch), so
    grading reads nothing again."""
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        rows = await uow.answers.claim_due(now, now + LEASE, limit)
        shown = await uow.answers.shown_before([r.id for r in rows])
    return [Claimed(r.id, r.member_id, r.question_id, r.text, tuple(shown[r.id])) for r in rows]


async def still_claimed(store: Repositories, answer_id: int) -> Claimed | None:
    """Re-read an answer claimed by an earlier pass or another path; None once it is no longer ours."""
    row = await store.answers.claimed(answer_id)
    if row is None:
        return None
    shown = await store.answers.shown_before([row.id])
    return Claimed(row.id, row.member_id, row.question_id, row.text, tuple(shown[row.id]))


async def release_expired(ctx: Context, *, all_claims: bool = False) -> int:
    """Answers left in `scoring` by a dead process go back to pending. `all_claims` is for a process that
    knows it is alone (SQLite at start): no need to wait for the lease to run out."""
    async with ctx.uow() as uow:
        # A reply being posted when the process died is sent again now, not in 5 min (`all_claims`).
        return await uow.answers.release_expired(ctx.clock.now(), all_claims=all_claims)


async def requeue_unless_scored(ctx: Context, answer_id: int) -> bool:
    """Put a claimed answer straight back in the queue unless another process recorded its score;
    True if it was requeued."""
    async with ctx.uow() as uow:
        if await uow.answers.has_score(answer_id):
            return False
        await uow.answers.requeue(answer_id, ctx.clock.now())
    return True


async def retry_failed(ctx: Context) -> int:
    """An admin's retry: failed answers become pending again."""
    async with ctx.uow() as uow:
        return await uow.answers.retry_failed(ctx.clock.now())


async def pending_count(ctx: Context) -> int:
    async with ctx.uow() as uow:
        return await uow.answers.pending_work()
