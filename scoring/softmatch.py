"""Soft matching for answers graded against a model answer alone: misspellings and worked figures.

A model answer with no written rubric is matched word by word, so two things people write often earn
nothing there: a content word misspelt by one letter ("propable", "destionation") and a result worked to a
number ("P(B) = 0,0138" against the model answer's 0.013824). Both are generic readings, not word lists.
"""

from __future__ import annotations

import re
from functools import lru_cache

from scoring.numbers import parse_numbers

# A misspelling is one edit away from a stem at least this long, sharing its first two letters (so a negating
# prefix, "asynchron" against "synchron", or "unreli" against "reli", is never a typo).
TYPO_MIN_LEN = 6
# A wrong letter counts only when it is one people confuse by sound or spelling ("propable", "interfase"):
# two real words one unrelated letter apart ("format" / "formal") are different words, not a slip.
_CONFUSABLE = frozenset(
    frozenset(pair) for pair in ("bp", "ck", "cs", "sz", "dt", "fv", "gk", "iy", "ei", "ae", "ou", "mn")
)
# A figure matches a model answer's figure within this relative tolerance (rounded results: 0.0138 ~ 0.013824).
NUMBER_TOLERANCE = 0.02
# Single digits are list numbering and counts as often as results: they are not a model answer's figures.
MIN_FIGURE = 10

# "0,0138" and "1,38%" are decimal commas; "10,500" (three digits after the comma) is a thousands separator.
_DECIMAL_COMMA = re.compile(r"(?<!\d)(?<!\d,)(\d+),(\d{1,2}|\d{4,})(?!\d|,\d)")


def _one_edit(a: str, b: str) -> bool:
    """True when a and b differ by one confusable letter, one letter more or less, or one adjacent swap."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        rest = a[i + 1 :] == b[i + 1 :] and frozenset((a[i], b[i])) in _CONFUSABLE
        swap = i + 1 < len(a) and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]
        return rest or swap
    return a[i:] == b[i + 1 :]


def typo_of(word_stem: str, vocabulary: frozenset[str]) -> str | None:
    """The vocabulary stem `word_stem` is a one-letter misspelling of, if exactly one fits."""
    if len(word_stem) < TYPO_MIN_LEN or word_stem in vocabulary:
        return None
    return _typo(word_stem, vocabulary)


@lru_cache(maxsize=65536)
def _typo(word_stem: str, vocabulary: frozenset[str]) -> str | None:
    fits = [v for v in vocabulary if len(v) >= TYPO_MIN_LEN and v[:2] == word_stem[:2] and _one_edit(word_stem, v)]
    return fits[0] if len(fits) == 1 else None


def figures(text: str) -> tuple[float, ...]:
    """The numbers written in the text, decimal commas read as decimal points."""
    return tuple(parse_numbers(_DECIMAL_COMMA.sub(r"\1.\2", text)))


def reference_figures(model_answer: str, prompt: str) -> tuple[float, ...]:
    """The model answer's own figures: not given in the prompt, not single digits, each once."""
    given = figures(prompt)
    out: list[float] = []
    for v in figures(model_answer):
        if abs(v) < MIN_FIGURE and float(v).is_integer():
            continue
        if any(_close(v, g) for g in given) or any(_close(v, o) for o in out):
            continue
        out.append(v)
    return tuple(out)


def _close(value: float, target: float) -> bool:
    return abs(value - target) <= abs(target) * NUMBER_TOLERANCE


def figures_named(text: str, targets: tuple[float, ...]) -> set[int]:
    """Indexes of the target figures the text states (within NUMBER_TOLERANCE)."""
    if not targets:
        return set()
    found = figures(text)
    return {k for k, t in enumerate(targets) if any(_close(v, t) for v in found)}
