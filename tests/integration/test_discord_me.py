"""`/drill me` on Discord through real discord.py in SimCord: an ephemeral embed with the chart attached."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bank.loader import Bank
from bot.clock import FakeClock
from bot.config import Settings
from tests.conftest import empty_tables
from tests.fakes.discord_sim import World, bot_messages, discord_world, member
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


async def test_practise_now_on_the_card_sends_the_due_review(world: World) -> None:
    thread = await open_round(world)
    alice = member(world, "alice")
    await alice.send(thread, "an ok answer")  # partial: due for review a day later
    await world.score()
    world.clock.advance(timedelta(days=2))
    card = await alice.slash(world.channel, "drill me")
    assert card.response is not None
    ids = [c["custom_id"] for row in card.response.components for c in row["components"]]
    assert ids == ["drillbot:practice:start"]
    clicked = await alice.click(card.response, custom_id="drillbot:practice:start")
    assert clicked.ephemeral
    [question] = [m for m in bot_messages(alice.user.dm_channel, world) if m.embeds[0].title.startswith("Practice")]
    assert question.embeds[0].fields[0].value.startswith("It is due for review")
