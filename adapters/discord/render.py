"""Render the core's platform-neutral Message as Discord embed, file and view arguments.

Everything in a Message may carry user text, so all of it is escaped for markdown and mentions, and
every send also sets allowed mentions to none: escaping keeps the text readable, allowed mentions
guarantee that nothing pings even if escaping missed a form.
"""

from __future__ import annotations

import io
import re
from typing import Any

import discord

from bot.messages import Message

NO_MENTIONS = discord.AllowedMentions.none()

# Discord's embed limits.
TITLE_MAX, DESCRIPTION_MAX, FIELDS_MAX, FIELD_NAME_MAX, FIELD_VALUE_MAX, FOOTER_MAX, EMBED_MAX = (
    256, 4096, 25, 256, 1024, 2048, 6000)
THREAD_NAME_MAX = 100

COLOURS = {
    "question": discord.Colour.blurple(), "score": discord.Colour.green(), "pending": discord.Colour.gold(),
    "error": discord.Colour.red(), "digest": discord.Colour.purple(), "leaderboard": discord.Colour.purple(),
    "stats": discord.Colour.teal(), "help": discord.Colour.light_grey(), "info": discord.Colour.light_grey(),
}


def escape(text: str) -> str:
    """Markdown first, then mentions: @everyone/@here/<@id>/<@&id> get a zero-width break."""
    return discord.utils.escape_mentions(escape_markdown(text))


_INLINE = re.compile(r"([\\*_~`|\[\]<>])")
_LINE_START = re.compile(r"^(\s*)([#>-])", re.MULTILINE)


def escape_markdown(text: str) -> str:
    """Backslash every character Discord markdown gives meaning to. discord.utils.escape_markdown keeps
    link syntax intact (so `[*](x)` keeps a live `*`); user text must never format, so escape it all."""
    return _LINE_START.sub(r"\1\\\2", _INLINE.sub(r"\\\1", text))


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def embed(message: Message) -> discord.Embed:
    e = discord.Embed(
        title=clip(escape(message.title), TITLE_MAX) or None,
        description=clip(escape(message.text), DESCRIPTION_MAX) or None,
        colour=COLOURS.get(message.kind, discord.Colour.light_grey()),
    )
    used = len(e.title or "") + len(e.description or "")
    footer = clip(discord.utils.escape_mentions(message.footer), FOOTER_MAX)  # footers render no markdown
    used += len(footer)
    for f in message.fields[:FIELDS_MAX]:
        name = clip(escape(f.name), FIELD_NAME_MAX) or "\u200b"
        value = clip(escape(f.value), FIELD_VALUE_MAX) or "\u200b"
        if used + len(name) + len(value) > EMBED_MAX:
            break  # the total embed limit: drop the tail rather than fail the send
        used += len(name) + len(value)
        e.add_field(name=name, value=value, inline=f.inline)
    if footer:
        e.set_footer(text=footer)
    if message.image is not None:
        e.set_image(url=f"attachment://{message.image_name}")
    return e


def file(message: Message) -> discord.File | None:
    if message.image is None:
        return None
    return discord.File(io.BytesIO(message.image), filename=message.image_name)


def send_kwargs(message: Message, view: discord.ui.View | None = None) -> dict[str, Any]:
    """Keyword arguments for Messageable.send / followup.send; a fresh File each call (files are consumed)."""
    kwargs: dict[str, Any] = {"embed": embed(message), "allowed_mentions": NO_MENTIONS}
    if (f := file(message)) is not None:
        kwargs["file"] = f
    if view is not None:
        kwargs["view"] = view
    return kwargs


def thread_name(message: Message) -> str:
    name = " ".join((message.title or message.text or "drillbot").split())
    day = re.match(r"\d{4}-\d{2}-\d{2}", message.footer or "")
    if day:  # round threads carry their date, so a channel's thread list reads as a history
        name = f"{day.group(0)} · {name}"
    return clip(name, THREAD_NAME_MAX)
