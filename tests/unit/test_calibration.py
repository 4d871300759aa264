"""Per-question calibration from real scores, and selection that prefers well-calibrated questions."""

from datetime import date

from bank.calibration import calibrate, calibrate_one
from bank.loader import load_bank
from bank.selection import pick_round_question


def test_verdicts_need_enough_answers_then_name_the_problem() -> None:
    assert calibrate_one("q", [9.0] * 9).verdict == "too few answers"
    easy = calibrate_one("q", [9.0] * 8 + [4.0, 6.0])
    assert easy.verdict == "too easy" and easy.share_high == 0.8 and easy.flagged
    assert calibrate_one("q", [1.0] * 8 + [6.0, 9.0]).verdict == "too hard"
    flat = calibrate_one("q", [5.0, 5.5, 6.0, 5.0, 5.5, 6.0, 5.0, 5.5, 6.0, 5.5])
    assert flat.verdict == "not discriminating" and flat.spread < 1
    good = calibrate_one("q", [2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 5.0, 6.0])
    assert good.verdict == "ok" and not good.flagged and good.attempts == 10 and good.share_low == 0.2
    assert [c.qid for c in calibrate({"b": [1.0], "a": []})] == ["a", "b"]


def test_round_selection_skips_avoided_questions_while_others_remain() -> None:
    pool = load_bank().by_category("evals")[:3]
    today = date(2026, 12, 1)
    plain = pick_round_question(pool, [], today, seed="c")
    assert plain is not None
    assert pick_round_question(pool, [], today, seed="c", avoid=()) == plain  # default: unchanged
    other = pick_round_question(pool, [], today, seed="c", avoid=[plain.id])
    assert other is not None and other.id != plain.id
    # Everything avoided: still asks something rather than nothing.
    assert pick_round_question(pool, [], today, seed="c", avoid=[q.id for q in pool]) == plain
