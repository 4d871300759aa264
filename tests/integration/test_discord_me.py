"""`/drill me` on Discord through real discord.py in SimCord: an ephemeral embed with the chart attached."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bank.loader import Bank
from bot.clock import FakeClock
from bot.config import Settings
from tests.conftest import empty_tables
from tests.fakes.discord_sim import World, discord_world, member
from tests.fakes.judges import ScriptedJudge
from tests.integration.test_discord_adapter import open_round


@pytest.fixture
async def world(sqlite_url: str, bank: Bank, clock: FakeClock) -> AsyncIterator[World]:
    await empty_tables(sqlite_url)
    settings = Settings(database_url=sqlite_url, _env_file=None)  # type: ignore[call-arg]
    async with discord_world(settings, bank, clock, ScriptedJudge()) as w:
        yield w


async def test_drill_me_is_ephemeral_with_the_chart_attached(world: World) -> None:
    thread = await open_round(world)
    alice = member(world, "alice")
    await alice.send(thread, "an ok answer")
    await world.score()
    assert "drill me" in alice.available_commands(world.channel)
    result = await alice.slash(world.channel, "drill me")
    assert result.ephemeral and result.response is not None
    embed = result.response.embeds[0]
    [attachment] = result.response.attachments
    assert embed.title == "Your progress" and attachment.filename.startswith("progress-")
    assert embed.image.url == f"attachment://{attachment.filename}"
    fields = {f.name: f.value for f in embed.fields}
    assert fields["This week"].startswith("5.0 pts") and "Streak" in fields


async def test_drill_me_before_any_answer_is_friendly(world: World) -> None:
    bob = member(world, "bob")
    result = await bob.slash(world.channel, "drill me")
    assert result.ephemeral and result.response is not None
    assert "Nothing yet" in (result.response.embeds[0].description or "")
