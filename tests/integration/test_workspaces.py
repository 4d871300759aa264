"""A person's workspace comes from where they act, never from their key: Discord user keys
(`discord:users:<id>`) name no server, so reading one as `platform:workspace:...` put every Discord member
of every server in one workspace called `discord:users`."""

from __future__ import annotations

from sqlalchemy import select

from bot.core import Core
from bot.events import AnswerEvent, CommandContext
from bot.store.models import Member, Workspace
from tests.fakes.platform import FakePlatform

GUILD_A, GUILD_B = "discord:111:222", "discord:999:888"
ADA, BO = "discord:users:42", "discord:users:43"


async def _discord_core(make_core) -> tuple[Core, FakePlatform]:  # type: ignore[no-untyped-def]
    core: Core = await make_core()
    discord = FakePlatform(name="discord")
    core.register(discord)
    return core, discord


async def _answer_in(core: Core, channel: str, user: str, name: str, msg: int) -> None:
    await core.configure_channel(channel, "general", weekdays="mon-sun")
    posted = await core.post_round(channel)
    assert posted.thread_key is not None
    result = await core.answer(AnswerEvent(f"discord:{msg}", posted.thread_key, user, "a great answer",
                                           core.ctx.clock.now(), name))
    assert result.outcome == "accepted"


async def test_discord_members_belong_to_the_server_they_answer_in(make_core) -> None:  # type: ignore[no-untyped-def]
    core, _ = await _discord_core(make_core)
    await _answer_in(core, GUILD_A, ADA, "ada", 5001)
    await _answer_in(core, GUILD_B, BO, "bo", 5002)
    async with core.ctx.sessions() as s:
        homes = dict((await s.execute(select(Member.user_key, Workspace.key)
                                      .join(Workspace, Workspace.id == Member.workspace_id))).all())
    assert homes == {ADA: "discord:111", BO: "discord:999"}


async def test_stats_by_name_finds_only_people_of_this_server(make_core) -> None:  # type: ignore[no-untyped-def]
    core, _ = await _discord_core(make_core)
    await _answer_in(core, GUILD_A, ADA, "ada", 5001)
    await _answer_in(core, GUILD_B, BO, "bo", 5002)
    await core.worker.drain()
    elsewhere = await core.command(CommandContext(BO, "bo", GUILD_B, "general"), "stats @ada")
    assert elsewhere.kind == "error" and "don't know anyone" in elsewhere.text
    here = await core.command(CommandContext(BO, "bo", GUILD_A, "general"), "stats @ada")
    assert here.kind == "stats" and "No answers" not in here.text
    # A mention arrives resolved: the adapter hands the core the person's key, never `<@id>` syntax.
    by_mention = await core.command(CommandContext(BO, "bo", GUILD_A, "general", mentions=(ADA,)), "stats")
    assert by_mention.kind == "stats" and "No answers" not in by_mention.text


async def test_an_adapter_may_name_the_workspace_itself(make_core) -> None:  # type: ignore[no-untyped-def]
    core, _ = await _discord_core(make_core)
    await core.command(CommandContext(ADA, "ada", None, "", is_dm=True, workspace_key="discord:111"), "practice")
    async with core.ctx.sessions() as s:
        home = await s.scalar(select(Workspace.key).join(Member, Member.workspace_id == Workspace.id))
    assert home == "discord:111"
