"""Platform-neutral messages: built once by the core, rendered by each adapter.

Text is plain; adapters escape it for their markup. Anything that came from a user is passed
through `user_text` first so it can never carry control characters, bidi overrides or invisible
characters into a rendered message; mention syntax is neutralised by each adapter's escaping.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

# Zero-width and bidi control characters that can hide or reorder text.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


_SURROGATE = re.compile("[\ud800-\udfff]")
_SPACES = re.compile(r"\s+")


def valid_unicode(text: str) -> str:
    """Lone surrogates (from JSON escapes such as \\ud800) cannot be encoded, so no database can store
    them: replace each with U+FFFD rather than dropping the whole answer."""
    return _SURROGATE.sub("\ufffd", text)


def shown_text(text: str) -> str:
    """Multi-line text that may quote a user (judge feedback, follow-ups): lines kept, but no bidi
    override, invisible character or other control character survives."""
    text = _INVISIBLE.sub("", valid_unicode(text))
    if text.replace("\n", "").isprintable():  # no control character at all: the common case, at C speed
        return text
    return "".join(ch if ch == "\n" or unicodedata.category(ch)[0] != "C" else " " for ch in text)


def user_text(text: str, limit: int = 300) -> str:
    """Make user-supplied text safe to show: printable, single-spaced, bounded."""
    text = _SPACES.sub(" ", _INVISIBLE.sub("", valid_unicode(text)))
    # With the whitespace (newlines and tabs included) single spaces, what is not printable is a control
    # character: most texts have none, and the per-character walk (a score reply spent milliseconds in
    # it) only runs for those that do. Controls become spaces, as before.
    if not text.isprintable():
        text = _SPACES.sub(" ", "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text))
    text = text.strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


ANONYMOUS = "(anonymous)"  # a person who opted out of the leaderboard, wherever others see names
NAMELESS = "someone"  # a person whose name is empty once made safe to show


def person_name(display_name: str | None, anonymous: bool) -> str:
    """How a person appears to others in leaderboards, digests and reports: the one rule for all of them."""
    if anonymous:
        return ANONYMOUS
    return user_text(display_name or "", 40) or NAMELESS


@dataclass
class Field:
    name: str
    value: str
    inline: bool = False


@dataclass
class Button:
    action: str  # stable action id, e.g. "practice:next"
    label: str
    value: str = ""


@dataclass
class Message:
    text: str
    title: str = ""
    fields: list[Field] = field(default_factory=list)
    image: bytes | None = None
    image_name: str = "chart.png"
    buttons: list[Button] = field(default_factory=list)
    kind: str = "info"  # question, score, pending, stats, leaderboard, digest, error, help, info
    footer: str = ""

    def plain(self) -> str:
        """A text-only rendering (tests, logs, notification previews)."""
        parts = [self.title] if self.title else []
        parts.append(self.text)
        parts += [f"{f.name}: {f.value}" for f in self.fields]
        if self.footer:
            parts.append(self.footer)
        return "\n".join(p for p in parts if p)
