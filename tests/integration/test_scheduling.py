"""Schedules, catch-up, digests, reminders, leadership, retention and the activity report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.core import Core
from bot.events import CommandContext
from bot.leader import PostgresLeadership, SecondSchedulerError, SqliteLeadership
from bot.scheduler import Scheduler, post_trigger
from bot.services import operations
from bot.store import db
from bot.store.models import Answer, Channel, Digest, Notification, Round
from tests.fakes.platform import FakePlatform
from tests.integration.test_rounds_and_intake import ALICE, CH, answer, count, setup_round


class AlwaysLeader:
    async def acquire(self) -> bool:
        return True

    async def release(self) -> None:
        return None


async def leader_scheduler(core: Core) -> Scheduler:
    scheduler = Scheduler(core, AlwaysLeader(), tick_s=3600)
    scheduler.is_leader = True
    await scheduler.rebuild()
    return scheduler


async def test_catch_up_posts_a_missed_round_once_within_its_window(core: Core, platform: FakePlatform) -> None:
    await core.configure_channel(CH, "general", post_time="08:00", weekdays="mon-fri", timezone="UTC")
    scheduler = await leader_scheduler(core)  # the clock reads Monday 09:00: 08:00 was missed
    await scheduler.tick()
    await scheduler.tick()
    assert len(platform.posts()) == 1
    core.ctx.clock.advance(timedelta(days=5))  # Saturday: not a posting day
    await scheduler.tick()
    assert len(platform.posts()) == 1


async def test_catch_up_does_not_post_after_the_window(core: Core, platform: FakePlatform) -> None:
    await core.configure_channel(CH, "general", post_time="08:00", weekdays="mon-sun", answer_window_hours=1)
    scheduler = await leader_scheduler(core)
    core.ctx.clock.advance(timedelta(hours=1))  # 10:00, window 08:00-09:00 is over
    await scheduler.tick()
    assert platform.posts() == []


async def test_jobs_are_rebuilt_from_the_database_with_stable_ids(core: Core, platform: FakePlatform) -> None:
    await core.configure_channel(CH, "general", post_time="09:00", timezone="Europe/Berlin")
    scheduler = await leader_scheduler(core)
    try:
        job = scheduler.aps.get_job(f"post:{CH}")
        assert job is not None and scheduler.aps.get_job(f"digest:{CH}") is not None
        platform.admins.add("test:W1:admin")
        await core.command(CommandContext("test:W1:admin", "admin", CH), "config time 07:15")
        trigger = scheduler.aps.get_job(f"post:{CH}").trigger
        nxt = trigger.get_next_fire_time(None, datetime(2026, 11, 2, 0, 0, tzinfo=UTC))
        assert (nxt.hour, nxt.minute, str(nxt.tzinfo)) == (7, 15, "Europe/Berlin")
    finally:
        await scheduler.shutdown()


def test_cron_trigger_is_dst_correct() -> None:
    ch = Channel(key=CH, post_time="09:00", weekdays="mon,tue,wed,thu,fri", timezone="Europe/Berlin")
    trig = post_trigger(ch)
    winter = trig.get_next_fire_time(None, datetime(2026, 1, 5, 0, 0, tzinfo=UTC))
    summer = trig.get_next_fire_time(None, datetime(2026, 7, 6, 0, 0, tzinfo=UTC))
    assert winter.astimezone(UTC).hour == 8 and summer.astimezone(UTC).hour == 7


async def test_missed_digest_is_posted_once_with_summaries(core: Core, platform: FakePlatform) -> None:
    thread = await setup_round(core)
    await core.answer(answer(thread, "m1", ALICE, "a great answer", core))
    await core.worker.drain()
    await core.command(CommandContext(ALICE, "alice", CH), "optin summary")
    scheduler = await leader_scheduler(core)
    scheduler.core.settings.reminder_pace_s = 0
    core.ctx.clock.advance(timedelta(days=7, hours=3))  # next Monday 12:00, digest was due at 09:00
    await scheduler.tick()
    await scheduler.tick()
    assert len(platform.of_kind("digest")) == 1
    assert await count(core, Digest) == 1
    summaries = [s for s in platform.sent if s.kind == "dm" and s.message.title.startswith("Your week")]
    assert len(summaries) == 1 and summaries[0].target == ALICE and "10.0" in summaries[0].message.plain()


async def test_reminder_goes_once_to_opted_in_regulars_who_have_not_answered(core: Core,
                                                                             platform: FakePlatform) -> None:
    core.settings.reminder_pace_s = 0
    thread = await setup_round(core)
    await core.answer(answer(thread, "m1", ALICE, "a great answer", core))
    await core.worker.drain()
    await core.command(CommandContext(ALICE, "alice", CH), "optin reminders")
    scheduler = await leader_scheduler(core)
    core.ctx.clock.advance(timedelta(days=1))  # Tuesday 09:00: next round
    await scheduler.tick()
    core.ctx.clock.advance(timedelta(hours=22, minutes=30))  # 90 min before it closes
    await scheduler.tick()
    await scheduler.tick()
    reminders = [s for s in platform.sent if s.kind == "dm" and "closes soon" in s.message.text]
    assert len(reminders) == 1 and reminders[0].target == ALICE
    assert await count(core, Notification) == 1


async def test_retention_purges_old_answer_text_but_keeps_scores(core: Core) -> None:
    thread = await setup_round(core)
    await core.answer(answer(thread, "m1", ALICE, "a great answer", core))
    await core.worker.drain()
    core.ctx.clock.advance(timedelta(days=31))
    assert await operations.purge_answer_text(core.ctx, 30) == 1
    async with core.ctx.sessions() as s:
        assert await s.scalar(select(Answer.text)) == ""
    report = await operations.activity(core.ctx, timedelta(days=60))
    assert report.received == 1 and report.by_status == {"scored": 1} and report.judge_calls == 1


async def test_sqlite_refuses_a_second_scheduler(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"
    first, second = SqliteLeadership(url), SqliteLeadership(url)
    assert await first.acquire()
    with pytest.raises(SecondSchedulerError, match="PostgreSQL"):
        await second.acquire()
    await first.release()
    assert await second.acquire()
    await second.release()


async def test_postgres_advisory_lock_elects_one_leader(postgres_url: str) -> None:
    engines = [db.create_engine(postgres_url) for _ in range(2)]
    a, b = PostgresLeadership(engines[0], lock_id=4242), PostgresLeadership(engines[1], lock_id=4242)
    try:
        assert await a.acquire() and await a.acquire()
        assert not await b.acquire()
        await a.release()
        assert await b.acquire()
    finally:
        await a.release()
        await b.release()
        for e in engines:
            await e.dispose()


async def test_rounds_table_has_one_round_per_day(core: Core) -> None:
    await setup_round(core)
    async with core.ctx.sessions() as s:
        assert len((await s.scalars(select(Round))).all()) == 1
