"""Category names as people type them (bot.rules.categories): one rule for practice, next, interview, config."""

from __future__ import annotations

import pytest

from bank.schema import CATEGORY_LABELS, Category
from bot.rules.categories import parse_category, read_categories, unknown
from bot.services import channels, interview


@pytest.mark.parametrize("typed", ["system_design", "system design", "System Design", "system-design",
                                   "SYSTEM_DESIGN", "  system   design ", "System design"])
def test_spaces_hyphens_underscores_and_case_name_one_category(typed: str) -> None:
    assert parse_category(typed) == "system_design"


def test_every_display_name_and_id_is_accepted() -> None:
    for category in Category:
        assert parse_category(category.value) == category.value
        assert parse_category(CATEGORY_LABELS[category]) == category.value
    assert parse_category("agents and rag tools") == parse_category("Agents, RAG & tools") == "agents_rag_tools"
    assert parse_category("cost & model selection") == "cost_model_selection"
    assert parse_category("behavioral") == "behavioural"
    for wrong in ("", "system", "design system", "astrology", "evals fundamentals"):
        assert parse_category(wrong) is None, wrong


def test_words_read_as_categories_longest_name_first() -> None:
    assert read_categories(["system", "design"]) == ["system_design"]
    assert read_categories(["production", "safety", "evals"]) == ["production_safety", "evals"]
    assert read_categories([]) == []
    assert read_categories(["system", "desgn"]) is None


def test_the_error_names_what_was_typed_and_every_category() -> None:
    text = unknown("astrology")
    assert "“astrology”" in text and all(c.value in text for c in Category)


def test_interview_and_config_take_the_same_names() -> None:
    assert interview.parse_args(["system", "design", "--questions", "2"], 5) == ("system_design", 2)
    assert interview.parse_args(["Cost-Model-Selection"], 5) == ("cost_model_selection", 3)
    bad = interview.parse_args(["system", "desgn"], 5)
    assert isinstance(bad, str) and "“system desgn”" in bad and "system_design" in bad
    assert channels.parse_setting("categories", "System design, evals") == {"categories": ["evals", "system_design"]}
    with pytest.raises(channels.ConfigValueError, match="astrology"):
        channels.parse_setting("categories", "evals, astrology")
