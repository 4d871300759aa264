"""Numbers in any unit and form earn a numeric criterion of a bank question (issue 19), through the offline
judge that `drillbot bank validate` and the eval gate use."""

from __future__ import annotations

import pytest

from bank.loader import load_bank
from bot.ports import Verdict
from scoring.chains import CARRIED_NOTE
from scoring.offline import OfflineJudge


def _grade(qid: str, answer: str) -> Verdict:
    q = load_bank().get(qid)
    assert q is not None
    return OfflineJudge().grade_sync(q, answer)


def _verdict(qid: str, criterion: str, answer: str) -> str:
    return next(c.verdict for c in _grade(qid, answer).criteria if c.id == criterion)


@pytest.mark.parametrize("figure", ["3,840 million tokens a month", "3.84 billion tokens a month",
                                    "3.84B tokens a month", "3840M tokens a month"])
def test_a_break_even_in_millions_or_billions_is_the_same_number(figure: str) -> None:
    answer = f"Dividing the $2,880 monthly GPU bill by $0.75 per million gives a break-even of {figure}."
    assert _verdict("cost-self-host-break-even", "break-even", answer) == "met", figure


@pytest.mark.parametrize("figure", ["0.75", "75%", "75 percent"])
def test_a_recall_as_a_fraction_or_a_percentage_is_the_same_number(figure: str) -> None:
    answer = (f"The chunk is in the top 5 for 150 of 200 queries, so recall@5 is {figure}; recall@20 is 92%, "
              "so a re-ranker should see more candidates.")
    assert _verdict("art-retrieval-recall-at-k", "recall-at-5", answer) == "met", figure


def test_a_wrong_figure_does_not_meet_the_numeric_criterion() -> None:
    answer = "Dividing the $2,880 monthly GPU bill by $0.75 per million gives a break-even of 384 million tokens."
    assert _verdict("cost-self-host-break-even", "break-even", answer) != "met"


def test_a_slip_early_in_a_chained_calculation_costs_credit_once() -> None:
    # $0.025 instead of $0.0315 per case-run, then carried forward correctly: 6,000 x $0.025 and 880 x $150.
    answer = ("Each case-run costs $0.025, so one suite run of 6,000 case-runs is about $150. On every pull "
              "request, 880 a month, that is about $132,000 a month.")
    assert _verdict("evals-suite-cost", "per-run", answer) != "met"
    assert _verdict("evals-suite-cost", "per-pr", answer) == "met"


def test_the_carried_forward_step_quotes_its_figure_and_says_it_was_carried() -> None:
    answer = ("Each case-run costs $0.025, so one suite run of 6,000 case-runs is about $150. On every pull "
              "request, 880 a month, that is about $132,000 a month.")
    verdict = _grade("evals-suite-cost", answer)
    per_pr = next(c for c in verdict.criteria if c.id == "per-pr")
    assert "$132,000" in per_pr.evidence
    assert CARRIED_NOTE in verdict.feedback


def test_a_later_figure_wrong_in_an_unrelated_way_earns_nothing_from_the_chain() -> None:
    # $150 per suite run, but $50,000 a month is not 880 x $150: a second, unrelated mistake.
    answer = ("Each case-run costs $0.025, so one suite run of 6,000 case-runs is about $150. On every pull "
              "request, 880 a month, that is about $50,000 a month.")
    assert _verdict("evals-suite-cost", "per-run", answer) != "met"
    assert _verdict("evals-suite-cost", "per-pr", answer) != "met"
    assert CARRIED_NOTE not in _grade("evals-suite-cost", answer).feedback


def test_a_right_chain_is_met_without_a_carried_note() -> None:
    answer = ("Each case-run costs $0.0315, so one suite run of 6,000 case-runs is about $189. On every pull "
              "request, 880 a month, that is about $166,000 a month.")
    verdict = _grade("evals-suite-cost", answer)
    assert {c.id: c.verdict for c in verdict.criteria}["per-pr"] == "met"
    assert CARRIED_NOTE not in verdict.feedback


def test_a_slip_carried_through_a_division_costs_credit_once() -> None:
    # Payback is the given cost divided by the monthly saving: a saving of $10,000 instead of $14,000 makes
    # $20,000 / $10,000 = 2 months, right from the answer's own figure.
    q = load_bank().get("cost-distillation-payback")
    assert q is not None
    saving = next(c for c in q.rubric if c.id == "saving")
    payback = next(c for c in q.rubric if c.id == "payback")
    assert (saving.number, payback.number) == (14000, 1.43)  # the figures this test's slip is built on
    answer = ("The monthly saving is $10,000, so the $20,000 fine-tuning cost pays back in 2 months.")
    assert _verdict("cost-distillation-payback", "saving", answer) != "met"
    assert _verdict("cost-distillation-payback", "payback", answer) == "met"
