"""Discord end to end in SimCord (real discord.py dispatch): a mock interview in DMs across a restart, and
a dispute from the score reply's button to the admin's ruling."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bank.loader import Bank
from bot.clock import FakeClock
from bot.config import Settings
from tests.conftest import empty_tables
from tests.fakes.discord_sim import World, bot_messages, discord_world, manager, member
from tests.fakes.interview_bank import interview_bank
from tests.fakes.judges import ScriptedJudge


@pytest.fixture
async def world(sqlite_url: str, bank: Bank, clock: FakeClock) -> AsyncIterator[World]:
    await empty_tables(sqlite_url)
    settings = Settings(database_url=sqlite_url, _env_file=None)  # type: ignore[call-arg]
    async with discord_world(settings, interview_bank(bank), clock, ScriptedJudge()) as w:
        yield w


def body(result: object) -> str:
    response = result.response  # type: ignore[attr-defined]
    assert response is not None
    return str(response.embeds[0].to_dict())


def dm_titles(world: World, who: object) -> list[str]:
    return [m.embeds[0].title or "" for m in bot_messages(who.user.dm_channel, world)]  # type: ignore[attr-defined]


async def say(world: World, who: object, text: str) -> str:
    world.clock.advance(timedelta(minutes=1))
    await who.send_dm(text)  # type: ignore[attr-defined]
    await world.env.settle()
    return dm_titles(world, who)[-1]


async def test_interview_in_discord_dms_across_a_restart(world: World) -> None:
    alice = member(world, "alice")
    started = await alice.slash(world.channel, "drill interview", category="evals", questions=3)
    assert started.ephemeral
    assert dm_titles(world, alice)[-1].startswith("Question 1 of 3")
    assert await say(world, alice, "ok I would keep a versioned golden set") == "Question 1 of 3 · follow-up 1"
    await world.restart()
    assert await say(world, alice, "ok because") == "Question 1 of 3 · follow-up 2"
    assert (await say(world, alice, "great because of the risk")).startswith("Question 2 of 3")
    assert (await say(world, alice, "great answer")).startswith("Question 3 of 3")
    assert await say(world, alice, "ok") == "Question 3 of 3 · follow-up 1"
    assert await say(world, alice, "end") == "Interview summary"
    summary = str(bot_messages(alice.user.dm_channel, world)[-1].embeds[0].to_dict())
    assert "Two things to study" in summary and "Model answer" in summary and "Follow-up 2" in summary


async def test_dispute_button_to_admin_ruling(world: World) -> None:
    alice, admin = member(world, "alice"), manager(world, "ada")
    await world.core.configure_channel(world.channel_key, "drill", enabled=True)
    assert (await world.core.post_round(world.channel_key)).posted
    await world.env.settle()
    [thread] = world.channel.threads
    await alice.send(thread, "an ok answer")
    await world.score()
    score = bot_messages(thread, world)[-1]
    [dispute_id] = [c.custom_id for row in score.components for c in row.children]
    assert dispute_id.startswith("drillbot:dispute:")
    await world.restart()  # the button still works in a new process
    clicked = await alice.click(score, custom_id=dispute_id)
    assert clicked.ephemeral and "received" in body(clicked)
    listing = await admin.slash(world.channel, "drill-admin review")
    assert "dispute 1" in body(listing) and "alice" in body(listing)
    ruled = await admin.slash(world.channel, "drill-admin review", action="score", answer_id=1, score=8.0)
    assert ruled.ephemeral
    await world.env.settle()
    told = bot_messages(alice.user.dm_channel, world)[-1]
    assert "upheld" in str(told.embeds[0].to_dict()) and "8.0/10" in str(told.embeds[0].to_dict())
