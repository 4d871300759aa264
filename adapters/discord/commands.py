"""The `/drill` and `/drill-admin` app-command groups: each subcommand becomes the equivalent core command text.

The core parses, validates and checks admin rights; this module only builds the text and renders the
answer. Personal replies are ephemeral; the leaderboard is shared with the channel. Admin commands sit
in their own group because Discord sets default permissions per top-level command, not per subcommand:
`/drill-admin` is shown only to members with Manage Server (server settings can widen that).
"""

from __future__ import annotations

import logging
import shlex
from dataclasses import replace
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands

from adapters.discord import context, keys
from adapters.discord.render import send_kwargs
from adapters.discord.views import view_for
from bank.schema import CATEGORY_LABELS, Category
from bot import render as core_render

if TYPE_CHECKING:
    from bot.core import Core

log = logging.getLogger(__name__)

PUBLIC = frozenset({"leaderboard"})
CATEGORY_CHOICES = [app_commands.Choice(name=CATEGORY_LABELS.get(c, c.value)[:100], value=c.value) for c in Category]


def command_text(name: str, *args: str | None) -> str:
    """Quote each argument so the core's shlex parsing sees exactly what the person typed."""
    return " ".join([name, *(shlex.quote(a) for a in args if a)])


ADMIN_GROUP = "drill-admin"


class RelayGroup(app_commands.Group):
    """A command group whose subcommands are relayed to the core as `/drill` command text."""

    def __init__(self, core: Core, **options: object):
        super().__init__(**options)  # type: ignore[arg-type]
        self.core = core

    async def relay(self, interaction: discord.Interaction, name: str, *args: str | None,
                    mentions: tuple[str, ...] = ()) -> None:
        ephemeral = name not in PUBLIC or interaction.guild_id is None
        # The core may hit the database or post a round: acknowledge within Discord's 3 seconds first.
        await interaction.response.defer(ephemeral=ephemeral, thinking=True)
        try:
            cc = replace(context.command_context(interaction), mentions=mentions)  # people chosen as options
            reply = await self.core.command(cc, command_text(name, *args))
        except Exception:
            log.exception("/drill %s failed", name)
            reply = core_render.error("Something went wrong; try again in a moment.")
        view = view_for(self.core, reply.buttons)
        await interaction.followup.send(**send_kwargs(reply, view), ephemeral=ephemeral)
        if view is not None:
            view.stop()  # the persistent view answers these buttons (see platform._send)


class DrillGroup(RelayGroup):
    def __init__(self, core: Core):
        super().__init__(core, name="drill", description="AI-engineering interview practice")

    @app_commands.command(description="Get a private practice question by DM")
    @app_commands.describe(category="Only questions from this category")
    @app_commands.choices(category=CATEGORY_CHOICES)
    async def practice(self, interaction: discord.Interaction,
                       category: app_commands.Choice[str] | None = None) -> None:
        await self.relay(interaction, "practice", category.value if category else None)

    @app_commands.command(description="Another practice question, in the category you chose last")
    @app_commands.describe(category="Switch to this category instead")
    @app_commands.choices(category=CATEGORY_CHOICES)
    async def next(self, interaction: discord.Interaction, category: app_commands.Choice[str] | None = None) -> None:
        await self.relay(interaction, "next", category.value if category else None)

    @app_commands.command(description="Your scores, streak and weakest categories (or someone else's)")
    async def stats(self, interaction: discord.Interaction, member: discord.User | None = None) -> None:
        await self.relay(interaction, "stats", mentions=(keys.user_key(member.id),) if member else ())

    @app_commands.command(description="This channel's leaderboard")
    async def leaderboard(self, interaction: discord.Interaction, period: Literal["week", "all"] = "week") -> None:
        await self.relay(interaction, "leaderboard", period)

    @app_commands.command(description="Your current and best streak")
    async def streak(self, interaction: discord.Interaction) -> None:
        await self.relay(interaction, "streak")

    @app_commands.command(description="Your own time zone: it decides your practice days and streak")
    @app_commands.describe(zone="an IANA name like Europe/Berlin, or `reset` to follow the channel")
    async def timezone(self, interaction: discord.Interaction, zone: str | None = None) -> None:
        await self.relay(interaction, "timezone", zone)

    @app_commands.command(description="Your progress card: streak, points, strengths and trend, with a chart")
    async def me(self, interaction: discord.Interaction) -> None:
        await self.relay(interaction, "me")

    @app_commands.command(description="In a DM, skip your practice question; in a channel (Manage Server), "
                                      "skip today's round")
    @app_commands.describe(confirm="In a channel: yes, skip today's round for everyone")
    async def skip(self, interaction: discord.Interaction, confirm: bool = False) -> None:
        await self.relay(interaction, "skip", "confirm" if confirm else None)

    @app_commands.command(description="A mock interview in your DMs: questions, follow-ups, a summary")
    @app_commands.describe(category="Only questions from this category", questions="How many questions (default 3)")
    @app_commands.choices(category=CATEGORY_CHOICES)
    async def interview(self, interaction: discord.Interaction, category: app_commands.Choice[str] | None = None,
                        questions: app_commands.Range[int, 1, 10] | None = None) -> None:
        await self.relay(interaction, "interview", category.value if category else None,
                         *(("--questions", str(questions)) if questions else ()))

    @app_commands.command(description="Dispute your last score (or answer #ID) for an admin to review")
    async def dispute(self, interaction: discord.Interaction, reason: str | None = None,
                      answer_id: int | None = None) -> None:
        await self.relay(interaction, "dispute", f"#{answer_id}" if answer_id is not None else None, reason)

    @app_commands.command(name="forget-me", description="Delete everything drillbot stores about you")
    async def forget_me(self, interaction: discord.Interaction, confirm: bool = False) -> None:
        await self.relay(interaction, "forget-me", "confirm" if confirm else None)

    @app_commands.command(description="How drillbot works and every command")
    async def help(self, interaction: discord.Interaction) -> None:
        await self.relay(interaction, "help")


class DrillAdminGroup(RelayGroup):
    """Channel settings, posting and review: hidden from members without Manage Server; the core checks too."""

    def __init__(self, core: Core):
        super().__init__(core, name=ADMIN_GROUP, description="drillbot admin: channel settings, posting, review",
                         default_permissions=discord.Permissions(manage_guild=True), guild_only=True)

    @app_commands.command(description="Show or change this channel's settings (Manage Server)")
    @app_commands.describe(setting="e.g. time, timezone, weekdays, categories", value="the new value")
    async def config(self, interaction: discord.Interaction, setting: str | None = None,
                     value: str | None = None) -> None:
        await self.relay(interaction, "config", setting, value)

    @app_commands.command(description="Post today's question here now, enabling the channel (Manage Server)")
    async def post(self, interaction: discord.Interaction) -> None:
        await self.relay(interaction, "post")

    @app_commands.command(description="Review held answers and disputes (Manage Server)")
    @app_commands.describe(answer_id="the answer id (clear/confirm) or dispute id (score)",
                           score="score: the admin's score, 0-10",
                           verdicts="score: optional per-criterion verdicts, e.g. `tradeoff=met cite=missed`")
    async def review(self, interaction: discord.Interaction,
                     action: Literal["clear", "confirm", "score"] | None = None, answer_id: int | None = None,
                     score: float | None = None, verdicts: str | None = None) -> None:
        await self.relay(interaction, "review", action, str(answer_id) if answer_id is not None else None,
                         str(score) if score is not None else None, *(verdicts or "").split())
