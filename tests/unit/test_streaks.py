from datetime import date, timedelta

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
