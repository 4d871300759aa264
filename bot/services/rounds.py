"""Daily rounds: post today's question in a channel, close rounds whose window ended.

The round row is inserted (unique per channel and local date) before the platform is called, so two
processes or a retried job can never post the same day twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.exc import IntegrityError

from bank.selection import Asked, eligible, pick_round_question
from bot import render, syntax
from bot.config import parse_weekdays
from bot.rules.timing import is_post_day, local_date
from bot.services import directory
from bot.services.calibration import poorly_calibrated
from bot.services.context import Context

log = logging.getLogger(__name__)


@dataclass
class PostResult:
    posted: bool
    reason: str
    round_id: int | None = None
    thread_key: str | None = None


async def team_weak_categories(ctx: Context, channel_id: int) -> list[str]:
    """The channel's categories ordered by mean round score, lowest first."""
    async with ctx.uow() as uow:
        rows = await uow.rounds.category_means(channel_id)
    return [c for c, _ in sorted(rows, key=lambda r: (r[1], r[0]))]


async def post_round(ctx: Context, channel_key: str, *, force: bool = False) -> PostResult:
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        ch = await directory.find_channel(uow, channel_key)
        if ch is None or not ch.enabled:
            return PostResult(False, "channel not configured")
        today = local_date(now, ch.timezone)
        if not force and not is_post_day(today, parse_weekdays(ch.weekdays)):
            return PostResult(False, "not a posting day")
        existing = await uow.rounds.on_day(ch.id, today)
        if existing is not None and existing.status != "posting":
            return PostResult(False, "already posted today", existing.id, existing.thread_key)
        history = [Asked(qid, cat, d) for qid, cat, d in await uow.rounds.asked(ch.id)]
        channel_id, tz, window = ch.id, ch.timezone, ch.answer_window_hours
        categories, difficulty_max = list(ch.categories or []), ch.difficulty_max

    if existing is not None:  # a previous attempt crashed between reserving and posting: retry it
        rnd_id, question = existing.id, None
        async with ctx.uow() as uow:
            question = await ctx.catalog.question_for_row(uow, existing.question_id)
        closes_at = existing.closes_at
    else:
        weak = await team_weak_categories(ctx, channel_id)
        avoid = await poorly_calibrated(ctx) if ctx.settings.prefer_calibrated else set()
        question = pick_round_question(
            eligible(ctx.catalog.current(), categories, difficulty_max), history, today,
            seed=channel_key, cooldown_days=ctx.settings.cooldown_days,
            team_weak=weak, weak_weight=ctx.settings.weak_category_weight, avoid=avoid,
        )
        if question is None:
            return PostResult(False, "no question matches this channel's categories and difficulty")
        closes_at = now + timedelta(hours=window)
        try:
            async with ctx.uow() as uow:
                rnd_id = await uow.rounds.reserve(channel_id, ctx.catalog.row_id(question.id), today, now, closes_at)
        except IntegrityError:
            return PostResult(False, "already posted today")

    posted = await ctx.platform_for(channel_key).post(channel_key, render.question_post(question, today, closes_at, tz))
    async with ctx.uow() as uow:
        rnd = await uow.rounds.get(rnd_id)
        assert rnd is not None
        rnd.thread_key, rnd.status = posted.thread_key, "open"
    log.info("round posted", extra={"channel": channel_key, "round": rnd_id, "question": question.id})
    return PostResult(True, "posted", rnd_id, posted.thread_key)


async def close_round(ctx: Context, round_id: int, *, reveal: bool = True) -> bool:
    async with ctx.uow() as uow:
        rnd = await uow.rounds.get(round_id)
        if rnd is None or rnd.status not in ("open", "posting"):
            return False
        rnd.status, rnd.closed_at = "closed", ctx.clock.now()
        question = await ctx.catalog.question_for_row(uow, rnd.question_id)
        answers = await uow.rounds.answers_to(rnd.id)
        thread_key = rnd.thread_key
    if reveal and thread_key:
        reveal_msg = render.round_closed(question, answers, syntax.usage_for(ctx, thread_key, "practice"))
        await ctx.platform_for(thread_key).reply(thread_key, reveal_msg)
    return True


async def close_due_rounds(ctx: Context) -> int:
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        due = await uow.rounds.due_to_close(now)
    closed = 0
    for rid in due:
        closed += await close_round(ctx, rid)
    return closed


async def skip_today(ctx: Context, channel_key: str) -> bool:
    """Close today's round without a reveal (an admin's choice, e.g. a holiday)."""
    async with ctx.uow() as uow:
        ch = await directory.find_channel(uow, channel_key)
        if ch is None:
            return False
        rnd = await uow.rounds.on_day(ch.id, local_date(ctx.clock.now(), ch.timezone))
    return rnd is not None and await close_round(ctx, rnd.id, reveal=False)
