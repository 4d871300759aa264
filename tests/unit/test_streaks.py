from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.rules.streaks import compute_streak, scheduled_from

MON = date(2026, 11, 2)


def days(*offsets: int) -> list[date]:
    return [MON + timedelta(days=o) for o in offsets]


def every_day(_d: date) -> bool:
    return True


def weekdays_only(d: date) -> bool:
    return d.weekday() < 5


def test_consecutive_days_build_a_streak() -> None:
    s = compute_streak(days(0, 1, 2), every_day, MON + timedelta(days=2))
    assert (s.current, s.longest) == (3, 3)


def test_today_in_progress_does_not_break_the_streak() -> None:
    assert compute_streak(days(0, 1), every_day, MON + timedelta(days=2)).current == 2


def test_missed_scheduled_day_breaks_the_streak() -> None:
    s = compute_streak(days(0, 1, 3), every_day, MON + timedelta(days=3))
    assert (s.current, s.longest) == (1, 2)


def test_missing_yesterday_breaks_it_by_today() -> None:
    assert compute_streak(days(0, 1), every_day, MON + timedelta(days=3)).current == 0


def test_unscheduled_weekend_neither_breaks_nor_extends() -> None:
    # Thu, Fri, (weekend off), Mon
    s = compute_streak(days(3, 4, 7), weekdays_only, MON + timedelta(days=7))
    assert s.current == 3


def test_practice_on_an_unscheduled_day_extends() -> None:
    s = compute_streak(days(3, 4, 5, 7), weekdays_only, MON + timedelta(days=7))
    assert s.current == 4


def test_freeze_earned_after_seven_days_and_used_automatically() -> None:
    s = compute_streak(days(*range(7), 8), every_day, MON + timedelta(days=8))
    assert s.current == 8 and s.freezes == 0 and s.freezes_used == (MON + timedelta(days=7),)


def test_at_most_two_freezes_are_held() -> None:
    s = compute_streak(days(*range(28)), every_day, MON + timedelta(days=27))
    assert s.freezes == 2 and s.current == 28


def test_no_freeze_before_seven_days() -> None:
    s = compute_streak(days(*range(6), 7), every_day, MON + timedelta(days=7))
    assert s.current == 1 and s.freezes_used == ()


def test_scheduled_from_round_days() -> None:
    pred = scheduled_from(days(0, 2))
    assert pred(MON) and not pred(MON + timedelta(days=1))
    assert scheduled_from([], every_day=True)(MON)


def test_no_days_no_streak() -> None:
    assert compute_streak([], every_day, MON).current == 0


def _incremental(history: list[tuple[date, bool]], is_scheduled, evaluate_on: list[date]):  # type: ignore[no-untyped-def]
    """Replay scores the way the scoring path does: continue the stored state from where its last
    evaluation ended, or recompute when `resume_day` says only that is right."""
    from bot.rules.streaks import StreakState, advance, resume_day

    state, through = StreakState(), None
    for i, ((day, counts), today) in enumerate(zip(history, evaluate_on, strict=True)):
        new_day = day if counts else None
        start = resume_day(state, today if through is None else through, today, new_day)
        if start is None:  # the scoring path recomputes this person from history
            state = compute_streak([d for d, c in history[: i + 1] if c], is_scheduled, today)
        else:
            state = advance(state, [new_day] if new_day else [], is_scheduled, start, today)
        through = today
    return state, through


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2), st.booleans(), st.integers(0, 1)), min_size=1, max_size=40),
       st.booleans(), st.lists(st.integers(0, 39), max_size=4))
def test_continuing_the_state_equals_recomputing_the_history(steps, weekdays, backwards) -> None:  # type: ignore[no-untyped-def]
    """The incremental path (advance from the stored state) and the verifier's recomputation agree for
    any in-order history: gaps that break or use freezes, uncounted answers, answers scored a day late."""
    sched = weekdays_only if weekdays else every_day
    day, history, evaluate_on = MON, [], []
    for gap, counts, late in steps:
        day += timedelta(days=gap)
        history.append((day, counts))
        evaluate_on.append(max(evaluate_on[-1] if evaluate_on else day, day + timedelta(days=late)))
    for i in backwards:  # out of order: an answer from an earlier day scored after a later one
        if 0 < i < len(history):
            history[i - 1], history[i] = history[i], history[i - 1]
    state, through = _incremental(history, sched, evaluate_on)
    expected = compute_streak([d for d, c in history if c], sched, through)
    assert state == expected
