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
