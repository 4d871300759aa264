"""user_text and shown_text skip the per-character walk when a text has no control character; the result
must be what the walk gives for every text (the walk is the definition, kept here as the reference)."""

from __future__ import annotations

import random
import re
import unicodedata

from bot.messages import _INVISIBLE, shown_text, user_text, valid_unicode


def reference_user_text(text: str, limit: int = 300) -> str:
    text = _INVISIBLE.sub("", valid_unicode(text))
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def reference_shown_text(text: str) -> str:
    text = _INVISIBLE.sub("", valid_unicode(text))
    return "".join(ch if ch == "\n" or unicodedata.category(ch)[0] != "C" else " " for ch in text)


# Whitespace of every kind, controls that are and are not whitespace, bidi and zero-width characters,
# a lone surrogate, separators, an unassigned code point, and ordinary letters.
ALPHABET = list("ab Zé€中 ") + ["\n", "\t", "\r", "\x00", "\x07", "\x1c", "\x1f", "\x85", "\xa0", "\xad", "\u2028",
                                "\u2029", "\u3000", "\u200b", "\u202e", "\u2066", "\ufeff", "\ud800", "\U000e0001",
                                "\U0010ffff", "\u0378", "\u180e"]


def test_same_result_as_the_per_character_walk() -> None:
    rng = random.Random(14)
    for _ in range(20_000):
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 24)))
        assert user_text(text) == reference_user_text(text), repr(text)
        assert user_text(text, 8) == reference_user_text(text, 8), repr(text)
        assert shown_text(text) == reference_shown_text(text), repr(text)


def test_plain_text_is_unchanged() -> None:
    assert user_text("  Keep the  prompt\tfirst\n") == "Keep the prompt first"
    assert shown_text("line one\nline two") == "line one\nline two"
