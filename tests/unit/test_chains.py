"""Which numeric criteria form a chained calculation, and which later figures carry an earlier slip
forward (scoring/chains.py, issue 19)."""

from __future__ import annotations

from scoring.chains import Link, carried_units, chain_links
from scoring.rubric import RubricItem

PROMPT = "A job has 400 tasks at $2 each, and runs 30 times a month. What does a run cost, and a month?"


def _item(cid: str, number: float) -> RubricItem:
    return RubricItem(cid, f"Computes {number}.", 1, (), number, 0.02)


RUN, MONTH = _item("run", 800), _item("month", 24000)


def test_a_later_figure_times_a_given_figure_is_a_chain_link() -> None:
    assert chain_links((RUN, MONTH), PROMPT) == (Link(0, 1, 1),)


def test_links_compose_and_unrelated_figures_are_no_chain() -> None:
    year = _item("year", 24000 * 12)
    prompt = PROMPT + " A year has 12 months."
    assert Link(0, 2, 1) in chain_links((RUN, MONTH, year), prompt)
    assert chain_links((RUN, _item("other", 1234)), PROMPT) == ()


def test_only_a_figure_after_the_slipped_one_and_off_by_its_factor_is_carried() -> None:
    links = chain_links((RUN, MONTH), PROMPT)
    texts = ["A run is $600.", "A month is 30 x $600 = $18,000.", "Or $20,000 with overheads."]
    carried = carried_units([RUN, MONTH], links, texts, PROMPT)
    assert carried[1].units == {1} and carried[1].slipped == {0}
    # Stated before the slipped figure, the same number is not carried from it.
    assert 1 not in carried_units([RUN, MONTH], links, ["A month is $18,000.", "A run is $600."], PROMPT)


def test_nothing_is_carried_when_the_earlier_step_is_right() -> None:
    links = chain_links((RUN, MONTH), PROMPT)
    assert carried_units([RUN, MONTH], links, ["A run is $800 and $600 with a discount.", "A month: $18,000."],
                         PROMPT) == {}
