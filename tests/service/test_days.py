"""The person's local day through the unit of work: their own zone first, else their channel's, else the
server's; `timezone` sets and resets their own."""

from __future__ import annotations

from datetime import timedelta

from bot.services import days
from bot.services.context import Context
from tests.service.test_store_rules import ALICE


async def local_day(ctx: Context, at):  # type: ignore[no-untyped-def]
    async with ctx.uow() as uow:
        m = await uow.directory.member(ALICE)
        assert m is not None
        return await days.local_day(ctx, uow, m, at)


async def test_own_zone_first_then_the_default(ctx: Context) -> None:
    evening = ctx.clock.now().replace(hour=21)  # Monday 21:00 UTC: Tuesday in Tokyo
    shown = await days.timezone_command(ctx, ALICE, "alice", None, workspace_key="test:W1")
    assert ctx.settings.timezone in shown.plain()  # no zone of their own, no channel: the server's
    assert await local_day(ctx, evening) == evening.date()
    assert "Asia/Tokyo" in (await days.timezone_command(ctx, ALICE, "alice", "asia/tokyo")).plain()
    assert await local_day(ctx, evening) == evening.date() + timedelta(days=1)
    assert (await days.timezone_command(ctx, ALICE, "alice", "Mars/Olympus")).kind == "error"
    assert await local_day(ctx, evening) == evening.date() + timedelta(days=1)  # unchanged
    await days.timezone_command(ctx, ALICE, "alice", "reset")
    assert await local_day(ctx, evening) == evening.date()
