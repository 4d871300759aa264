from datetime import date, timedelta

from bot.rules.category_stats import CategoryStat, from_scores, weak_categories
from bot.rules.review import ReviewState, grade_from_score, review

CATS = ["a", "b", "c", "d"]


def test_category_stat_means() -> None:
    s = from_scores("a", [10, 0, 5])
    assert s.attempts == 3 and s.mean == 5.0 and s.last_score == 5
    assert s.weighted_mean == round(0.3 * 5 + 0.7 * (0.3 * 0 + 0.7 * 10), 4)


def test_weak_categories_need_two_attempts_then_untried() -> None:
    stats = [from_scores("a", [9, 9]), from_scores("b", [2, 3]), CategoryStat("c", 1, 1.0, 1.0, 1.0)]
    assert weak_categories(stats, CATS, limit=3) == ["b", "a", "d"]


def test_grade_mapping_is_fixed() -> None:
    assert [grade_from_score(s) for s in (0, 2, 4, 5.5, 7, 8.5, 10)] == [0, 1, 2, 3, 4, 5, 5]


def test_sm2_intervals_and_reset() -> None:
    today = date(2026, 11, 2)
    s = review(ReviewState(), 9, today)
    assert (s.interval_days, s.due) == (1, today + timedelta(days=1))
    s = review(s, 9, today)
    assert s.interval_days == 6
    s = review(s, 9, today)
    assert s.interval_days == round(6 * s.ease)
    s = review(s, 3, today)
    assert (s.repetitions, s.interval_days) == (0, 1)


def test_ease_floor_and_leech() -> None:
    s = ReviewState()
    for _ in range(8):
        s = review(s, 0, date(2026, 11, 2))
    assert s.ease == 1.3 and s.leech


def test_long_runs_of_strong_scores_keep_the_interval_capped() -> None:
    """Issue 20.4: the 14th strong answer overflowed `date` (the interval grew without bound)."""
    s, today = ReviewState(), date(2026, 11, 2)
    for _ in range(60):
        s = review(s, 10, today)
        assert s.interval_days <= 365 and s.due is not None
    assert s.interval_days == 365 and s.due == today + timedelta(days=365)
