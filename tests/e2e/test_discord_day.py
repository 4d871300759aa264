"""A full day on Discord through the real bot: post, thread, three answers, scored replies, leaderboard."""

from __future__ import annotations

from collections.abc import AsyncIterator

import discord
import pytest

from bank.loader import Bank
from bot.clock import FakeClock
from bot.config import Settings
from tests.conftest import empty_tables
from tests.fakes.discord_sim import World, bot_messages, discord_world, manager, member, message_sends
from tests.fakes.judges import ScriptedJudge


@pytest.fixture
async def world(sqlite_url: str, bank: Bank, clock: FakeClock) -> AsyncIterator[World]:
    await empty_tables(sqlite_url)
    settings = Settings(database_url=sqlite_url, _env_file=None)  # type: ignore[call-arg]
    async with discord_world(settings, bank, clock, ScriptedJudge()) as w:
        yield w


async def test_a_full_day_in_a_thread(world: World) -> None:
    admin = manager(world, "ada")
    people = [member(world, n) for n in ("bo", "cy", "di")]

    # An admin enables the channel; then the scheduler's daily job posts the round.
    await world.core.configure_channel(world.channel_key, "drill", enabled=True)
    result = await world.core.post_round(world.channel_key)
    await world.env.settle()
    assert result.posted

    [question] = bot_messages(world.channel, world)
    assert question.embeds and question.embeds[0].title.startswith("Question of the day")
    [thread] = world.channel.threads
    assert result.thread_key == f"{world.channel_key}:{thread.id}"
    assert thread.id == question.id  # the thread is started from the question message

    answers = {}
    for person, text in zip(people, ("great: retrieval for large changing data", "ok I think so", "no idea"),
                            strict=True):
        answers[person.name] = await person.send(thread, text)
    await world.score()

    replies = bot_messages(thread, world)
    assert len(replies) == 3
    by_reference = {r.reference.message_id: r for r in replies if r.reference is not None}
    assert set(by_reference) == {m.id for m in answers.values()}  # each reply answers its message
    assert by_reference[answers["bo"].id].embeds[0].title == "bo: 10.0/10"
    assert by_reference[answers["cy"].id].embeds[0].title == "cy: 5.0/10"
    assert by_reference[answers["di"].id].embeds[0].title == "di: 0.0/10"
    assert by_reference[answers["bo"].id].embeds[0].fields  # per-criterion results

    board = await admin.slash(world.channel, "drill leaderboard")
    assert board.ephemeral is False  # the board is shared with the channel
    text = board.response.embeds[0].to_dict()
    rendered = str(text)
    assert rendered.index("bo") < rendered.index("cy")

    # The scheduler's second run of the day posts nothing new.
    again = await world.core.post_round(world.channel_key)
    await world.env.settle()
    assert not again.posted
    assert len(bot_messages(world.channel, world)) == 1

    for path, body in message_sends(world.env):
        assert body.get("allowed_mentions") == {"parse": []}, path


async def test_duplicate_delivery_edit_and_delete(world: World) -> None:
    alice = member(world, "alice")
    await world.core.configure_channel(world.channel_key, "drill", enabled=True)
    await world.core.post_round(world.channel_key)
    await world.env.settle()
    [thread] = world.channel.threads

    msg = await alice.send(thread, "ok answer")
    world.bot.dispatch("message", msg)  # the gateway redelivers the same message id
    await world.env.settle()
    await world.score()
    assert world.judge.calls == 1
    assert len(bot_messages(thread, world)) == 1

    await alice.edit(msg, "great answer after an edit")  # an edit is a revision, scored again
    await world.score()
    assert world.judge.calls == 2
    titles = [m.embeds[0].title for m in bot_messages(thread, world)]
    assert titles[-1] == "alice: 10.0/10"

    board = await alice.slash(world.channel, "drill leaderboard")
    assert "alice" in str(board.response.embeds[0].to_dict())

    await alice.delete(msg)  # deleted answers leave the leaderboard
    await world.env.settle()
    board = await alice.slash(world.channel, "drill leaderboard")
    assert "alice" not in str(board.response.embeds[0].to_dict())


async def test_messages_outside_drill_threads_are_ignored(world: World) -> None:
    bob = member(world, "bob")
    await bob.send(world.channel, "hello everyone")  # plain channel chat is not an answer
    await world.score()
    assert world.judge.calls == 0
    assert bot_messages(world.channel, world) == []
    assert isinstance(world.bot.user, discord.ClientUser)
