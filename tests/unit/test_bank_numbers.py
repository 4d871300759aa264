"""Numbers in any unit and form earn a numeric criterion of a bank question (issue 19), through the offline
judge that `drillbot bank validate` and the eval gate use."""

from __future__ import annotations

import pytest

from bank.loader import load_bank
from scoring.offline import OfflineJudge


def _verdict(qid: str, criterion: str, answer: str) -> str:
    q = load_bank().get(qid)
    assert q is not None
    verdict = OfflineJudge().grade_sync(q, answer)
    return next(c.verdict for c in verdict.criteria if c.id == criterion)


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


@pytest.mark.xfail(strict=True, reason="issue 19 asks that a chained calculation be scored once; the offline judge "
                   "(scoring/offline.py, owned elsewhere) still marks each later step down for an earlier slip")
def test_a_slip_early_in_a_chained_calculation_costs_credit_once() -> None:
    # $0.025 instead of $0.0315 per case-run, then carried forward correctly: 6,000 x $0.025 and 880 x $150.
    answer = ("Each case-run costs $0.025, so one suite run of 6,000 case-runs is about $150. On every pull "
              "request, 880 a month, that is about $132,000 a month.")
    assert _verdict("evals-suite-cost", "per-run", answer) != "met"
    assert _verdict("evals-suite-cost", "per-pr", answer) == "met"
