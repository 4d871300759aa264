from datetime import date, timedelta

from bank.loader import load_bank
from bank.selection import Asked, eligible, pick_practice_question, pick_round_question

DAY = date(2026, 11, 2)


def simulate(days: int, candidates, **kw):  # type: ignore[no-untyped-def]
    history: list[Asked] = []
    for i in range(days):
        today = DAY + timedelta(days=i)
        q = pick_round_question(candidates, history, today, seed="chan", **kw)
        history.append(Asked(q.id, q.category, today))
    return history


def test_no_repeat_until_every_eligible_question_was_asked() -> None:
    pool = eligible(load_bank().all())
    history = simulate(len(pool), pool)
    assert len({a.qid for a in history}) == len(pool)


def test_categories_rotate_within_a_week() -> None:
    history = simulate(7, eligible(load_bank().all()))
    assert len({a.category for a in history}) == 7


def test_channel_filters_are_respected() -> None:
    pool = eligible(load_bank().all(), categories=["evals"], difficulty_max=1)
    assert pool and all(q.category == "evals" and q.difficulty == 1 for q in pool)
    history = simulate(10, pool)
    assert all(a.category == "evals" for a in history)


def test_selection_is_deterministic_for_seed_and_date() -> None:
    pool = eligible(load_bank().all())
    assert simulate(5, pool) == simulate(5, pool)


def test_leans_toward_the_teams_weakest_category() -> None:
    pool = eligible(load_bank().all())
    q = pick_round_question(pool, [], DAY, seed="x", team_weak=["behavioural"], weak_weight=1.0)
    assert q is not None and q.category == "behavioural"


def test_practice_review_first_then_weak_then_unseen() -> None:
    bank = load_bank().all()
    first = bank[0]
    due = pick_practice_question(bank, due_reviews=[first.id], weak_categories=["evals"], seen=[first.id], seed="s")
    assert due is not None and due.id == first.id
    weak = pick_practice_question(bank, due_reviews=[], weak_categories=["evals"], seen=[], seed="s")
    assert weak is not None and weak.category == "evals"
    narrowed = pick_practice_question(bank, due_reviews=[first.id], weak_categories=[], seen=[], seed="s",
                                      category="behavioural")
    assert narrowed is not None and narrowed.category == "behavioural"
