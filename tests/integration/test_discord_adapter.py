"""The Discord adapter through real discord.py inside SimCord: commands, DMs, buttons, digests, safety, retries."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import timedelta

import discord
import pytest
import simcord
from sqlalchemy import select

from adapters.discord import create_bot, keys
from adapters.discord.app import DrillBot
from adapters.discord.render import escape
from bank.loader import Bank
from bot.clock import FakeClock
from bot.config import Settings
from bot.core import Core
from bot.messages import Message
from bot.store.models import Member, Workspace
from tests.conftest import empty_tables
from tests.fakes.discord_sim import (
    World,
    bot_messages,
    discord_world,
    manager,
    member,
    message_sends,
    shown_admin_commands,
)
from tests.fakes.judges import ScriptedJudge

HOSTILE = "@everyone @here <@123456789012345678> <@&223456789012345678> **bold** `code`"


@pytest.fixture
def settings(sqlite_url: str) -> Settings:
    return Settings(database_url=sqlite_url, _env_file=None)  # type: ignore[call-arg]


@pytest.fixture
async def world(sqlite_url: str, settings: Settings, bank: Bank, clock: FakeClock) -> AsyncIterator[World]:
    await empty_tables(sqlite_url)
    async with discord_world(settings, bank, clock, ScriptedJudge()) as w:
        yield w


def title(result: simcord.InteractionResult) -> str:
    assert result.response is not None
    return result.response.embeds[0].title or ""


def body(result: simcord.InteractionResult) -> str:
    assert result.response is not None
    return str(result.response.embeds[0].to_dict())


async def open_round(world: World) -> simcord.ChannelHandle:
    await world.core.configure_channel(world.channel_key, "drill", enabled=True)
    assert (await world.core.post_round(world.channel_key)).posted
    await world.env.settle()
    [thread] = world.channel.threads
    return thread


# Slash commands ------------------------------------------------------------------------------------
async def test_help_is_ephemeral_and_lists_the_commands(world: World) -> None:
    alice = member(world, "alice")
    result = await alice.slash(world.channel, "drill help")
    assert result.ephemeral
    assert "practice" in body(result) and "leaderboard" in body(result)


async def test_every_subcommand_is_registered_and_admin_commands_only_for_managers(world: World) -> None:
    alice, ada = member(world, "alice"), manager(world, "ada")
    available = set(alice.available_commands(world.channel))
    for sub in ("practice", "next", "stats", "leaderboard", "streak", "skip", "forget-me", "help", "interview",
                "dispute", "me", "timezone"):
        assert f"drill {sub}" in available
    assert not {c for c in available if "config" in c or "post" in c or "review" in c}
    managers = set(ada.available_commands(world.channel))
    assert {"drill-admin config", "drill-admin post", "drill-admin review"} <= managers


async def test_the_synced_payload_hides_admin_commands_by_default(world: World) -> None:
    [sync] = [r for r in world.env.http_requests if r.method == "PUT" and r.path.endswith("/commands")]
    payload = {c["name"]: c for c in sync.json}
    assert payload["drill"].get("default_member_permissions") is None
    admin = payload["drill-admin"]
    assert int(admin["default_member_permissions"]) == discord.Permissions(manage_guild=True).value
    assert admin["dm_permission"] is False  # guild only: there is no channel to administer in a DM
    assert sorted(o["name"] for o in admin["options"]) == ["config", "post", "review"]
    assert not {o["name"] for o in payload["drill"]["options"]} & {"config", "post", "review"}


async def test_config_and_post_are_refused_without_manage_guild(world: World) -> None:
    # A server may show /drill-admin to more people (Integrations settings); the core still checks.
    bob = await shown_admin_commands(world, "bob")
    refused = await bob.slash(world.channel, "drill-admin config", setting="time", value="10:30")
    assert refused.ephemeral
    assert "admin" in body(refused).lower()
    refused = await bob.slash(world.channel, "drill-admin post")
    assert "admin" in body(refused).lower()
    assert bot_messages(world.channel, world) == []  # nothing posted

    ada = manager(world, "ada")
    saved = await ada.slash(world.channel, "drill-admin config", setting="time", value="10:30")
    assert "Saved" in body(saved)
    posted = await ada.slash(world.channel, "drill-admin post")
    assert posted.ephemeral
    assert len(bot_messages(world.channel, world)) == 1
    assert len(world.channel.threads) == 1


async def test_manage_guild_is_checked_at_run_time(world: World) -> None:
    carol = member(world, "carol")
    assert not await world.bot.platform.is_admin(keys.user_key(carol.id), world.channel_key)
    assert await world.bot.platform.is_admin(keys.user_key(world.guild.owner.id), world.channel_key)
    assert not await world.bot.platform.is_admin("discord:users:1", world.channel_key)  # not a member
    assert not await world.bot.platform.is_admin("slack:T1:U1", world.channel_key)


async def test_stats_and_streak_are_ephemeral(world: World) -> None:
    alice = member(world, "alice")
    bob = member(world, "bob")
    assert (await alice.slash(world.channel, "drill streak")).ephemeral
    about_bob = await alice.slash(world.channel, "drill stats", member=bob)
    # The chosen member reaches the core as a user key (CommandContext.mentions), not as `<@id>` text.
    assert about_bob.ephemeral and "No answers from them yet" in body(about_bob)  # about bob, not alice


async def test_timezone_sets_the_members_zone_and_files_them_under_the_server(world: World) -> None:
    alice = member(world, "alice")
    reply = await alice.slash(world.channel, "drill timezone", zone="Europe/Berlin")
    assert reply.ephemeral and "Europe/Berlin" in body(reply)
    async with world.bot.core.ctx.sessions() as s:
        row = (await s.execute(select(Member.timezone, Workspace.key)
                               .join(Workspace, Workspace.id == Member.workspace_id))).one()
    guild = world.channel_key.rsplit(":", 1)[0]  # discord:<guild>, never the user keys' discord:users
    assert tuple(row) == ("Europe/Berlin", guild) and guild != "discord:users"


# DM practice -----------------------------------------------------------------------------------------
async def test_dm_practice_with_next_button_across_a_restart(world: World) -> None:
    alice = member(world, "alice")
    started = await alice.slash(world.channel, "drill practice")
    assert started.ephemeral
    dm = alice.user.dm_channel
    [question] = bot_messages(dm, world)
    assert question.embeds[0].title.startswith("Practice")

    await alice.send_dm("great answer: I would measure it with an eval set")
    await world.score()
    score, reveal = bot_messages(dm, world)[-2:]
    assert reveal.embeds[0].title == "Model answer"
    assert score.embeds[0].title == "10.0/10"
    ids = [c.custom_id for row in score.components for c in row.children]
    assert ids[0] == "drillbot:practice:next" and ids[1].startswith("drillbot:dispute:") and len(ids) == 2

    first = await alice.user.click(question, custom_id="drillbot:practice:skip")  # before any restart
    assert first.ephemeral
    await world.restart()  # a new process: the persistent view must still answer the old button
    clicked = await alice.user.click(score, custom_id="drillbot:practice:next")
    assert clicked.ephemeral
    latest = bot_messages(dm, world)[-1]
    assert latest.id != score.id and latest.embeds[0].title.startswith("Practice")


async def test_dm_text_outside_practice_is_a_command(world: World) -> None:
    alice = member(world, "alice")
    await alice.send_dm("help")
    [reply] = bot_messages(alice.user.dm_channel, world)
    assert "practice" in str(reply.embeds[0].to_dict())
    await alice.send_dm("practice")
    titles = [m.embeds[0].title or "" for m in bot_messages(alice.user.dm_channel, world)]
    assert any(t.startswith("Practice") for t in titles)


# Digest ------------------------------------------------------------------------------------------------
async def test_weekly_digest_is_an_embed_with_the_chart_attached(world: World) -> None:
    thread = await open_round(world)
    alice = member(world, "alice")
    await alice.send(thread, "great answer")
    await world.score()

    result = await world.core.post_digest(world.channel_key, week_day=world.clock.now().date())
    await world.env.settle()
    assert result.posted
    digest = bot_messages(world.channel, world)[-1]
    [attachment] = digest.attachments
    assert attachment.filename.endswith(".png")
    assert digest.embeds[0].title.startswith("Weekly digest")
    assert digest.embeds[0].image.url == f"attachment://{attachment.filename}"
    assert len(world.channel.threads) == 1  # only the question opened a thread


# Mentions and markdown ------------------------------------------------------------------------------------
def test_escape_neutralises_mentions_and_markdown() -> None:
    out = escape(HOSTILE)
    assert "@everyone" not in out and "@here" not in out
    assert "<@123456789012345678>" not in out and "<@&223456789012345678>" not in out
    assert "**bold**" not in out and "\\*\\*bold\\*\\*" in out


async def test_hostile_text_never_pings(world: World) -> None:
    thread = await open_round(world)
    mallory = world.guild.add_member(world.env.create_user("mallory", global_name="@everyone **boss**"))
    await mallory.send(thread, "great " + HOSTILE)
    await world.score()

    [reply] = [m for m in bot_messages(thread, world) if m.reference is not None]
    rendered = str(reply.embeds[0].to_dict())
    assert "@everyone" not in rendered.replace("@\u200beveryone", "")
    assert "<@123456789012345678>" not in rendered
    assert not reply.mention_everyone and not reply.mentions and not reply.role_mentions
    sends = message_sends(world.env)
    assert sends
    for path, sent in sends:
        assert sent.get("allowed_mentions") == {"parse": []}, path


# Retries -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("status", [500, 502, 429])
async def test_daily_post_is_retried_without_a_double_post(world: World, status: int) -> None:
    world.env.inject_error("POST", "/channels/*/messages", status=status, times=2)
    world.env.inject_error("POST", "/channels/*/messages/*/threads", status=500, times=1)
    await world.core.configure_channel(world.channel_key, "drill", enabled=True)
    result = await world.core.post_round(world.channel_key)
    await world.env.settle()
    assert result.posted
    assert len(bot_messages(world.channel, world)) == 1
    assert len(world.channel.threads) == 1
    posts = [r for r in world.env.http_requests if r.method == "POST" and r.path.endswith("/messages")
             and r.path.startswith(f"/channels/{world.channel.id}")]
    assert len(posts) == 3 and len({r.json["nonce"] for r in posts}) == 1  # one nonce for every attempt


async def test_scored_reply_is_retried_once_delivered(world: World) -> None:
    thread = await open_round(world)
    alice = member(world, "alice")
    await alice.send(thread, "great answer")
    world.env.inject_error("POST", f"/channels/{thread.id}/messages", status=503, times=1)
    await world.score()
    assert len(bot_messages(thread, world)) == 1
    route = f"/channels/{thread.id}/messages"
    attempts = [r for r in world.env.http_requests if r.method == "POST" and r.path == route]
    assert len(attempts) == 2 and len({r.json["nonce"] for r in attempts}) == 1  # retried as the same send


async def test_round_hints_go_by_dm_not_in_the_thread(world: World) -> None:
    """Issue 13: the thread shows the score; the feedback and follow-up reach the person by DM."""
    thread = await open_round(world)
    alice = member(world, "alice")
    await alice.send(thread, "great answer")
    await world.score()
    [reply] = bot_messages(thread, world)
    assert "10.0/10" in str(reply.embeds[0].to_dict()) and "why?" not in str(reply.embeds[0].to_dict())
    [note] = bot_messages(alice.user.dm_channel, world)
    assert "why?" in str(note.embeds[0].to_dict())


async def test_permanent_errors_are_not_retried(world: World) -> None:
    world.env.inject_error("POST", "/channels/*/messages", status=403, code=50013, times=None)
    await world.core.configure_channel(world.channel_key, "drill", enabled=True)
    with pytest.raises(discord.Forbidden):
        await world.core.post_round(world.channel_key)
    posts = [r for r in world.env.http_requests if r.method == "POST" and r.path.endswith("/messages")]
    assert len(posts) == 1


# Start-up ----------------------------------------------------------------------------------------------------
async def test_missing_message_content_intent_is_reported(sqlite_url: str, settings: Settings, bank: Bank,
                                                          clock: FakeClock) -> None:
    await empty_tables(sqlite_url)
    core = await Core.create(settings, ScriptedJudge(), clock=clock, bank=bank, migrate=False)
    try:
        bot = create_bot(settings, core)
        assert isinstance(bot, DrillBot) and bot.intents.message_content and bot.intents.dm_messages
        approved = discord.Intents.default()  # message content not enabled in the portal
        with pytest.raises(discord.PrivilegedIntentsRequired):
            async with simcord.run(bot, approved_intents=approved):
                pass
    finally:
        await core.close()


async def test_bot_without_message_content_warns(sqlite_url: str, settings: Settings, bank: Bank, clock: FakeClock,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    await empty_tables(sqlite_url)
    core = await Core.create(settings, ScriptedJudge(), clock=clock, bank=bank, migrate=False)
    try:
        intents = discord.Intents.default()
        intents.message_content = False
        bot = DrillBot(settings, core, intents=intents)
        with caplog.at_level(logging.WARNING, logger="adapters.discord.app"):
            env = simcord.Env(bot)
            await env.start()
            await env.shutdown()
        assert "Message Content" in caplog.text
    finally:
        await core.close()


async def test_reply_to_a_post_without_a_thread_starts_one(world: World) -> None:
    posted = await world.bot.platform.post(world.channel_key, Message(text="weekly digest", kind="digest"))
    await world.env.settle()
    assert world.channel.threads == []  # only questions open a thread straight away
    await world.bot.platform.reply(posted.thread_key, Message(text="a follow-up"))
    await world.env.settle()
    [thread] = world.channel.threads
    assert posted.thread_key == f"{world.channel_key}:{thread.id}"
    assert [m.embeds[0].description for m in bot_messages(thread, world)] == ["a follow-up"]


async def test_commands_sync_to_configured_guilds(sqlite_url: str, bank: Bank, clock: FakeClock) -> None:
    await empty_tables(sqlite_url)
    settings = Settings(database_url=sqlite_url, discord_guild_ids="111, 222", _env_file=None)  # type: ignore[call-arg]
    async with discord_world(settings, bank, clock, ScriptedJudge(), strict_sync=False) as w:
        puts = [r.path for r in w.env.http_requests if r.method == "PUT" and r.path.endswith("/commands")]
    assert len(puts) == 2 and all(p.split("/")[-2] in ("111", "222") for p in puts)


def _practice_qid(message: discord.Message) -> str:
    return (message.embeds[0].footer.text or "").rsplit("id ", 1)[1]


async def test_next_and_skip_keep_the_chosen_category_for_ten_presses(world: World) -> None:
    alice = member(world, "alice")
    await alice.slash(world.channel, "drill practice", category="evals")
    dm = alice.user.dm_channel
    picked = [_practice_qid(bot_messages(dm, world)[-1])]
    for i in range(10):
        world.clock.advance(timedelta(seconds=1))
        if i % 2:
            await alice.user.click(bot_messages(dm, world)[-1], custom_id="drillbot:practice:skip")
        else:
            await alice.slash(world.channel, "drill next")
        picked.append(_practice_qid(bot_messages(dm, world)[-1]))
    assert {world.core.ctx.catalog.get(q).category for q in picked} == {"evals"}  # type: ignore[union-attr]
    assert len(set(picked)) == 11


async def test_help_and_refusals_name_the_admin_group(world: World) -> None:
    helped = await member(world, "alice").slash(world.channel, "drill help")
    assert "/drill-admin config" in body(helped) and "/drill config" not in body(helped)
    assert "/drill practice" in body(helped) and "/drill next" in body(helped)
    shown = await manager(world, "ada").slash(world.channel, "drill-admin config")
    assert "/drill-admin post" in body(shown)


async def test_a_manager_skips_the_round_with_confirm(world: World) -> None:
    await open_round(world)
    ada = manager(world, "ada")
    asked = await ada.slash(world.channel, "drill skip")
    assert "confirm" in body(asked)
    done = await ada.slash(world.channel, "drill skip", confirm=True)
    assert "skipped" in body(done)
