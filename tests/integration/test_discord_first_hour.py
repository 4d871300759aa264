"""Discord as a new member meets it (issue 15): closed DMs, image-only answers, wording, thread names."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bank.loader import Bank
from bot.clock import FakeClock
from bot.config import Settings
from tests.conftest import empty_tables
from tests.fakes.discord_sim import World, bot_messages, discord_world, member, shown_admin_commands
from tests.fakes.judges import ScriptedJudge
from tests.integration.test_discord_adapter import body, open_round


@pytest.fixture
async def world(sqlite_url: str, bank: Bank, clock: FakeClock) -> AsyncIterator[World]:
    await empty_tables(sqlite_url)
    settings = Settings(database_url=sqlite_url, _env_file=None, max_answer_chars=100)  # type: ignore[call-arg]
    async with discord_world(settings, bank, clock, ScriptedJudge()) as w:
        yield w


def text_of(message) -> str:  # type: ignore[no-untyped-def]
    return (message.content or "") + " ".join(str(e.to_dict()) for e in message.embeds)


async def test_a_rejection_reaches_a_person_with_closed_dms(world: World) -> None:
    thread = await open_round(world)
    alice = member(world, "alice")
    world.env.inject_error("POST", "/users/@me/channels", status=403, code=50007,
                           message="Cannot send messages to this user", times=None)
    await alice.send(thread, "x" * 150)  # over the 100-character limit
    await world.env.settle()
    notices = [m for m in bot_messages(thread, world) if "limit" in text_of(m)]
    assert len(notices) == 1 and str(alice.id) in notices[0].content


async def test_an_image_only_answer_is_told_to_type_it(world: World) -> None:
    thread = await open_round(world)
    alice = member(world, "alice")
    await alice.send(thread, "", attachments=[("answer.png", b"\x89PNG\r\n\x1a\n")])
    await world.env.settle()
    dm = alice.user.dm_channel
    [notice] = bot_messages(dm, world)
    assert "typed answers" in text_of(notice) and "empty" not in text_of(notice)


async def test_refusal_has_no_slack_wording_and_threads_carry_the_date(world: World) -> None:
    thread = await open_round(world)
    assert thread.name.startswith(world.core.ctx.clock.now().date().isoformat())
    refused = await (await shown_admin_commands(world, "bob")).slash(world.channel, "drill-admin post")
    assert "admin" in body(refused).lower() and "workspace admins" not in body(refused)
