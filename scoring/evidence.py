"""Evidence checking: a criterion only counts as met or partial if its quote is really in the answer.

LLM graders paraphrase, trim and occasionally invent quotes; an injected answer can also make them
"quote" text that is not there. Matching is tolerant to case, spacing, typographic punctuation, a few
changed characters and an ellipsis joining real fragments, and strict about everything else.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from difflib import SequenceMatcher
from functools import lru_cache

from bot.ports import CriterionResult
from scoring.editdistance import min_substring_edits
from scoring.text import clean, fragments, is_sentence_like, norm, units, words

_ELLIPSIS = re.compile(r"\s*(?:\.\.\.+|\[\s*\.\.\.\s*\]|\(\s*\.\.\.\s*\))\s*")
_EDGE = " \"'`.,;:!?()[]{}-*"
MIN_FUZZY_CHARS = 16  # below this a "few characters" tolerance would let unrelated words match


@lru_cache(maxsize=4096)
def _loose(text: str) -> str:
    """Comparison form that also ignores punctuation differences (cached: every quote of an answer is
    looked up in the same answer)."""
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s%$.]", " ", norm(text))).strip()


def _find(fragment: str, text: str, start: int) -> int:
    """End offset of `fragment` in `text` at or after `start`, or -1."""
    at = text.find(fragment, start)
    if at >= 0:
        return at + len(fragment)
    if len(fragment) < MIN_FUZZY_CHARS:
        return -1
    allowed = max(2, len(fragment) // 15)
    hay = text[start:]
    matcher = SequenceMatcher(None, hay, fragment, autojunk=False)
    seen: set[int] = set()
    blocks = sorted(matcher.get_matching_blocks(), key=lambda b: -b.size)[:4]
    for block in blocks:
        if block.size < 4:
            continue
        anchor = block.a - block.b
        if anchor in seen:
            continue
        seen.add(anchor)
        lo = max(0, anchor - allowed)
        window = hay[lo : anchor + len(fragment) + allowed]
        if min_substring_edits(fragment, window) <= allowed:
            return start + min(len(hay), anchor + len(fragment))
    return -1


@lru_cache(maxsize=4096)
def find_quote(quote: str, answer: str) -> bool:
    """Whether `quote` occurs in `answer`, allowing small differences and `...` between real fragments.
    Cached: a pure function of two strings, asked twice per criterion (`verify`, then scoring/guard.py)."""
    hay = _loose(answer)
    parts = [_loose(p) for p in _ELLIPSIS.split(clean(quote))]
    parts = [p.strip(_EDGE) for p in parts if p.strip(_EDGE)]
    if not parts or not hay:
        return False
    pos = 0
    for part in parts:
        end = _find(part, hay, pos)
        if end < 0:
            return False
        pos = end
    quote_words = words(" ".join(parts))
    if len(quote_words) < 3:
        return _short_quote_in_sentence(" ".join(parts), answer)
    return True


def _short_quote_in_sentence(quote: str, answer: str) -> bool:
    """A one- or two-word quote is evidence only where it sits inside a real sentence of the answer."""
    target = f" {quote} "
    return any(
        target in f" {_loose(frag)} " and is_sentence_like(frag) and len(words(frag)) >= 4
        for u in units(answer)
        for frag in fragments(u.text)
    )


def verify(
    criteria: list[CriterionResult],
    answer: str,
    *,
    reject: Callable[[str], bool] | None = None,
) -> list[CriterionResult]:
    """Downgrade met/partial verdicts whose evidence is not in the answer (or is rejected) to missed."""
    checked: list[CriterionResult] = []
    for c in criteria:
        if c.verdict != "missed" and (
            not find_quote(c.evidence, answer) or (reject is not None and reject(c.evidence))
        ):
            c = replace(c, verdict="missed", evidence="")
        checked.append(c)
    return checked
