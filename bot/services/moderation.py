"""Admin review of flagged round answers: clear (counts again) or confirm (stays excluded).

Scoped by the workspace of the channel the round ran in, so admins see only their own channels.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.services import progress
from bot.services.context import Context
from bot.store.models import Score
from bot.store.queries import possible_id


@dataclass
class Flagged:
    answer_id: int
    name: str
    flags: list[str]
    total: float
    excerpt: str


def review(score: Score, clear: bool) -> None:
    """An admin's review of a held score: cleared, it counts again; confirmed, it stays excluded. A ruling
    on a disputed held score is its review too (bot.services.disputes)."""
    score.review_state = "cleared" if clear else "confirmed"
    score.counts = clear


async def flagged(ctx: Context, workspace_key: str, limit: int = 10) -> list[Flagged]:
    async with ctx.uow() as uow:
        rows = await uow.review.held_in(workspace_key, limit)
    return [Flagged(r.id, r.display_name, list(r.flags), r.total, r.text[:160]) for r in rows]


async def decide(ctx: Context, workspace_key: str, answer_id: int, clear: bool) -> bool:
    if not possible_id(answer_id):
        return False
    async with ctx.uow() as uow:
        row = await uow.review.answer_in(answer_id, workspace_key)
        if row is None:
            return False
        answer, score = row
        review(score, clear)
        await uow.flush()
        await progress.refresh_member(ctx, uow, answer.member_id, round_id=answer.round_id)
    return True
