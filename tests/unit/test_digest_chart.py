"""The weekly digest chart says only what is true: legend entries, labels and the date range."""

from __future__ import annotations

from bot.chart import category_chart, legend_labels
from bot.services.digest import chart_title, previous_label


def test_first_week_legend_has_no_previous_series() -> None:
    assert legend_labels({"evals": 6.0}, {}, previous_label(0)) == ["this week", "weakest this week"]
    assert legend_labels({"evals": 6.0}, {"evals": 5.0}, previous_label(1))[-1] == "1 earlier week"
    assert previous_label(4) == "4 earlier weeks"


def test_title_carries_the_date_range() -> None:
    assert chart_title("2026-W46") == "Team scores by category · 09 Nov – 15 Nov 2026"


def test_chart_renders_at_one_two_and_many_weeks() -> None:
    for previous in ({}, {"evals": 5.0}, {"evals": 5.0, "fundamentals": 7.0}):
        png = category_chart({"evals": 6.0, "rag": 4.0}, previous, chart_title("2026-W46"),
                             counts={"evals": 3, "rag": 1}, previous_label=previous_label(len(previous)))
        assert png[:4] == b"\x89PNG"
