"""One local day per person (bot/services/days.py): their own zone, else their channel's, else
DRILLBOT_TIMEZONE, for practice answers and the streak alike; `/drill timezone` sets their own."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

from rich.console import Console
from sqlalchemy import select

from adapters.console.app import ConsoleSession
from adapters.console.platform import CHANNEL, USER, ConsolePlatform
from bot.core import Core
from bot.events import AnswerEvent, CommandContext
from bot.store.models import Answer, Member, Streak
from tests.integration.test_rounds_and_intake import ALICE, CH, answer

ALICE_DM = CommandContext(ALICE, "alice", None, is_dm=True)
LA = "America/Los_Angeles"


async def _practice_answer(core: Core, n: int) -> None:
    await core.command(ALICE_DM, "practice")
    result = await core.answer(AnswerEvent(f"test:W1:D1:p{n}", f"{ALICE}:dm", ALICE, "a great answer",
                                           core.ctx.clock.now(), "alice", is_dm=True))
    assert result.outcome == "accepted"
    await core.worker.drain()


async def _days(core: Core) -> list[date]:
    async with core.ctx.sessions() as s:
        return list((await s.scalars(select(Answer.day).order_by(Answer.id))).all())


async def test_practice_answer_and_streak_use_the_channels_day_near_midnight(core: Core) -> None:
    await core.configure_channel(CH, "general", weekdays="mon-sun", timezone=LA)
    posted = await core.post_round(CH)  # Monday 09:00 UTC is Monday 01:00 in Los Angeles
    assert posted.thread_key is not None
    await core.answer(answer(posted.thread_key, "m1", ALICE, "a great answer", core))
    await core.worker.drain()
    core.ctx.clock.set(datetime(2026, 11, 3, 3, 0, tzinfo=UTC))  # Tuesday 03:00 UTC, Monday 19:00 in LA
    await _practice_answer(core, 1)
    # DRILLBOT_TIMEZONE is UTC (Tuesday); the person has no zone, so their channel's Monday decides.
    assert await _days(core) == [date(2026, 11, 2), date(2026, 11, 2)]
    async with core.ctx.sessions() as s:
        streak = await s.scalar(select(Streak))
    assert streak is not None and streak.current == 1 and streak.last_day == date(2026, 11, 2)


async def test_timezone_command_sets_the_persons_own_day(core: Core) -> None:
    reply = await core.command(ALICE_DM, "timezone europe/berlin")  # any letter case
    assert reply.kind == "info" and "Europe/Berlin" in reply.text
    async with core.ctx.sessions() as s:
        assert await s.scalar(select(Member.timezone)) == "Europe/Berlin"
    core.ctx.clock.set(datetime(2026, 11, 2, 23, 30, tzinfo=UTC))  # already Tuesday 00:30 in Berlin
    await _practice_answer(core, 1)
    assert await _days(core) == [date(2026, 11, 3)]
    shown = await core.command(ALICE_DM, "timezone")
    assert "Europe/Berlin" in shown.text and "set by you" in shown.text
    cleared = await core.command(ALICE_DM, "timezone reset")
    assert cleared.kind == "info" and "UTC" in cleared.text
    async with core.ctx.sessions() as s:
        assert await s.scalar(select(Member.timezone)) is None


async def test_unknown_time_zone_is_a_friendly_error_that_echoes_nothing_unsafe(core: Core) -> None:
    bad = await core.command(ALICE_DM, "timezone Mars/Olympus")
    assert bad.kind == "error" and "Mars/Olympus" in bad.text and "Europe/Berlin" in bad.text
    ping = await core.command(ALICE_DM, "timezone @channel")
    assert ping.kind == "error" and "@channel" not in ping.text
    assert (await core.command(ALICE_DM, "timezone Europe Berlin")).kind == "error"
    assert "timezone" in (await core.command(ALICE_DM, "help")).plain()


async def test_terminal_timezone_command(make_core) -> None:  # type: ignore[no-untyped-def]
    core: Core = await make_core()
    out = io.StringIO()
    console = ConsolePlatform(console=Console(file=out, width=160))
    core.register(console)
    await core.configure_channel(CHANNEL, "general", weekdays="mon-sun")
    session = ConsoleSession(core, console)
    await session.handle_line("/timezone Asia/Kolkata")
    assert "Asia/Kolkata" in out.getvalue()
    async with core.ctx.sessions() as s:
        assert await s.scalar(select(Member.timezone).where(Member.user_key == USER)) == "Asia/Kolkata"
    session.show(session.help())
    assert "/timezone" in out.getvalue()
