"""Render the core's platform-neutral Messages as Block Kit, escaping every piece of text.

Slack parses `<...>` as links and mentions (`<!channel>`, `<@U123>`) and `&` as entities, so `&`, `<`
and `>` are escaped everywhere; mrkdwn objects are `verbatim` so Slack never auto-links names or
mentions either. Messages are never sent with link_names, so a bare "@everyone" stays plain text.
"""

from __future__ import annotations

from typing import Any

from bot.messages import Message

SECTION_LIMIT = 3000  # characters in one section's text
FIELD_LIMIT = 2000  # characters in one section field
HEADER_LIMIT = 150
FALLBACK_LIMIT = 3900
MAX_BLOCKS = 50
MAX_FIELDS = 10  # per section

Block = dict[str, Any]


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = limit - 1
    amp = text.rfind("&", max(0, cut - 5), cut)
    if amp != -1 and ";" not in text[amp:cut]:  # never split an escape like &lt; in half
        cut = amp
    return text[:cut] + "…"


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def _chunks(text: str, limit: int) -> list[str]:
    """Split long text at paragraph or line breaks where possible, never inside an escape sequence."""
    out: list[str] = []
    while len(text) > limit:
        cut = max(text.rfind("\n", 0, limit), text.rfind(" ", 0, limit))
        if cut <= 0:
            cut = limit
            amp = text.rfind("&", cut - 5, cut)  # do not split "&amp;" and friends
            if amp > 0:
                cut = amp
        out.append(text[:cut])
        text = text[cut:].lstrip("\n")
    if text:
        out.append(text)
    return out


def fallback_text(message: Message) -> str:
    """The notification / screen-reader text that accompanies the blocks."""
    return _clip(escape(message.plain()), FALLBACK_LIMIT) or " "


def blocks(message: Message) -> list[Block]:
    out: list[Block] = []
    if message.title:
        out.append({"type": "header", "text": {"type": "plain_text", "text": _clip(escape(message.title), HEADER_LIMIT),
                                               "emoji": True}})
    for chunk in _chunks(escape(message.text), SECTION_LIMIT):
        out.append({"type": "section", "text": _mrkdwn(chunk)})
    inline: list[dict[str, Any]] = []

    def flush_inline() -> None:
        for i in range(0, len(inline), MAX_FIELDS):
            out.append({"type": "section", "fields": inline[i: i + MAX_FIELDS]})
        inline.clear()

    for f in message.fields:
        body = _clip(f"*{escape(f.name)}*\n{escape(f.value)}", FIELD_LIMIT)
        if f.inline:
            inline.append(_mrkdwn(body))
        else:
            flush_inline()
            out.append({"type": "section", "text": _mrkdwn(_clip(body, SECTION_LIMIT))})
    flush_inline()
    if message.buttons:
        out.append({"type": "actions", "elements": [
            {"type": "button", "action_id": b.action, "value": _clip(b.value or b.action, 2000),
             "text": {"type": "plain_text", "text": _clip(escape(b.label), 75), "emoji": True}}
            for b in message.buttons[:25]
        ]})
    if message.footer:
        out.append({"type": "context", "elements": [_mrkdwn(_clip(escape(message.footer), SECTION_LIMIT))]})
    if len(out) > MAX_BLOCKS:  # keep the actions and footer, drop the middle
        tail = [b for b in out[-2:] if b["type"] in ("actions", "context")]
        out = out[: MAX_BLOCKS - len(tail)] + tail
    return out


def payload(message: Message) -> dict[str, Any]:
    """Arguments for chat.postMessage / postEphemeral / respond: blocks plus escaped fallback text."""
    return {"text": fallback_text(message), "blocks": blocks(message)}
