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
    return any(matches(f, target, tolerance) for f in parse_figures(spelled_out(text)))


# Numbers written as words ("about ten and a half seconds", "twenty-five thousand tokens", "half a second"),
# read for a numeric criterion as the figures they name.
_UNIT_WORDS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
               "sixteen seventeen eighteen nineteen")
_UNITS = {w: k for k, w in enumerate(_UNIT_WORDS.split())}
_TENS_WORDS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety"
_TENS = {w: 10 * k for k, w in enumerate(_TENS_WORDS.split()) if k > 1}
_MULTIPLIERS = {"hundred": 100, "thousand": 1000}
_NUMBER_WORD = "|".join([*_UNITS, *_TENS, *_MULTIPLIERS])
_NW = rf"(?:{_NUMBER_WORD})\b"
_SPELLED = re.compile(rf"\b(?:half\s+an?\b|{_NW}(?:[\s-]+(?:and\s+)?{_NW})*(?:\s+and\s+a\s+half\b)?)", re.IGNORECASE)


def _spelled_value(words_: list[str]) -> float | None:
    total = current = 0.0
    seen = False
    for w in words_:
        if w in _UNITS:
            current += _UNITS[w]
        elif w in _TENS:
            current += _TENS[w]
        elif w == "hundred":
            current = (current or 1) * 100
        elif w == "thousand":
            total, current = total + (current or 1) * 1000, 0.0
        else:
            continue
        seen = seen or w not in _MULTIPLIERS
    # A scale word alone is not a number: "$1.35 thousand" is read by _NUMBER.
    return total + current if seen else None


def spelled_out(text: str) -> str:
    """`text` with numbers written in words replaced by digits ("ten and a half" -> "10.5")."""

    def number(ws: list[str]) -> str:
        value = _spelled_value(ws)
        if value is None:
            return " ".join(ws)
        return f"{value + 0.5 if ws[-1] == 'half' else value:g}"

    def repl(m: re.Match[str]) -> str:
        ws = re.split(r"[\s-]+", m.group(0).lower())
        if ws[0] == "half":
            return "0.5"
        # "and" joins one number only after hundred / thousand ("one hundred and twenty") or before "a half";
        # "seven and eight" are two.
        parts: list[list[str]] = [[]]
        for k, w in enumerate(ws):
            if w == "and" and k and ws[k - 1] not in _MULTIPLIERS and ws[k + 1:k + 2] != ["a"]:
                parts.append([])
            else:
                parts[-1].append(w)
        return " and ".join(number(p) for p in parts)

    return _SPELLED.sub(repl, text)
