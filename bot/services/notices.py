"""Opt-in notices: a reminder before a round closes, and a personal weekly summary. Each goes out at
most once (a unique notification row is reserved before sending) and sends are paced."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import date, timedelta

from sqlalchemy.exc import IntegrityError

from bank.schema import category_label
from bank.selection import pick_practice_question
from bot import syntax
from bot.messages import Field, Message
from bot.rules.timing import iso_week
from bot.services import practice, progress_view
from bot.services.context import Context

log = logging.getLogger(__name__)


async def _reserve(ctx: Context, kind: str, key: str, member_id: int) -> bool:
    try:
        async with ctx.uow() as uow:
            await uow.notices.reserve(kind, key, member_id)
        return True
    except IntegrityError:
        return False


async def _mark_sent(ctx: Context, kind: str, key: str) -> None:
    async with ctx.uow() as uow:
        await uow.notices.mark_sent(kind, key, ctx.clock.now())


async def send_reminders(ctx: Context, pace_s: float = 1.0) -> int:
    """DM opted-in people who answered in a channel before but not in its round closing soon."""
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        rounds = await uow.rounds.open_with_reminders(now)
        due = [r for r in rounds if r.closes_at.replace(tzinfo=now.tzinfo) - timedelta(minutes=r.reminder_minutes)
               <= now] if rounds else []
        targets: list[tuple[int, int, str, str]] = []
        for r in due:
            regulars = await uow.people.to_remind(r.id, r.channel_id)
            targets += [(r.id, m.id, m.user_key, r.thread_key or "") for m in regulars]
    user_of = {m: u for _r, m, u, _t in targets}

    async def build(member_id: int) -> Message:
        optout = syntax.usage_for(ctx, user_of[member_id], "optout reminders")
        return Message(text="Today's drillbot question closes soon and you have not answered yet. Reply in "
                       f"its thread to keep your streak going. (`{optout}` turns these off.)", kind="info")

    return await _send_once(ctx, "reminder", [(f"{r}:{m}", m, u) for r, m, u, _t in targets], build, pace_s)


async def send_weekly_summaries(ctx: Context, channel_id: int, week_day: date, pace_s: float = 1.0) -> int:
    """The personal summary for the ISO week containing `week_day`, to opted-in people of a channel."""
    week = iso_week(week_day)
    async with ctx.uow() as uow:
        people = await uow.people.weekly_summary_readers(channel_id)
    user_of = {m: u for m, u in people}

    async def build(member_id: int) -> Message:
        return await summary_message(ctx, member_id, week, user_key=user_of[member_id])

    return await _send_once(ctx, "summary", [(f"{m}:{week}", m, u) for m, u in people], build, pace_s)


async def _send_once(ctx: Context, kind: str, targets: list[tuple[str, int, str]],
                     build: Callable[[int], Awaitable[Message]], pace_s: float) -> int:
    """DM each (key, member, user) whose notice is not reserved yet; reserve first, so never twice."""
    sent = 0
    for key, member_id, user_key in targets:
        if not await _reserve(ctx, kind, key, member_id):
            continue
        try:
            await ctx.platform_for(user_key).dm(user_key, await build(member_id))
        except Exception:
            log.exception("notice failed", extra={"kind": kind, "member": member_id})
            continue
        await _mark_sent(ctx, kind, key)
        sent += 1
        if pace_s:
            await asyncio.sleep(pace_s)  # stay well under platform DM rate limits
    return sent


async def summary_message(ctx: Context, member_id: int, week: str, *, user_key: str = "") -> Message:
    """`user_key`: whose platform's command syntax the hints use (bot.syntax); `/drill` without one."""
    async with ctx.uow() as uow:  # progress_view still takes the session
        points = await progress_view.week_points(uow, member_id, week)
        streak = await progress_view.streak(uow, member_id)
    weak = await practice.weak_for(ctx, member_id)
    suggestions: list[str] = []
    for category in weak[:3]:
        q = pick_practice_question(ctx.catalog.current(), due_reviews=[], weak_categories=[category], seen=[],
                                   category=category, exclude=suggestions, seed=f"{member_id}|{week}")
        if q is not None:
            suggestions.append(q.id)
    current = streak.current if streak else 0
    fields = [Field("Points", f"{points:.1f}", True), Field("Streak", f"{current} day(s)", True),
              Field("Weakest", ", ".join(category_label(c) for c in weak[:3]) or "—", True)]
    if suggestions:
        prompts = [f"• {ctx.catalog.get(q).prompt[:140]}" for q in suggestions if ctx.catalog.get(q)]  # type: ignore[union-attr]
        practise = syntax.usage_for(ctx, user_key, "practice <category>")
        fields.append(Field(f"Try next (send `{practise}`)", "\n".join(prompts)))
    optout = syntax.usage_for(ctx, user_key, "optout summary")
    return Message(title=f"Your week · {week}", text=f"Your drillbot summary. (`{optout}` turns it off.)",
                   fields=fields, kind="stats")
