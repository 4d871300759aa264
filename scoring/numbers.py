"""Reading the numbers people write in cost answers: "$1,350", "1.35k", "1350 USD", "$1.35 thousand"."""

from __future__ import annotations

import re

_SCALE = {
    "k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "mm": 1e6, "million": 1e6, "millions": 1e6,
    "b": 1e9, "bn": 1e9, "billion": 1e9, "billions": 1e9, "thousands": 1e3,
}  # fmt: skip

_NUMBER = re.compile(
    r"(?<![\w.])[$€£]?\s*(?P<num>\d{1,3}(?:[,\u202f\u00a0]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
    r"(?:\s*(?P<scale>thousands?|millions?|billions?|bn|mn|mm|k|m|b)\b)?",
    re.IGNORECASE,
)


def parse_numbers(text: str) -> list[float]:
    values: list[float] = []
    for m in _NUMBER.finditer(text):
        raw = re.sub(r"[,\u202f\u00a0]", "", m.group("num"))
        try:
            value = float(raw)
        except ValueError:
            continue
        scale = (m.group("scale") or "").lower()
        values.append(value * _SCALE.get(scale, 1.0))
    return values


def mentions_number(text: str, target: float, tolerance: float) -> bool:
    slack = abs(target) * tolerance if target else tolerance
    return any(abs(v - target) <= slack for v in parse_numbers(text))
