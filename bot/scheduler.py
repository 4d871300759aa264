"""Per-channel schedules on APScheduler, rebuilt from the database (the source of truth).

Jobs have stable ids (`post:<channel>`, `digest:<channel>`) and are replaced whenever a channel's
config changes; nothing is pickled. Only the leader (see bot.leader) acts. A periodic tick closes
rounds whose window ended, catches up rounds and digests missed during downtime, and sends reminders;
unique constraints make every one of these safe to repeat.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.config import WEEKDAYS, parse_weekdays
from bot.core import Core
from bot.leader import Leadership, SecondSchedulerError, leadership_for
from bot.rules.timing import hour_minute, is_post_day, iso_week, local_date, local_datetime, week_start
from bot.services import notices, operations
from bot.store.models import Channel

log = logging.getLogger(__name__)


def post_trigger(ch: Channel) -> CronTrigger:
    hour, minute = hour_minute(ch.post_time)
    return CronTrigger(day_of_week=ch.weekdays, hour=hour, minute=minute, timezone=ch.timezone)


def digest_trigger(ch: Channel) -> CronTrigger:
    hour, minute = hour_minute(ch.digest_time)
    return CronTrigger(day_of_week=ch.digest_day, hour=hour, minute=minute, timezone=ch.timezone)


def schedule_of(ch: Channel) -> tuple[object, ...]:
    """Everything the channel's cron jobs are built from."""
    return (ch.enabled, ch.post_time, ch.weekdays, ch.timezone, ch.digest_day, ch.digest_time)


def digest_due_at(ch: Channel, now: datetime) -> tuple[datetime, str]:
    """When this week's digest (covering last week) is due, and which week it covers."""
    today = local_date(now, ch.timezone)
    monday = week_start(today)
    day = monday + timedelta(days=WEEKDAYS.index(ch.digest_day))
    return local_datetime(day, ch.digest_time, ch.timezone), iso_week(monday - timedelta(days=7))


class Scheduler:
    def __init__(self, core: Core, leadership: Leadership | None = None, *, tick_s: float | None = None,
                 leader_retry_s: float = 20.0):
        self.core = core
        settings = core.settings
        self.leadership = leadership or leadership_for(core.engine, settings.database_url)  # type: ignore[arg-type]
        self.tick_s = tick_s or settings.scheduler_tick_s
        self.leader_retry_s = leader_retry_s
        self.aps = AsyncIOScheduler(timezone="UTC")
        self.is_leader = False
        self._loop_task: asyncio.Task | None = None
        self._last_purge: datetime | None = None
        # The schedule each channel's jobs were last built from: a config change made by another process
        # (which cannot touch this process's jobs) shows up as a difference on the next tick.
        self._built: dict[str, tuple[object, ...]] = {}
        core.commands.post_hook = self.rebuild

    # lifecycle ------------------------------------------------------------------------------------
    async def start(self) -> None:
        self.aps.start()
        await self._campaign()
        self._loop_task = asyncio.create_task(self._loop())

    async def shutdown(self) -> None:
        if self._loop_task is not None:
            self._loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task
        if self.aps.running:
            self.aps.shutdown(wait=False)
        await self.leadership.release()

    async def _campaign(self) -> None:
        try:
            leader = await self.leadership.acquire()
        except SecondSchedulerError:
            raise
        except Exception:
            log.exception("leader election failed")
            leader = False
        if leader and not self.is_leader:
            self.is_leader = True
            await self.rebuild()
        elif not leader and self.is_leader:
            self.is_leader = False
            self.aps.remove_all_jobs()
            self._built.clear()
            log.warning("lost scheduler leadership")

    async def _loop(self) -> None:
        while True:
            await self._campaign()
            if self.is_leader:
                await self.tick()
            await asyncio.sleep(self.tick_s if self.is_leader else self.leader_retry_s)

    # jobs -----------------------------------------------------------------------------------------
    async def channels(self) -> list[Channel]:
        async with self.core.ctx.uow() as uow:
            return await uow.directory.channels(enabled_only=True)

    async def rebuild(self, channel_key: str | None = None) -> None:
        """(Re)create the cron jobs from the database; called at start and after a config change."""
        if not self.is_leader:
            return
        async with self.core.ctx.uow() as uow:
            channels = await uow.directory.channels(channel_key)
        self._schedule(channels)

    async def sync_schedules(self) -> None:
        """Rebuild the jobs of channels whose schedule changed since they were built, whichever process
        changed it: one SELECT per tick, so a change made elsewhere applies within `tick_s`."""
        if not self.is_leader:
            return
        async with self.core.ctx.uow() as uow:
            channels = await uow.directory.channels()
        self._schedule([ch for ch in channels if self._built.get(ch.key) != schedule_of(ch)])

    def _schedule(self, channels: list[Channel]) -> None:
        for ch in channels:
            self._built[ch.key] = schedule_of(ch)
            for prefix in ("post", "digest"):
                if self.aps.get_job(f"{prefix}:{ch.key}"):
                    self.aps.remove_job(f"{prefix}:{ch.key}")
            if ch.enabled:
                self.aps.add_job(self._guarded(self.core.post_round), post_trigger(ch), args=[ch.key],
                                 id=f"post:{ch.key}", coalesce=True, misfire_grace_time=3600)
                self.aps.add_job(self._guarded(self.digest_for), digest_trigger(ch), args=[ch.key],
                                 id=f"digest:{ch.key}", coalesce=True, misfire_grace_time=6 * 3600)

    def _guarded(self, job):  # type: ignore[no-untyped-def]
        async def run(*args: object) -> None:
            if not self.is_leader:
                return
            try:
                await job(*args)
            except Exception:
                log.exception("scheduled job failed", extra={"job": getattr(job, "__name__", "job")})
        return run

    async def digest_for(self, channel_key: str) -> None:
        async with self.core.ctx.uow() as uow:
            ch = await uow.directory.channel(channel_key)
        if ch is not None:
            await self._digest_if_due(ch, self.core.ctx.clock.now(), force=True)

    async def _digest_if_due(self, ch: Channel, now: datetime, *, force: bool = False) -> None:
        due_at, week = digest_due_at(ch, now)
        if now < due_at and not force:
            return
        last_week_day = week_start(local_date(now, ch.timezone)) - timedelta(days=7)
        async with self.core.ctx.uow() as uow:
            done = await uow.digests.of_week(ch.id, week) is not None
            had_rounds = await uow.rounds.any_in_week(ch.id, last_week_day)
        if not done and had_rounds:
            result = await self.core.post_digest(ch.key, week_day=last_week_day)
            if result.posted:
                await notices.send_weekly_summaries(self.core.ctx, ch.id, last_week_day,
                                                    self.core.settings.reminder_pace_s)

    async def tick(self) -> None:
        """Close finished rounds; post rounds and digests missed during downtime; remind; purge."""
        ctx = self.core.ctx
        steps = (self.sync_schedules, self.core.close_due_rounds, self.catch_up,
                 lambda: notices.send_reminders(ctx, self.core.settings.reminder_pace_s), self.purge)
        for step in steps:
            try:
                await step()
            except Exception:
                log.exception("scheduler tick step failed")

    async def catch_up(self) -> None:
        now = self.core.ctx.clock.now()
        for ch in await self.channels():
            today = local_date(now, ch.timezone)
            if is_post_day(today, parse_weekdays(ch.weekdays)):
                due = local_datetime(today, ch.post_time, ch.timezone)
                if due <= now < due + timedelta(hours=ch.answer_window_hours):
                    await self.core.post_round(ch.key)
            await self._digest_if_due(ch, now)

    async def purge(self) -> None:
        days = self.core.settings.answer_retention_days
        now = self.core.ctx.clock.now()
        if days and (self._last_purge is None or now - self._last_purge >= timedelta(hours=1)):
            self._last_purge = now
            purged = await operations.purge_answer_text(self.core.ctx, days)
            if purged:
                log.info("purged old answer text", extra={"answers": purged})
