"""Streak rules, as pure functions over dates.

A streak counts days on which a person had a counted answer. Only *scheduled* days can break it:
days with no round in the person's channels (weekends in a weekday channel) neither break nor
extend it. A missed scheduled day uses a freeze if one is held; one freeze is earned per 7
consecutive counted days, at most 2 held. Today, still in progress, never breaks a streak.

A day counts only with an answer that scored more than STREAK_MIN_POINTS: like a finished lesson, an
attempt counts however weak it is, but a blank effort (0 points: empty, or nothing of the rubric) does not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

STREAK_MIN_POINTS = 0.0  # a day's best counted answer must score above this to extend a streak
FREEZE_EVERY = 7
MAX_FREEZES = 2


@dataclass(frozen=True)
class StreakState:
    current: int = 0
    longest: int = 0
    freezes: int = 0
    last_day: date | None = None
    freezes_used: tuple[date, ...] = field(default_factory=tuple)


def compute_streak(
    counted_days: Iterable[date],
    is_scheduled: Callable[[date], bool],
    today: date,
) -> StreakState:
    days = sorted(set(counted_days))
    if not days:
        return StreakState()
    counted = set(days)
    current = longest = freezes = run_since_freeze = 0
    used: list[date] = []
    day = days[0]
    while day <= today:
        if day in counted:
            current += 1
            run_since_freeze += 1
            if run_since_freeze == FREEZE_EVERY:
                freezes = min(MAX_FREEZES, freezes + 1)
                run_since_freeze = 0
            longest = max(longest, current)
        elif day < today and is_scheduled(day) and current > 0:
            if freezes > 0:
                freezes -= 1
                used.append(day)
            else:
                current = 0
                run_since_freeze = 0
        day += timedelta(days=1)
    return StreakState(current, longest, freezes, days[-1], tuple(used))


def scheduled_from(round_days: Iterable[date], *, every_day: bool = False) -> Callable[[date], bool]:
    """A schedule predicate from the dates on which the person's channels posted rounds."""
    if every_day:
        return lambda _d: True
    days = frozenset(round_days)
    return days.__contains__
