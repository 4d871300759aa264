"""Per-channel schedules on APScheduler, rebuilt from the database (the source of truth).

Jobs have stable ids (`post:<channel>`, `digest:<channel>`) and are replaced when a channel changes;
nothing is pickled. A periodic tick closes rounds whose window ended and catches up after downtime.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import select

from bot.config import parse_weekdays
from bot.core import Core
from bot.rules.timing import is_post_day, local_date, local_datetime
from bot.store.models import Channel

log = logging.getLogger(__name__)


def post_trigger(ch: Channel) -> CronTrigger:
    hour, minute = ch.post_time.split(":")
    return CronTrigger(day_of_week=ch.weekdays, hour=int(hour), minute=int(minute), timezone=ch.timezone)


def digest_trigger(ch: Channel) -> CronTrigger:
    hour, minute = ch.digest_time.split(":")
    return CronTrigger(day_of_week=ch.digest_day, hour=int(hour), minute=int(minute), timezone=ch.timezone)


class Scheduler:
    def __init__(self, core: Core, tick_seconds: int = 60):
        self.core = core
        self.tick_seconds = tick_seconds
        self.aps = AsyncIOScheduler(timezone="UTC")

    async def start(self) -> None:
        await self.rebuild()
        self.aps.add_job(self.tick, IntervalTrigger(seconds=self.tick_seconds), id="tick", replace_existing=True,
                         coalesce=True, max_instances=1)
        self.aps.start()
        await self.tick()

    def shutdown(self) -> None:
        if self.aps.running:
            self.aps.shutdown(wait=False)

    async def channels(self) -> list[Channel]:
        async with self.core.ctx.sessions() as s:
            return list((await s.scalars(select(Channel).where(Channel.enabled.is_(True)))).all())

    async def rebuild(self, channel_key: str | None = None) -> None:
        for ch in await self.channels():
            if channel_key is None or ch.key == channel_key:
                self.schedule(ch)
        if channel_key is not None:
            async with self.core.ctx.sessions() as s:
                ch = await s.scalar(select(Channel).where(Channel.key == channel_key))
            if ch is not None and not ch.enabled:
                for prefix in ("post", "digest"):
                    if self.aps.get_job(f"{prefix}:{ch.key}"):
                        self.aps.remove_job(f"{prefix}:{ch.key}")

    def schedule(self, ch: Channel) -> None:
        self.aps.add_job(self.core.post_round, post_trigger(ch), args=[ch.key], id=f"post:{ch.key}",
                         replace_existing=True, coalesce=True, misfire_grace_time=3600)
        self.aps.add_job(self.core.post_digest, digest_trigger(ch), args=[ch.key], id=f"digest:{ch.key}",
                         replace_existing=True, coalesce=True, misfire_grace_time=6 * 3600)

    async def tick(self) -> None:
        """Close finished rounds and post any round missed during downtime (still inside its window)."""
        try:
            await self.core.close_due_rounds()
            await self.catch_up()
        except Exception:
            log.exception("scheduler tick failed")

    async def catch_up(self) -> None:
        now = self.core.ctx.clock.now()
        for ch in await self.channels():
            today = local_date(now, ch.timezone)
            if not is_post_day(today, parse_weekdays(ch.weekdays)):
                continue
            due = local_datetime(today, ch.post_time, ch.timezone)
            if due <= now < due + timedelta(hours=ch.answer_window_hours):
                await self.core.post_round(ch.key)
