"""Spaced review (SM-2) of each person's questions, driven by the judge's 0-10 score.

The judge never picks the schedule: a fixed function maps its score to an SM-2 grade.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

EASE_START = 2.5
EASE_FLOOR = 1.3
LEECH_SCORE = 4.0
LEECH_LAPSES = 8
# Without a cap the interval grows geometrically and overflows `date` around the 14th strong answer.
MAX_INTERVAL_DAYS = 365


def grade_from_score(score: float) -> int:
    """0-10 -> 0-5: 0-1.9 -> 0, 2-3.9 -> 1, 4-5.4 -> 2, 5.5-6.9 -> 3, 7-8.4 -> 4, 8.5-10 -> 5."""
    for grade, floor in ((5, 8.5), (4, 7.0), (3, 5.5), (2, 4.0), (1, 2.0)):
        if score >= floor:
            return grade
    return 0


@dataclass(frozen=True)
class ReviewState:
    repetitions: int = 0
    interval_days: int = 0
    ease: float = EASE_START
    due: date | None = None
    low_scores: int = 0
    leech: bool = False


def review(state: ReviewState, score: float, today: date) -> ReviewState:
    grade = grade_from_score(score)
    ease = max(EASE_FLOOR, state.ease + 0.1 - (5 - grade) * (0.08 + (5 - grade) * 0.02))
    if grade < 3:
        repetitions, interval = 0, 1
    else:
        repetitions = state.repetitions + 1
        if repetitions == 1:
            interval = 1
        elif repetitions == 2:
            interval = 6
        else:
            interval = min(MAX_INTERVAL_DAYS, max(1, round(state.interval_days * ease)))
    low = state.low_scores + (1 if score < LEECH_SCORE else 0)
    return ReviewState(repetitions, interval, round(ease, 4), today + timedelta(days=interval), low,
                       state.leech or low >= LEECH_LAPSES)
