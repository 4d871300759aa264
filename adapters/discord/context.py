"""Normalise Discord events into the core's event types."""

from __future__ import annotations

import discord

from adapters.discord import keys
from bot.events import CommandContext


def channel_key_of(channel: object, guild_id: int | None) -> str | None:
    """A thread's commands apply to its parent channel; DMs have no channel key."""
    if guild_id is None or channel is None:
        return None
    if isinstance(channel, discord.Thread):
        return keys.channel_key(guild_id, channel.parent_id)
    return keys.channel_key(guild_id, channel.id)  # type: ignore[attr-defined]


def command_context(interaction: discord.Interaction) -> CommandContext:
    channel = interaction.channel
    is_dm = interaction.guild_id is None
    name = ""
    if isinstance(channel, discord.Thread) and channel.parent is not None:
        name = channel.parent.name
    elif channel is not None and not is_dm:
        name = getattr(channel, "name", "") or ""
    return CommandContext(
        user_key=keys.user_key(interaction.user.id),
        display_name=interaction.user.display_name,
        channel_key=channel_key_of(channel, interaction.guild_id),
        channel_name=name,
        is_dm=is_dm,
    )
