"""A Discord world for adapter tests: the real drillbot core + the real discord.py bot inside SimCord.

SimCord (PyPI `simcord`) replaces discord.py's HTTP client and feeds gateway payloads through its real
parsers, so everything between those seams (dispatch, app commands, views, threads) is real discord.py.
This module only wires it up and holds small queries the tests share; it touches no discord.py internals.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import discord
import simcord
from simcord.builders import ChannelHandle, GuildHandle

from adapters.discord import create_bot
from adapters.discord.app import DrillBot
from adapters.discord.retry import RetryPolicy
from bank.loader import Bank
from bot.clock import FakeClock
from bot.config import Settings
from bot.core import Core
from tests.fakes.judges import ScriptedJudge

FAST_RETRY = RetryPolicy(attempts=4, base_delay_s=0.001, max_delay_s=0.01)
MESSAGE_ROUTE = re.compile(r"^/(channels/\d+/messages|webhooks/\d+/[^/]+(/messages/[^/]+)?)$")
CALLBACK_ROUTE = re.compile(r"^/interactions/\d+/[^/]+/callback$")


@dataclass
class World:
    env: simcord.Env
    settings: Settings
    bank: Bank
    clock: FakeClock
    judge: ScriptedJudge
    core: Core
    bot: DrillBot
    guild: GuildHandle
    channel: ChannelHandle
    cores: list[Core] = field(default_factory=list)

    @property
    def channel_key(self) -> str:
        return f"discord:{self.guild.id}:{self.channel.id}"

    async def score(self) -> None:
        """Run the scoring worker as the scheduler would, then let the bot finish sending."""
        await self.core.worker.run_once()
        await self.env.settle()

    async def restart(self) -> None:
        """A new process: a fresh core and bot over the same database and the same Discord world."""
        core = await Core.create(self.settings, self.judge, clock=self.clock, bank=self.bank, migrate=False)
        self.cores.append(core)
        bot = create_bot(self.settings, core)
        assert isinstance(bot, DrillBot)
        bot.platform.retry = FAST_RETRY
        await self.env.restart_bot(bot)
        self.core, self.bot = core, bot


@asynccontextmanager
async def discord_world(settings: Settings, bank: Bank, clock: FakeClock, judge: ScriptedJudge,
                        **options: Any) -> AsyncIterator[World]:
    core = await Core.create(settings, judge, clock=clock, bank=bank, migrate=False)
    bot = create_bot(settings, core)
    assert isinstance(bot, DrillBot)
    bot.platform.retry = FAST_RETRY
    world: World | None = None
    try:
        # Started like SimCord's own pytest fixture does (simcord.run's clock scope cannot span fixture tasks).
        env = simcord.Env(bot, **options)
        await env.start()
        try:
            guild = env.create_guild(name="Interview Club")
            channel = guild.create_text_channel("drill")
            world = World(env, settings, bank, clock, judge, core, bot, guild, channel, [core])
            yield world
        finally:
            await env.shutdown()
        if env.check_errors:
            env.raise_errors()
    finally:
        for c in world.cores if world else [core]:
            await c.close()


def manager(world: World, name: str) -> Any:
    role = world.guild.create_role("Mods", permissions=discord.Permissions(manage_guild=True))
    return world.guild.add_member(world.env.create_user(name), roles=[role])


async def shown_admin_commands(world: World, name: str) -> Any:
    """A member without Manage Server to whom the server shows /drill-admin anyway (Integrations settings)."""
    role = world.guild.create_role("Helpers")
    [command] = [c for c in await world.bot.tree.fetch_commands() if c.name == "drill-admin"]
    world.guild.set_command_permissions(command, {role: True})
    return world.guild.add_member(world.env.create_user(name), roles=[role])


def member(world: World, name: str) -> Any:
    return world.guild.add_member(world.env.create_user(name))


def bot_messages(channel: ChannelHandle, world: World) -> list[discord.Message]:
    me = world.bot.user
    assert me is not None
    kinds = (discord.MessageType.default, discord.MessageType.reply)  # not the thread-created notices
    return [m for m in channel.history() if m.author.id == me.id and m.type in kinds]


def message_sends(env: simcord.Env) -> list[tuple[str, dict[str, Any]]]:
    """Every request that created or edited a message, with the message body that was sent."""
    out = []
    for r in env.http_requests:
        body = r.json if isinstance(r.json, dict) else {}
        if MESSAGE_ROUTE.match(r.path) and r.method in ("POST", "PATCH"):
            out.append((r.path, body))
        elif CALLBACK_ROUTE.match(r.path) and isinstance(body.get("data"), dict) and (
                "embeds" in body["data"] or "content" in body["data"]):
            out.append((r.path, body["data"]))
    return out
