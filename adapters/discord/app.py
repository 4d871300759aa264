"""The discord.py bot: intents, app-command sync, message/edit/delete events -> core calls."""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord.ext import commands

from adapters.discord import keys
from adapters.discord.commands import DrillAdminGroup, DrillGroup
from adapters.discord.platform import DiscordPlatform
from adapters.discord.render import NO_MENTIONS, send_kwargs
from adapters.discord.views import ActionView, DisputeButton
from bot.config import Settings
from bot.core import Core
from bot.events import AnswerEvent
from bot.messages import Message

log = logging.getLogger(__name__)

MESSAGE_CONTENT_HELP = (
    "the Message Content intent is not enabled for this bot, so drillbot cannot read answers. Enable it "
    "in the Discord developer portal: your application -> Bot -> Privileged Gateway Intents -> "
    "Message Content Intent (see docs/discord.md)."
)
ANSWER_TYPES = (discord.MessageType.default, discord.MessageType.reply)


def intents() -> discord.Intents:
    i = discord.Intents.none()
    i.guilds = True
    i.guild_messages = True
    i.dm_messages = True
    i.message_content = True  # privileged: answers are message text
    return i


def guild_ids(settings: Settings) -> list[int]:
    return [int(g) for g in (p.strip() for p in settings.discord_guild_ids.split(",")) if g]


class DrillBot(commands.Bot):
    def __init__(self, settings: Settings, core: Core, **options: Any):
        super().__init__(command_prefix=commands.when_mentioned, intents=options.pop("intents", intents()),
                         allowed_mentions=NO_MENTIONS, help_command=None, **options)
        self.settings = settings
        self.core = core
        self.platform = DiscordPlatform(self, core)
        self.tree.add_command(DrillGroup(core))
        self.tree.add_command(DrillAdminGroup(core))

    async def setup_hook(self) -> None:
        # Registered before the gateway connects so clicks on buttons sent before a restart still work.
        self.add_view(ActionView(self.core))
        self.add_dynamic_items(DisputeButton)
        if not self.intents.message_content:
            log.warning("discord: %s", MESSAGE_CONTENT_HELP)
        ids = guild_ids(self.settings)
        if ids:  # per-guild sync is instant: meant for development servers
            for gid in ids:
                guild = discord.Object(gid)
                self.tree.copy_global_to(guild=guild)
                await self.tree.sync(guild=guild)
            log.info("discord: /drill and /drill-admin synced to guilds %s", ids)
        else:  # global sync can take up to an hour to appear everywhere
            await self.tree.sync()
            log.info("discord: /drill and /drill-admin synced globally")

    async def on_ready(self) -> None:
        log.info("discord: connected as %s in %d server(s)", self.user, len(self.guilds))

    # Answers ---------------------------------------------------------------------------------------
    def _thread_key(self, channel: object, guild_id: int | None) -> str | None:
        """The key of a drillbot-shaped conversation: a guild thread or a DM; None for anything else."""
        if isinstance(channel, discord.DMChannel):
            return keys.dm_key(channel.id)
        if isinstance(channel, discord.Thread) and guild_id is not None and channel.parent_id is not None:
            return keys.thread_key(guild_id, channel.parent_id, channel.id)
        return None

    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or message.webhook_id is not None or message.type not in ANSWER_TYPES:
            return
        thread = self._thread_key(message.channel, message.guild.id if message.guild else None)
        if thread is None:
            return
        is_dm = message.guild is None
        if not message.content.strip() and (message.attachments or message.stickers):
            # Only text is scored; an image or file alone is not "empty", it is unreadable to the judge.
            await self._tell(message.author, message.channel if is_dm else None, IMAGE_ONLY,
                             fallback=None if is_dm else message.channel)
            return
        event = AnswerEvent(
            message_key=keys.message_key(message.id), thread_key=thread, user_key=keys.user_key(message.author.id),
            text=message.content, at=self.core.ctx.clock.now(),  # the core's clock: one time source
            display_name=message.author.display_name, is_dm=is_dm, platform_at=message.created_at,
        )
        # Stored first (keyed by the message id), then processed from the stored row: a crash in between
        # leaves it in the inbox for the next start. In a DM, text that answers nothing runs as a command.
        stored = await self.core.receive("answer", event.message_key, event)
        result = await self.core.process(stored) if stored is not None else None
        if result is not None and result.reply is not None:
            await self._tell(message.author, message.channel if is_dm else None, result.reply,
                             fallback=None if is_dm else message.channel)

    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        data = payload.data
        author = data.get("author") or {}
        if "content" not in data or author.get("bot") or not author.get("id"):
            return
        channel = self.get_channel(payload.channel_id)
        if channel is None:
            try:
                channel = await self.fetch_channel(payload.channel_id)
            except discord.HTTPException:
                return
        thread = self._thread_key(channel, payload.guild_id)
        if thread is None:
            return
        user_id = int(author["id"])
        event = AnswerEvent(
            message_key=keys.message_key(payload.message_id), thread_key=thread, user_key=keys.user_key(user_id),
            text=data.get("content", ""), at=self.core.ctx.clock.now(),
            display_name=author.get("global_name") or author.get("username", ""), is_dm=payload.guild_id is None,
        )
        stored = await self.core.receive("edit", f"{event.message_key}#edit@{data.get('edited_timestamp', '')}", event)
        result = await self.core.process(stored) if stored is not None else None
        if result is not None and result.reply is not None:
            user = self.get_user(user_id) or await self.fetch_user(user_id)
            await self._tell(user, channel if payload.guild_id is None else None, result.reply,
                             fallback=channel if payload.guild_id is not None else None)

    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        await self._deleted(payload.message_id)

    async def on_raw_bulk_message_delete(self, payload: discord.RawBulkMessageDeleteEvent) -> None:
        for message_id in payload.message_ids:
            await self._deleted(message_id)

    async def _deleted(self, message_id: int) -> None:
        key = keys.message_key(message_id)
        gone = AnswerEvent(key, "", "", "", self.core.ctx.clock.now())
        stored = await self.core.receive("delete", f"{key}#deleted", gone)
        if stored is not None:
            await self.core.process(stored)

    async def _tell(self, user: discord.abc.User, dm_channel: Any, reply: Message, *, fallback: Any = None) -> None:
        """Personal notices go to the person, not the thread: by DM (the DM itself when they wrote there).
        With DMs closed, they go in the thread where the person wrote, addressed to them, and vanish soon."""
        try:
            target = dm_channel or user
            await target.send(**send_kwargs(reply))
            return
        except discord.HTTPException:
            log.info("discord: could not DM %s (DMs closed?)", user.id)
        if fallback is None:
            return
        kwargs = send_kwargs(reply)
        kwargs["content"] = f"{user.mention} {kwargs.get('content') or ''}".strip()
        kwargs["allowed_mentions"] = discord.AllowedMentions(everyone=False, roles=False, users=[user])
        try:
            await fallback.send(**kwargs, delete_after=NOTICE_SECONDS)
        except discord.HTTPException:
            log.info("discord: could not tell %s in the thread either", user.id)


NOTICE_SECONDS = 120  # a personal notice shown in a thread (DMs closed) is removed after this
IMAGE_ONLY = Message(text="I can only score typed answers: images and files are not read. Please type your "
                          "answer as a message in the thread.", kind="error")


def create_bot(settings: Settings, core: Core) -> commands.Bot:
    """Build the bot without connecting and register the Discord platform with the core."""
    bot = DrillBot(settings, core)
    core.register(bot.platform)
    return bot


async def run_discord(settings: Settings, core: Core) -> None:
    """Connect with DISCORD_TOKEN and run until cancelled."""
    if settings.discord_token is None:
        raise RuntimeError("DISCORD_TOKEN is not set")
    bot = create_bot(settings, core)
    async with bot:
        try:
            await bot.start(settings.discord_token.get_secret_value())
        except discord.PrivilegedIntentsRequired:
            log.error("discord: %s", MESSAGE_CONTENT_HELP)
            raise
