"""A person's control over their data: opt-outs and forget-me."""

from __future__ import annotations

from dataclasses import dataclass

from bot.services import directory, inbox
from bot.services.context import Context

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
    async with ctx.uow() as uow:
        m = await directory.find_member(uow, user_key)
        if m is None:
            return Forgotten()
        answers, scores, stats = await uow.erasure.counts(m.id)
        await uow.erasure.erase(m.id)
    await inbox.forget(ctx, user_key)
    await ctx.checkpoint()
    return Forgotten(answers, scores, stats)


async def set_option(ctx: Context, user_key: str, display_name: str, option: str, enabled: bool, *,
                     workspace_key: str = "") -> None:
    """`enabled` is what the person wants: True = take part (leaderboard) / receive (reminders, summary)."""
    column = OPTIONS[option]
    async with ctx.uow() as uow:
        m = await directory.member(ctx, uow, user_key, display_name, workspace_key)
        setattr(m, column, (not enabled) if column.endswith("opt_out") else enabled)
