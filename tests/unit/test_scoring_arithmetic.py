"""Score arithmetic (computed in code from verdicts and weights) and pricing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.ports import CriterionResult, Usage, Verdict
from scoring.pricing import DEFAULT_PRICES, Price, PriceTable, cost_usd


def _v(*marks: tuple[str, int]) -> Verdict:
    return Verdict(criteria=[CriterionResult(f"c{i}", m, "", w) for i, (m, w) in enumerate(marks)])


def test_all_met_is_ten_and_all_missed_is_zero() -> None:
    assert _v(("met", 1), ("met", 3)).total == 10.0
    assert _v(("missed", 2), ("missed", 1)).total == 0.0


def test_weights_and_partial_credit() -> None:
    # (3*1 + 2*0.5 + 1*0) / 6 * 10 = 6.666.. -> 6.7
    assert _v(("met", 3), ("partial", 2), ("missed", 1)).total == 6.7
    assert _v(("partial", 1)).total == 5.0


def test_empty_rubric_scores_zero() -> None:
    assert Verdict(criteria=[]).total == 0.0


marks = st.sampled_from(["met", "partial", "missed"])
weights = st.integers(min_value=1, max_value=3)


@given(st.lists(st.tuples(marks, weights), min_size=1, max_size=6))
def test_total_is_bounded_and_one_decimal(items: list[tuple[str, int]]) -> None:
    total = _v(*items).total
    assert 0.0 <= total <= 10.0
    assert round(total, 1) == total


@given(st.lists(st.tuples(marks, weights), min_size=1, max_size=6), st.integers(min_value=0, max_value=5))
def test_upgrading_a_verdict_never_lowers_the_total(items: list[tuple[str, int]], k: int) -> None:
    k %= len(items)
    better = {"missed": "partial", "partial": "met", "met": "met"}
    upgraded = [(better[m], w) if i == k else (m, w) for i, (m, w) in enumerate(items)]
    assert _v(*upgraded).total >= _v(*items).total


def test_cost_uses_cached_input_price() -> None:
    usage = Usage(input_tokens=2000, cached_tokens=1500, output_tokens=100)
    cost = cost_usd("gpt-4o-mini", usage)
    assert cost.known
    assert cost.usd == pytest.approx((500 * 0.15 + 1500 * 0.075 + 100 * 0.60) / 1e6)


def test_default_prices_match_published_table() -> None:
    assert DEFAULT_PRICES["gpt-4.1-mini"] == Price(0.40, 0.10, 1.60)
    assert DEFAULT_PRICES["gpt-4.1-nano"] == Price(0.10, 0.025, 0.40)
    assert DEFAULT_PRICES["gpt-4o"] == Price(2.50, 1.25, 10.00)


def test_dated_snapshot_is_priced_like_its_alias() -> None:
    u = Usage(1_000_000, 0, 0)
    assert cost_usd("gpt-4o-mini-2024-07-18", u).usd == pytest.approx(0.15)


def test_unknown_model_costs_zero_and_says_so() -> None:
    cost = cost_usd("my-local-llama", Usage(1000, 0, 1000))
    assert cost.usd == 0.0
    assert cost.known is False


def test_overrides_replace_and_add_prices() -> None:
    table = PriceTable({"gpt-4o-mini": (1.0, 0.5, 2.0), "my-local-llama": Price(0, 0, 0)})
    assert table.cost("gpt-4o-mini", Usage(1_000_000, 0, 1_000_000)).usd == pytest.approx(3.0)
    assert table.cost("my-local-llama", Usage(10, 0, 10)).known


def test_cached_tokens_never_exceed_input() -> None:
    # A misreporting endpoint must not produce a negative uncached count.
    assert cost_usd("gpt-4o", Usage(100, 500, 0)).usd == pytest.approx(100 * 1.25 / 1e6)
