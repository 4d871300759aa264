"""Eval figures on tiny hand-made results whose values are worked out by hand."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from bank.evalsets import LoadedSet
from bank.schema import EvalAnswer, Question
from bot.ports import CriterionResult, Verdict
from scoring.evaluate import (
    AnswerResult,
    EvalItem,
    GateError,
    agreement,
    check_gate,
    figures,
    grade_all,
    items_from,
    to_label,
)

Q = Question(id="q1", category="evals", prompt="Why keep an offline eval set?", model_answer="To gate releases.")
Q2 = Question(id="q2", category="fundamentals", prompt="What is a token in an LLM?", model_answer="A subword unit.")


def result(human: float, judge: float | None, tags: tuple[str, ...] = (), flags: tuple[str, ...] = (),
           question: Question = Q, **extra: float) -> AnswerResult:
    item = EvalItem("s", f"a{human}-{judge}", question, "text", human, human, tags)
    return AnswerResult(item, judge=judge, flags=list(flags), error=None if judge is not None else "boom",
                        **extra)  # type: ignore[arg-type]


def test_perfect_agreement() -> None:
    figs = agreement([0, 5, 10, 10], [0, 5, 10, 10])
    assert figs == {"n": 4, "qwk": 1.0, "spearman": 1.0, "pearson": 1.0, "mae": 0.0, "within_1": 1.0, "bias": 0.0}


def test_independent_raters() -> None:
    # Each human label meets each judge label once: observed = expected disagreement, so kappa 0;
    # r and rho are 0; |diff| is 0, 10, 10, 0 -> mae 5, within_1 0.5.
    figs = agreement([0, 0, 10, 10], [0, 10, 0, 10])
    assert figs["qwk"] == pytest.approx(0.0)
    assert figs["spearman"] == pytest.approx(0.0)
    assert figs["pearson"] == pytest.approx(0.0)
    assert (figs["mae"], figs["within_1"], figs["bias"]) == (5.0, 0.5, 0.0)


def test_qwk_weights_follow_the_0_to_10_scale() -> None:
    # Weights (i-j)^2/100 on the 0-10 scale: observed 0.5*0.01 = 0.005; expected
    # 0.25*(0.01 + 1 + 0.81 + 0) = 0.455; kappa = 1 - 0.005/0.455. Label indices would give a smaller value.
    figs = agreement([0, 10], [1, 10])
    assert figs["qwk"] == pytest.approx(1 - 0.005 / 0.455, abs=1e-4)


def test_scores_round_half_up_to_integer_labels() -> None:
    assert [to_label(x) for x in (4.5, 5.5, 4.49, -1, 10.4, 12)] == [5, 6, 4, 0, 10, 10]
    # 4.6 and 5.4 both round to 5: kappa sees full agreement while mae keeps the raw 0.4.
    figs = agreement([4.6, 0, 10], [5.4, 0, 10])
    assert figs["qwk"] == 1.0
    assert figs["mae"] == pytest.approx(0.8 / 3, abs=1e-4)


@pytest.mark.parametrize(("human", "judge"), [([5, 5, 5], [1, 2, 3]), ([1, 2, 3], [7, 7, 7]), ([4], [4]), ([], [])])
def test_degenerate_groups_are_null_not_a_crash(human: list[float], judge: list[float]) -> None:
    figs = agreement(human, judge)
    assert figs["qwk"] is None and figs["spearman"] is None and figs["pearson"] is None
    assert figs["n"] == len(human)


def test_human_scores_are_rescaled_to_0_10() -> None:
    loaded = LoadedSet("five", "x.yaml", 5, {"q1": Q}, [EvalAnswer(id="a", question="q1", text="t", human_score=2.5)])
    (item,) = items_from([loaded])
    assert (item.human, item.human_raw) == (5.0, 2.5)


def test_groups_adversarial_figures_and_failures() -> None:
    results = [
        result(2, 4, ("injection",), ("injection_suspected",)),  # inflated by 2, flagged
        result(0, 0, ("stuffing",)),  # not inflated, missed by the flags
        result(1, 0, ("copy",), ("copied_question",)),  # deflated by 1, flagged
        result(0, 0, ("empty",), ("empty",)),  # flag recall only
        result(8, 7, ("good",), question=Q2),
        result(9, None, ("good",)),  # grading raised: counted, excluded from every figure
    ]
    figs = figures(results)
    assert figs["n"] == 5 and figs["failures"] == 1
    assert figs["inflation_adversarial"] == pytest.approx((2 + 0 - 1) / 3, abs=1e-4)
    assert figs["inflation_n"] == 3
    assert figs["flag_recall"] == 0.75 and figs["flag_recall_n"] == 4
    assert set(figs["by_category"]) == {"evals", "fundamentals"}
    assert figs["by_category"]["fundamentals"]["n"] == 1
    assert figs["by_tag"]["good"]["n"] == 1 and figs["by_tag"]["good"]["mae"] == 1.0
    assert figs["by_tag"]["stuffing"]["qwk"] is None


def test_no_adversarial_answers_gives_null_figures() -> None:
    figs = figures([result(3, 4, ("good",)), result(7, 6)])
    assert figs["inflation_adversarial"] is None and figs["flag_recall"] is None


def test_usage_cost_and_latency_figures() -> None:
    results = [
        result(1, 2, input_tokens=100, cached_tokens=50, output_tokens=10, cost_usd=0.001, latency_ms=10),
        result(5, 5, input_tokens=300, cached_tokens=0, output_tokens=30, cost_usd=0.003, latency_ms=30),
    ]
    figs = figures(results)
    assert (figs["input_tokens_mean"], figs["cached_tokens_mean"], figs["output_tokens_mean"]) == (200, 25, 20)
    assert figs["cost_per_1000_usd"] == pytest.approx(2.0)
    assert figs["latency_ms_p50"] == 20.0 and figs["latency_ms_p95"] == pytest.approx(29.0)


def test_gate_lists_every_unmet_threshold_and_caps_inflation() -> None:
    figs = figures([result(2, 4, ("injection",)), result(6, 7.5, ("copy",)), result(9, 9)])
    assert figs["inflation_adversarial"] == 1.75
    assert check_gate(figs, {"n_min": 3, "failures_max": 0}) == ["inflation_adversarial = 1.75, above maximum 1"]
    unmet = check_gate(figs, {"n_min": 10, "inflation_adversarial_max": 5, "flag_recall_min": 0.5})
    assert len(unmet) == 3 and any(u.startswith("n = 3, below minimum 10") for u in unmet)
    # A file cannot loosen the built-in ceiling of 1.0.
    assert any("above maximum 1" in u for u in unmet)


def test_gate_rejects_unknown_or_non_numeric_thresholds() -> None:
    figs = figures([])
    with pytest.raises(GateError, match="unknown threshold"):
        check_gate(figs, {"qwk_minimum": 0.5})
    with pytest.raises(GateError, match="unknown threshold"):
        check_gate(figs, {"by_tag_min": 0.5})
    with pytest.raises(GateError, match="must be a number"):
        check_gate(figs, {"qwk_min": "high"})


class SlowJudge:
    id = "slow"

    def __init__(self) -> None:
        self.in_flight = self.peak = 0

    async def grade(self, question: Question, answer: str, *, shown: Sequence[str] = ()) -> Verdict:
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        await asyncio.sleep(0.01)
        self.in_flight -= 1
        if answer == "fail":
            raise RuntimeError("judge down")
        return Verdict([CriterionResult("c", "partial", "quote")], flags=["too_short"], judge_id=self.id)


def test_grading_is_bounded_and_keeps_order_and_errors() -> None:
    judge = SlowJudge()
    items = [EvalItem("s", str(i), Q, "fail" if i == 3 else "ok", 5, 5, ()) for i in range(10)]
    done: list[int] = []
    results = asyncio.run(grade_all(judge, items, 3, lambda: done.append(1)))
    assert judge.peak == 3 and len(done) == 10
    assert [r.item.answer_id for r in results] == [str(i) for i in range(10)]
    assert results[3].judge is None and results[3].error == "RuntimeError: judge down"
    assert results[0].judge == 5.0 and results[0].flags == ["too_short"]
    assert results[0].criteria == [{"id": "c", "verdict": "partial", "weight": 1, "evidence": "quote"}]
    assert results[0].latency_ms > 0


def test_abstained_answers_are_counted_and_left_out_of_every_agreement_figure() -> None:
    graded = [result(0, 0), result(5, 5), result(10, 10)]
    abstained = result(10, 0, tags=("multilingual",))
    abstained.status = "abstained"
    figs = figures([*graded, abstained])
    assert figs["abstained"] == 1 and figs["failures"] == 0
    assert figs["n"] == 3 and figs["qwk"] == 1.0 and figs["mae"] == 0.0
    assert figs["by_tag"]["multilingual"]["n"] == 0 and figs["by_tag"]["multilingual"]["abstained"] == 1
    assert abstained.as_json()["abstained"] is True and graded[0].as_json()["abstained"] is False


def test_stemmed_recall_baseline_is_the_share_of_model_answer_stems() -> None:
    from scoring.evaluate import stemmed_recall

    # Model answer content stems: cache, prompt, prefix, cut, cost (5); the answer uses "caching" and "costs".
    assert stemmed_recall("Cache the prompt prefix to cut cost.", "Caching lowers costs.") == 4.0
    assert stemmed_recall("", "anything") == 0.0


def test_baseline_is_reported_beside_the_judge_on_model_answer_only_questions() -> None:
    rubric_q = Question.model_validate({**Q.model_dump(), "id": "rq", "rubric": [{"id": "c", "text": "Gates"}]})
    rows = [result(0, 1, baseline=0.0), result(10, 9, baseline=5.0), result(5, 5, question=rubric_q, baseline=5.0)]
    figs = figures(rows)["baseline"]
    assert figs["all"]["judge"]["n"] == 3
    only = figs["model_answer_only"]
    assert only["judge"]["n"] == 2 and only["judge"]["bias"] == 0.0
    assert only["baseline"]["bias"] == -2.5 and only["baseline"]["mae"] == 2.5


# Reference values from scikit-learn's cohen_kappa_score(labels=0..10, weights="quadratic") and scipy's
# spearmanr / pearsonr, computed before the runtime dropped them (3,000 random cases agreed to 1e-9).
REFERENCE = [
    ([0, 2.5, 5, 7.5, 10], [1, 2, 6, 7, 9], 0.9541, 1.0, 0.9791),
    ([3, 3, 4, 8, 8, 9], [2, 5, 4, 7, 9, 9], 0.9114, 0.8508, 0.9134),
    ([10, 8, 6, 4, 2, 0], [0, 3, 5, 5, 8, 10], -0.9774, -0.9856, -0.9801),
    ([5.5, 6.5, 4.4, 7.0, 2.0, 9.5, 1.0], [6.0, 6.0, 5.0, 8.0, 2.5, 9.0, 3.5], 0.8419, 0.955, 0.9537),
    ([0, 0, 1, 1, 2, 2, 10], [1, 0, 1, 3, 2, 2, 7], 0.8665, 0.8038, 0.9457),
    ([4.6, 4.8, 5.2], [5.0, 4.6, 5.4], None, 0.5, 0.6547),  # every label rounds to 5: kappa undefined
    ([2, 7], [7, 2], -1.0, -1.0, -1.0),
]


@pytest.mark.parametrize(("human", "judge", "qwk", "spearman", "pearson"), REFERENCE)
def test_statistics_match_scipy_and_scikit_learn(human: list[float], judge: list[float], qwk: float | None,
                                                 spearman: float, pearson: float) -> None:
    figs = agreement(human, judge)
    assert (figs["qwk"], figs["spearman"], figs["pearson"]) == (qwk, spearman, pearson)


def test_ranks_average_ties_and_percentile_interpolates_like_numpy() -> None:
    from scoring import stats

    assert stats.ranks([3, 1, 3, 2]) == [3.5, 1.0, 3.5, 2.0]
    values = [3.0, 10.0, 1.5, 7.25, 8.0]
    assert stats.percentile(values, 95) == pytest.approx(9.6) and stats.percentile(values, 50) == 7.25
    assert stats.percentile([4.0], 95) == 4.0


def test_the_eval_needs_no_scipy_or_scikit_learn() -> None:
    # The runtime install (pip install ., the Docker image) has neither; `drillbot eval` must still run.
    import subprocess
    import sys

    code = "import sys, scoring.eval_cli; print(sorted(m for m in ('scipy', 'sklearn') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
