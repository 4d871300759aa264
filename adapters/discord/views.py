"""Buttons: a persistent view whose custom ids are stable, so buttons keep working after a restart."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

import discord

from adapters.discord import context
from adapters.discord.render import NO_MENTIONS, embed, send_kwargs
from bot import render as core_render
from bot.messages import Button

if TYPE_CHECKING:
    from bot.core import Core

log = logging.getLogger(__name__)

CUSTOM_ID_PREFIX = "drillbot:"
# Every action a core Message can carry; the persistent view registers one button per action.
PERSISTENT_ACTIONS = (Button("practice:next", "Next question"), Button("practice:skip", "Skip"),
                      Button("practice:start", "Practise now"))
PRIMARY = frozenset({"practice:next", "practice:start"})


def custom_id(action: str) -> str:
    return CUSTOM_ID_PREFIX + action


class ActionButton(discord.ui.Button["ActionView"]):
    def __init__(self, core: Core, button: Button):
        style = discord.ButtonStyle.primary if button.action in PRIMARY else discord.ButtonStyle.secondary
        super().__init__(label=button.label[:80], style=style, custom_id=custom_id(button.action))
        self.core = core
        self.action = button.action

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        reply = await self.core.button(context.command_context(interaction), self.action)
        await interaction.followup.send(**send_kwargs(reply), ephemeral=True)


class ActionView(discord.ui.View):
    """timeout=None and fixed custom ids: discord.py routes clicks on old messages to it after a restart."""

    def __init__(self, core: Core, buttons: list[Button] | tuple[Button, ...] = PERSISTENT_ACTIONS):
        super().__init__(timeout=None)
        for b in buttons:
            self.add_item(ActionButton(core, b))

    async def on_error(self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item) -> None:
        log.exception("button %s failed", getattr(item, "custom_id", "?"), exc_info=error)
        msg = core_render.error("Something went wrong; try again in a moment.")
        send = interaction.followup.send if interaction.response.is_done() else interaction.response.send_message
        await send(embed=embed(msg), ephemeral=True, allowed_mentions=NO_MENTIONS)


class DisputeButton(discord.ui.DynamicItem[discord.ui.Button], template=r"drillbot:dispute:(?P<answer>[0-9]+)"):
    """The Dispute button on a score reply. Its custom id carries the answer id, so any message's button
    (also one sent before a restart) routes here once `DrillBot.setup_hook` has registered the class."""

    def __init__(self, answer_id: int) -> None:
        super().__init__(discord.ui.Button(label="Dispute", style=discord.ButtonStyle.secondary,
                                           custom_id=custom_id(f"dispute:{answer_id}")))
        self.answer_id = answer_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item,
                             match: re.Match[str]) -> DisputeButton:
        return cls(int(match["answer"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        core: Core = interaction.client.core  # type: ignore[attr-defined]
        reply = await core.button(context.command_context(interaction), f"dispute:{self.answer_id}")
        await interaction.followup.send(**send_kwargs(reply), ephemeral=True)


def view_for(core: Core, buttons: list[Button]) -> ActionView | None:
    return ActionView(core, buttons) if buttons else None
