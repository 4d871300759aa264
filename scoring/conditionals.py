"""Conditionals with the opposite polarity of the reference's: "if the material is NOT small and stable, put it
in the prompt" against "if it is small and stable, put it in the prompt".

scoring/support.py does not judge negations inside a condition or its consequence (a condition is usually a
correct contrast: "you don't need an agent when ..."). Here a conditional is compared with the reference's
conditionals as a pair (condition, consequence):
- same consequence, condition reversed (negated, or "unless" for "if"): a contradiction;
- same condition, consequence reversed: a contradiction;
- both reversed (the inverse, "if it is not small, don't paste it") or a different condition ("if the corpus
  is large, use retrieval" beside "if it is small, paste it"): the contrast restated, not judged.
"Reversed" is decided by the clause-level check in support.py, applied to the two conditions (or the two
consequences) alone, so the same negation, antonym and "X is a myth" rules hold.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from scoring.text import VERBS, clean, content_words, stem, unmark, words, wordset

_OPENERS = wordset("""if when whenever unless""")
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
# Brackets do not end a clause: "when an (irreversible) action ..." keeps its condition.
_SEGMENT = re.compile(r"[,;:]|\s[-–—]\s")
_GENERIC = frozenset(stem(w) for w in VERBS)


@dataclass(frozen=True)
class Conditional:
    condition: str
    consequence: str
    condition_stems: frozenset[str]
    consequence_stems: frozenset[str]
    unless: bool  # "unless X" is "if not X"


def _stems(ws: list[str], *, generic: bool = False) -> frozenset[str]:
    """Content stems; generic verbs only with `generic` (a consequence such as "fine-tune" is all verbs)."""
    found = frozenset(stem(w) for w in content_words(" ".join(ws)))
    return found if generic else found - _GENERIC


@lru_cache(maxsize=8192)
def conditionals(text: str) -> tuple[Conditional, ...]:
    """The (condition, consequence) pairs of `text`: "if X, Y", "Y when X", "..., or when X, Y"."""
    out: list[Conditional] = []
    for sentence in _SENTENCE.split(unmark(clean(text)).lower().replace("’", "'")):
        segments = [words(s) for s in _SEGMENT.split(sentence)]
        for k, ws in enumerate(segments):
            j = next((i for i, w in enumerate(ws) if w in _OPENERS), None)
            if j is None:
                continue
            condition = ws[j + 1:]
            before = ws[:j]
            if _stems(before, generic=True):  # "fine-tune when X": the consequence comes first
                parts = [before]
            else:  # "if X, Y" and "..., or when X, Y": the following segments, up to the next condition
                parts = []
                for later in segments[k + 1:]:
                    if any(w in _OPENERS for w in later):
                        break
                    parts.append(later)
            consequence = [w for part in parts for w in part]
            cond_stems, cons_stems = _stems(condition), _stems(consequence, generic=True)
            if cond_stems and cons_stems:
                # The segments keep their breaks: "don't bother with retrieval; put it in the prompt" is two
                # clauses, and a denial in the first says nothing of the second.
                out.append(Conditional(" ".join(condition), ", ".join(" ".join(p) for p in parts if p),
                                       cond_stems, cons_stems, ws[j] == "unless"))
    return tuple(out)


def _shares_half(a: frozenset[str], b: frozenset[str]) -> bool:
    """About the same thing: at least half of the smaller side's words in common."""
    return 2 * len(a & b) >= min(len(a), len(b)) > 0 and bool(a & b)


def _same(a: frozenset[str], b: frozenset[str]) -> bool:
    """The same condition: three quarters of the larger side's words in common ("the corpus is large" and "the
    corpus is small" share only the corpus)."""
    return 4 * len(a & b) >= 3 * max(len(a), len(b)) > 0


def reversed_conditional(evidence: str, reference: str, reverses: Callable[[str, str], bool]) -> bool:
    """Whether a conditional in `evidence` has the opposite polarity of one in `reference`. `reverses(a, b)`
    tells whether clause text `a` denies or reverses clause text `b`."""
    ref = conditionals(reference)
    if not ref:
        return False
    for e in conditionals(evidence):
        for r in ref:
            if not (e.condition_stems & r.condition_stems and e.consequence_stems & r.consequence_stems):
                continue
            flipped = reverses(e.condition, r.condition) or reverses(r.condition, e.condition)
            condition_flipped = flipped != (e.unless != r.unless)
            consequence_flipped = reverses(e.consequence, r.consequence) or reverses(r.consequence, e.consequence)
            if condition_flipped and not consequence_flipped and _shares_half(
                e.consequence_stems, r.consequence_stems
            ) and _shares_half(e.condition_stems, r.condition_stems):
                return True
            if consequence_flipped and not condition_flipped and _same(e.condition_stems, r.condition_stems):
                return True
    return False
