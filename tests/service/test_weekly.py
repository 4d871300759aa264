"""Weekly rules on in-memory SQLite: a round belongs to the local week of its date (Monday to Sunday), a
channel's digest is reserved once per ISO week, and only enabled channels post."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from bot.clock import FakeClock
from bot.rules.timing import week_start
from bot.services import channels
from bot.services.context import Context
from tests.service.test_store_rules import CH, open_round


async def test_a_round_belongs_to_its_local_week(ctx: Context) -> None:
    assert isinstance(ctx.clock, FakeClock)
    ctx.clock.advance(timedelta(days=6))  # Sunday
    await open_round(ctx)
    async with ctx.uow() as uow:
        ch = await uow.directory.channel(CH)
        assert ch is not None
        monday = week_start(ctx.clock.now().date())
        assert await uow.rounds.any_in_week(ch.id, monday)
        assert not await uow.rounds.any_in_week(ch.id, monday + timedelta(days=7))
        assert not await uow.rounds.any_in_week(ch.id, monday - timedelta(days=7))


async def test_a_digest_is_reserved_once_per_week(ctx: Context) -> None:
    await open_round(ctx)
    async with ctx.uow() as uow:
        ch = await uow.directory.channel(CH)
        assert ch is not None
        await uow.digests.reserve(ch.id, "2026-W45")
    with pytest.raises(IntegrityError):
        async with ctx.uow() as uow:
            await uow.digests.reserve(ch.id, "2026-W45")
    async with ctx.uow() as uow:
        assert await uow.digests.of_week(ch.id, "2026-W45") is not None
        assert await uow.digests.of_week(ch.id, "2026-W46") is None


async def test_only_enabled_channels_post(ctx: Context) -> None:
    await channels.configure(ctx, "test:W1:C1", "one", {})
    await channels.configure(ctx, "test:W1:C2", "two", {"enabled": False})
    async with ctx.uow() as uow:
        assert [c.key for c in await uow.directory.channels(enabled_only=True)] == ["test:W1:C1"]
        assert sorted(c.key for c in await uow.directory.channels()) == ["test:W1:C1", "test:W1:C2"]
        assert [c.name for c in await uow.directory.channels("test:W1:C2")] == ["two"]
