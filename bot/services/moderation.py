"""Admin review of flagged round answers: clear (counts again) or confirm (stays excluded).

Scoped by the workspace of the channel the round ran in, so admins see only their own channels.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from bot.services import progress
from bot.services.context import Context
from bot.store.models import Answer, Channel, Member, Round, Score, Workspace
from bot.store.queries import live, possible_id


@dataclass
class Flagged:
    answer_id: int
    name: str
    flags: list[str]
    total: float
    excerpt: str


async def flagged(ctx: Context, workspace_key: str, limit: int = 10) -> list[Flagged]:
    async with ctx.sessions() as s:
        rows = (await s.execute(
            select(Answer.id, Member.display_name, Score.flags, Score.total, Answer.text)
            .join(Score, Score.answer_id == Answer.id).join(Member, Member.id == Answer.member_id)
            .join(Round, Round.id == Answer.round_id).join(Channel, Channel.id == Round.channel_id)
            .join(Workspace, Workspace.id == Channel.workspace_id)
            .where(Score.review_state == "flagged", live(), Workspace.key == workspace_key)
            .order_by(Answer.id).limit(limit)
        )).all()
    return [Flagged(r.id, r.display_name, list(r.flags), r.total, r.text[:160]) for r in rows]


async def decide(ctx: Context, workspace_key: str, answer_id: int, clear: bool) -> bool:
    if not possible_id(answer_id):
        return False
    async with ctx.sessions.begin() as s:
        row = (await s.execute(
            select(Answer, Score).join(Score, Score.answer_id == Answer.id)
            .join(Round, Round.id == Answer.round_id).join(Channel, Channel.id == Round.channel_id)
            .join(Workspace, Workspace.id == Channel.workspace_id)
            .where(Answer.id == answer_id, Workspace.key == workspace_key)
        )).first()
        if row is None:
            return False
        answer, score = row
        score.review_state = "cleared" if clear else "confirmed"
        score.counts = clear
        await s.flush()
        await progress.refresh_member(ctx, s, answer.member_id, round_id=answer.round_id)
    return True
