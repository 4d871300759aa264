"""Evidence quotes must really be in the answer."""

from __future__ import annotations

import pytest

from bot.ports import CriterionResult
from scoring.evidence import find_quote, verify

ANSWER = (
    "First, I'd keep the long system prompt as a stable prefix so the provider's prompt cache can reuse it. "
    "Second, route the easy questions to a smaller model and escalate only the hard ones.\n"
    "Finally, run the eval set before and after every change — it catches regressions early.\n"
    "Keywords: caching, routing, evals"
)


@pytest.mark.parametrize(
    "quote",
    [
        "route the easy questions to a smaller model",
        "ROUTE   the easy\nquestions to a SMALLER model",
        "\u201cI\u2019d keep the long system prompt as a stable prefix\u201d",
        "run the eval set before and after every change - it catches regressions early",
        "run the eval set before and after every change \u2013 it catches regressions early",
    ],
)
def test_exact_case_whitespace_and_typography(quote: str) -> None:
    assert find_quote(quote, ANSWER)


def test_small_differences_are_tolerated() -> None:
    assert find_quote("route the easy question to a smaller modell", ANSWER)
    assert find_quote("keep the long system prompt as a stable prefix so the providers prompt cache", ANSWER)


def test_ellipsis_joins_real_fragments_in_order() -> None:
    assert find_quote("keep the long system prompt ... reuse it", ANSWER)
    assert find_quote("route the easy questions\u2026escalate only the hard ones", ANSWER)
    assert find_quote("route the easy questions [...] escalate only the hard ones", ANSWER)
    # Real fragments in the wrong order are not a quote.
    assert not find_quote("escalate only the hard ones ... route the easy questions", ANSWER)
    # One real fragment does not vouch for an invented one.
    assert not find_quote("route the easy questions ... and fine-tune a model on support tickets", ANSWER)


@pytest.mark.parametrize(
    "quote",
    [
        "I would shard the vector index across regions",
        "route the easy questions to a fine-tuned model",
        "the candidate explains prompt caching well",
        "",
        "   ",
    ],
)
def test_fabricated_quotes_are_rejected(quote: str) -> None:
    assert not find_quote(quote, ANSWER)


def test_short_quote_from_a_word_list_is_not_evidence() -> None:
    # "caching" and "routing" only occur in the keyword line, not in a sentence.
    assert not find_quote("caching", ANSWER)
    assert not find_quote("routing, evals", ANSWER)


def test_short_quote_inside_a_real_sentence_counts() -> None:
    assert find_quote("smaller model", ANSWER)


def test_verify_downgrades_fabricated_and_keeps_real() -> None:
    criteria = [
        CriterionResult("a", "met", "route the easy questions to a smaller model", 2),
        CriterionResult("b", "partial", "I would shard the vector index across regions", 1),
        CriterionResult("c", "met", "", 1),
        CriterionResult("d", "missed", "", 1),
    ]
    out = verify(criteria, ANSWER)
    assert [(c.verdict, c.evidence) for c in out] == [
        ("met", "route the easy questions to a smaller model"),
        ("missed", ""),
        ("missed", ""),
        ("missed", ""),
    ]
    assert [c.weight for c in out] == [2, 1, 1, 1]
    assert criteria[1].verdict == "partial"  # the input is not mutated


def test_verify_reject_hook() -> None:
    criteria = [CriterionResult("a", "met", "route the easy questions to a smaller model")]
    out = verify(criteria, ANSWER, reject=lambda q: "route" in q)
    assert out[0].verdict == "missed"


def test_fuzzy_tolerance_stops_at_its_edit_budget() -> None:
    # 43 characters allow 2 edits (max(2, 43 // 15)): two changed letters are a typo, three are not the quote.
    assert find_quote("route the easy questxons to a smallxr model", ANSWER)
    assert not find_quote("rxute the easy questxons to a smallxr model", ANSWER)
    assert find_quote("route the easy quesions to a smaller modl", ANSWER)  # two deletions
    assert not find_quote("route the esy quesions to a smaller modl", ANSWER)  # three
