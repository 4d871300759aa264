"""The core's Platform port on Discord: post rounds as embed + thread, reply in threads, DM, admin check."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord

from adapters.discord import keys
from adapters.discord.render import send_kwargs, thread_name
from adapters.discord.retry import RetryPolicy, new_nonce
from adapters.discord.views import view_for
from bot.messages import Message
from bot.ports import Posted

if TYPE_CHECKING:
    from discord.ext import commands

    from bot.core import Core

log = logging.getLogger(__name__)

THREAD_ALREADY_EXISTS = 160004  # Discord's error code when a message already has a thread
THREAD_ARCHIVE_MINUTES = 1440


class DiscordPlatform:
    name = keys.PREFIX
    admin_prefix = "/drill-admin"  # the group hidden from members (adapters/discord/commands.py)

    def __init__(self, bot: commands.Bot, core: Core, retry: RetryPolicy | None = None):
        self.bot = bot
        self.core = core
        self.retry = retry or RetryPolicy()

    # Port ------------------------------------------------------------------------------------------
    async def post(self, channel_key: str, message: Message) -> Posted:
        guild_id, channel_id = keys.parse_channel(channel_key)
        channel = await self._channel(channel_id)
        sent = await self._send(channel, message)
        # A thread started from a message has the message's id, so the key is known before the thread
        # exists. Questions get their thread now (answers go there); other posts get one on first reply.
        thread_id = sent.id
        if message.kind == "question":
            thread_id = (await self._thread_from(sent, thread_name(message))).id
        return Posted(keys.thread_key(guild_id, channel_id, thread_id), keys.message_key(sent.id))

    async def reply(self, thread_key: str, message: Message, *, reply_to: str | None = None) -> Posted:
        ref = keys.parse_thread(thread_key)
        channel = await self._reply_channel(ref, message)
        reference = None
        if (answer_id := keys.parse_message(reply_to)) is not None:
            reference = discord.MessageReference(message_id=answer_id, channel_id=channel.id,
                                                 guild_id=ref.guild_id, fail_if_not_exists=False)
        sent = await self._send(channel, message, reference=reference)
        return Posted(thread_key, keys.message_key(sent.id))

    async def dm(self, user_key: str, message: Message) -> Posted:
        user_id = keys.parse_user(user_key)
        user = self.bot.get_user(user_id) or await self.retry.run(lambda: self.bot.fetch_user(user_id), "fetch user")
        channel = user.dm_channel or await self.retry.run(user.create_dm, "open DM")
        sent = await self._send(channel, message)
        return Posted(keys.dm_key(channel.id), keys.message_key(sent.id))

    async def private_note(self, thread_key: str, user_key: str, message: Message) -> Posted:
        """Discord has no ephemeral message outside an interaction: the note goes by DM."""
        return await self.dm(user_key, message)

    async def is_admin(self, user_key: str, channel_key: str) -> bool:
        """Manage-guild permission, checked now (not only the command's default permissions)."""
        try:
            user_id = keys.parse_user(user_key)
            guild_id, _ = keys.parse_channel(channel_key)
        except keys.BadKey:
            return False
        guild = self.bot.get_guild(guild_id)
        if guild is None:
            return False
        member = guild.get_member(user_id)
        if member is None:
            try:
                member = await guild.fetch_member(user_id)
            except discord.NotFound:
                return False
        return member.guild_permissions.manage_guild

    # Helpers ---------------------------------------------------------------------------------------

    def workspace_of(self, key: str) -> str:
        return keys.workspace_of(key)

    async def _send(self, channel: discord.abc.Messageable, message: Message, **extra: Any) -> discord.Message:
        nonce = new_nonce()  # one nonce for every attempt: a retry never creates a second message
        view = view_for(self.core, message.buttons)
        sent = await self.retry.run(
            lambda: channel.send(**send_kwargs(message, view), nonce=nonce, **extra), f"send {message.kind}")
        if view is not None:
            # The persistent view registered at start handles these custom ids for every message;
            # stopping the per-message copy keeps discord.py from holding one view per message forever.
            view.stop()
        return sent

    async def _channel(self, channel_id: int) -> Any:
        channel = self.bot.get_channel(channel_id)
        if channel is None:
            channel = await self.retry.run(lambda: self.bot.fetch_channel(channel_id), "fetch channel")
        return channel

    async def _thread_from(self, root: discord.Message, name: str) -> discord.Thread:
        async def create() -> discord.Thread:
            try:
                return await root.create_thread(name=name, auto_archive_duration=THREAD_ARCHIVE_MINUTES)
            except discord.HTTPException as exc:
                if exc.code != THREAD_ALREADY_EXISTS:
                    raise
                # An earlier attempt did create it before failing: use that thread.
                return await self._channel(root.id)

        return await self.retry.run(create, "create thread")

    async def _reply_channel(self, ref: keys.ThreadRef, message: Message) -> Any:
        try:
            return await self._channel(ref.channel_id)
        except discord.NotFound:
            if ref.is_dm or ref.parent_id is None:
                raise
        # A post whose thread was never started (see post()): start it from the root message now.
        parent = await self._channel(ref.parent_id)
        root = await self.retry.run(lambda: parent.fetch_message(ref.channel_id), "fetch root")
        return await self._thread_from(root, thread_name(message))
