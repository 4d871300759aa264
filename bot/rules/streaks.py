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
    """The streak over a whole history of counted days, as of `today`."""
    days = sorted(set(counted_days))
    if not days:
        return StreakState()
    return advance(StreakState(), days, is_scheduled, days[0], today)


def resume_day(state: StreakState, through: date, today: date, new_day: date | None) -> date | None:
    """Where to continue a state evaluated through `through` (the "today" of its last walk) so that a
    new counted day (or none) gives what `compute_streak` over the whole history would; None when only a
    recomputation can (an earlier day arriving late, a day after `today`, a clock that went back).

    `through` itself was "today" then, never a miss, so it is walked again unless it was counted."""
    start = through if state.last_day is None else max(state.last_day + timedelta(days=1), through)
    if today < through or (new_day is not None and new_day > today) or (
            state.last_day is not None and state.last_day > through):
        return None
    if new_day is None or new_day >= start or new_day == state.last_day:
        return start
    # Nothing counted yet: the walk so far changed nothing, so it may start again at the new day.
    if state.last_day is None:
        return new_day
    return None


def advance(
    state: StreakState,
    counted_days: Iterable[date],
    is_scheduled: Callable[[date], bool],
    start: date,
    today: date,
) -> StreakState:
    """Walk the days from `start` to `today` on from `state`: the one streak rule. A full recomputation
    starts from nothing at the first counted day; a new score continues the stored state from
    `resume_day` (every counted day given must be >= `start`). The run since the last freeze earned is
    `current % FREEZE_EVERY`, so the state needs no hidden counter."""
    counted = set(counted_days)
    current, longest, freezes = state.current, state.longest, state.freezes
    run_since_freeze = current % FREEZE_EVERY
    used = list(state.freezes_used)
    day = start
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
    last = max([d for d in (state.last_day, *counted) if d is not None], default=None)
    return StreakState(current, longest, freezes, last, tuple(used))


def scheduled_from(round_days: Iterable[date], *, every_day: bool = False) -> Callable[[date], bool]:
    """A schedule predicate from the dates on which the person's channels posted rounds."""
    if every_day:
        return lambda _d: True
    days = frozenset(round_days)
    return days.__contains__
