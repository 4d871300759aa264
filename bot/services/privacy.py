"""A person's control over their data: opt-outs and forget-me."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select

from bot.services import directory, inbox
from bot.services.context import Context
from bot.store import db
from bot.store.models import (
    Answer,
    CategoryStatRow,
    Dispute,
    InterviewSession,
    InterviewTurn,
    Member,
    PracticeSession,
    ReviewItem,
    RoundPoints,
    Score,
    Streak,
)
from bot.store.repositories import Repositories

OPTIONS = {"leaderboard": "leaderboard_opt_out", "reminders": "reminders_opt_in", "summary": "weekly_summary_opt_in"}


@dataclass
class Forgotten:
    answers: int = 0
    scores: int = 0
    stats: int = 0

    @property
    def anything(self) -> bool:
        return bool(self.answers or self.scores or self.stats)


async def forget(ctx: Context, user_key: str) -> Forgotten:
    async with ctx.sessions.begin() as s:
        m = await directory.find_member(Repositories(s), user_key)
        if m is None:
            return Forgotten()
        answer_ids = select(Answer.id).where(Answer.member_id == m.id).scalar_subquery()
        counts = Forgotten(
            answers=await s.scalar(select(func.count(Answer.id)).where(Answer.member_id == m.id)) or 0,
            scores=await s.scalar(select(func.count(Score.id)).where(Score.answer_id.in_(answer_ids))) or 0,
            stats=await s.scalar(select(func.count(CategoryStatRow.id)).where(CategoryStatRow.member_id == m.id))
            or 0,
        )
        # Explicit deletes in dependency order: SQLite only cascades with foreign keys on.
        await s.execute(delete(RoundPoints).where(RoundPoints.member_id == m.id))
        await s.execute(delete(Dispute).where(Dispute.member_id == m.id))
        await s.execute(delete(InterviewTurn).where(InterviewTurn.session_id.in_(
            select(InterviewSession.id).where(InterviewSession.member_id == m.id).scalar_subquery())))
        await s.execute(delete(InterviewSession).where(InterviewSession.member_id == m.id))
        await s.execute(delete(Score).where(Score.answer_id.in_(answer_ids)))
        await s.execute(delete(Answer).where(Answer.member_id == m.id, Answer.revision_of.is_not(None)))
        await s.execute(delete(Answer).where(Answer.member_id == m.id))
        for model in (CategoryStatRow, ReviewItem, PracticeSession, Streak):
            await s.execute(delete(model).where(model.member_id == m.id))
        await s.execute(delete(Member).where(Member.id == m.id))
    await inbox.forget(ctx, user_key)
    await db.checkpoint_sqlite(ctx.settings.database_url, ctx.sessions)
    return counts


async def set_option(ctx: Context, user_key: str, display_name: str, option: str, enabled: bool, *,
                     workspace_key: str = "") -> None:
    """`enabled` is what the person wants: True = take part (leaderboard) / receive (reminders, summary)."""
    column = OPTIONS[option]
    async with ctx.sessions.begin() as s:
        m = await directory.member(ctx, Repositories(s), user_key, display_name, workspace_key)
        setattr(m, column, (not enabled) if column.endswith("opt_out") else enabled)
