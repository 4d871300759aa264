"""Reading the numbers people write in answers, in any unit and form.

"$1,350", "1.35k", "1350 USD" and "$1.35 thousand" are one number; so are "3,840 million", "3.84 billion",
"3.84B" and "3,840M". A share may be written as a fraction or a percentage: "0.75", "75%" and "75 percent"
all match a target of 75 (a percentage) or of 0.75 (a fraction).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from scoring.text import unmark

_SCALE = {
    "k": 1e3, "thousand": 1e3, "thousands": 1e3,
    "m": 1e6, "mn": 1e6, "mm": 1e6, "million": 1e6, "millions": 1e6,
    "b": 1e9, "bn": 1e9, "billion": 1e9, "billions": 1e9,
    "t": 1e12, "tn": 1e12, "trillion": 1e12, "trillions": 1e12,
}  # fmt: skip

_NUMBER = re.compile(
    r"(?<![\w.])(?P<currency>[$€£])?\s*"
    r"(?P<num>\d{1,3}(?:[,\u202f\u00a0]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
    r"(?:\s*(?P<scale>thousands?|millions?|billions?|trillions?|bn|mn|mm|tn|k|m|b|t)\b)?"
    r"(?:\s*(?P<percent>%|percent\b|per\s*cent\b|pct\b|percentage\s+points?\b|points?\b|pp\b))?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Figure:
    """One number as written: its value after scale words, and whether it was marked as money or a share."""

    value: float
    percent: bool = False
    currency: bool = False


@lru_cache(maxsize=16384)
def figures_at(text: str) -> tuple[tuple[int, Figure], ...]:
    """Each figure of the text with the offset where it starts, in reading order. Cached: the offline judge
    reads the same answer sentence once per numeric criterion and again for chained steps."""
    figures: list[tuple[int, Figure]] = []
    for m in _NUMBER.finditer(unmark(text)):  # "_3,840_", "3,840 *million*": the markers are not the number's
        raw = re.sub(r"[,\u202f\u00a0]", "", m.group("num"))
        try:
            value = float(raw)
        except ValueError:
            continue
        scale = (m.group("scale") or "").lower()
        figure = Figure(value * _SCALE.get(scale, 1.0), bool(m.group("percent")), bool(m.group("currency")))
        figures.append((m.start(), figure))
    return tuple(figures)


def parse_figures(text: str) -> list[Figure]:
    return [f for _, f in figures_at(text)]


def parse_numbers(text: str) -> list[float]:
    return [f.value for f in parse_figures(text)]


def _close(value: float, target: float, tolerance: float) -> bool:
    slack = abs(target) * tolerance if target else tolerance
    return abs(value - target) <= slack


def forms(figure: Figure, target: float) -> list[float]:
    """The values a written figure may stand for when compared with `target`."""
    forms = [figure.value]
    if figure.currency:
        return forms
    if figure.percent:
        forms.append(figure.value / 100)  # "75%" for a fraction target of 0.75
    elif 0 < figure.value <= 1 and 1 < abs(target) <= 100:
        forms.append(figure.value * 100)  # "0.75" for a percentage target of 75
    return forms


def matches(figure: Figure, target: float, tolerance: float) -> bool:
    """The written figure stands for `target`, within a relative `tolerance`, in one of its forms."""
    return any(_close(v, target, tolerance) for v in forms(figure, target))


def mentions_number(text: str, target: float, tolerance: float) -> bool:
    return any(matches(f, target, tolerance) for f in parse_figures(text))
