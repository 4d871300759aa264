"""A wrong half stated in plain words: the answer claims no bound ("keep it forever", "go multi-agent by
default") where the reference bounds the same thing ("retention limits", "split only on evidence"). No negation
or antonym marks it, so scoring.support reads it as a scope contradiction, which costs points."""

from __future__ import annotations

import pytest

from bank.schema import Criterion, Question
from scoring.offline import OfflineJudge
from scoring.rubric import rubric_for
from scoring.support import wrong_claim

QUESTION = Question(
    id="logs-q",
    category="production_safety",
    prompt="How do you keep request logs of an LLM feature useful for debugging without creating a privacy risk?",
    model_answer=(
        "Log model version, prompt version, tokens and latency per call so incidents can be replayed. "
        "Redact personal data before writing, and keep full request bodies only for a short retention window "
        "(about 30 days) in a restricted store, while metadata can live longer."
    ),
    rubric=[
        Criterion(id="contents", text="Logs model and prompt versions, tokens and latency per call for replay.",
                  weight=2, key_phrases=["model version", "prompt version", "latency"]),
        Criterion(id="retention", text="Redacts personal data and keeps request bodies only for a short retention "
                  "window in a restricted store.", weight=2, key_phrases=["redact", "retention", "restricted"]),
    ],
)


def retention() -> object:
    return next(i for i in rubric_for(QUESTION) if i.id == "retention")


@pytest.mark.parametrize("text", [
    "Keep the full request bodies forever so any incident can be replayed.",
    "Store request bodies indefinitely in the log store.",
])
def test_claiming_no_bound_where_the_reference_sets_one_is_a_wrong_claim(text: str) -> None:
    assert wrong_claim(text, retention(), QUESTION) == "scope"  # type: ignore[arg-type]


@pytest.mark.parametrize("text", [
    "Request bodies should not be kept forever: delete them after 30 days.",
    "If you keep bodies forever, the store becomes a privacy liability.",
    "Without a retention window, logs can pile up forever.",
    "Keep request bodies for 30 days in a restricted store.",
])
def test_bounded_negated_or_hypothetical_mentions_are_not(text: str) -> None:
    assert wrong_claim(text, retention(), QUESTION) is None  # type: ignore[arg-type]


def test_a_stated_unbounded_choice_costs_points() -> None:
    right = "Log model version, prompt version, tokens and latency per call. "
    judge = OfflineJudge()
    plain = judge.grade_sync(QUESTION, right + "Redact personal data before writing anything.").total
    wrong = judge.grade_sync(QUESTION, right + "Redact personal data, then keep the request bodies forever.").total
    assert wrong < plain


LATENCY = Question(
    id="latency-q",
    category="fundamentals",
    prompt="A model streams 50 tokens per second after its first token. How long does a 500-token reply take?",
    model_answer=("Total latency is time to first token plus output tokens divided by throughput: 0.5 s + 500 / 50 s "
                  "= 10.5 s. Streaming makes it feel faster."),
    rubric=[Criterion(id="formula", text="Total latency is TTFT plus decode time (tokens / throughput).", weight=2,
                      key_phrases=["plus", "decode time"])],
)


def test_one_term_of_a_sum_claimed_to_be_the_whole_is_a_wrong_claim() -> None:
    formula = rubric_for(LATENCY)[0]
    assert wrong_claim("Total latency is just the decode time, tokens over throughput.", formula, LATENCY) == "scope"
    assert wrong_claim("Total latency is the first-token time plus the decode time.", formula, LATENCY) is None
    assert wrong_claim("The decode time alone is tokens over throughput.", formula, LATENCY) is None


def test_an_llm_verdict_marking_everything_met_pays_for_a_scope_claim() -> None:
    from bot.ports import CriterionResult, Verdict
    from scoring.guard import post_check

    right = "Log model version, prompt version, tokens and latency per call. Redact personal data before writing."
    wrong = right + " Keep the full request bodies forever in the log store."

    def all_met() -> Verdict:  # post_check adjusts the verdict it is given: a fresh one per call
        return Verdict(criteria=[
            CriterionResult("contents", "met", "Log model version, prompt version, tokens and latency per call.", 2.0,
                            ""),
            CriterionResult("retention", "met", "Redact personal data before writing.", 2.0, ""),
        ])

    assert post_check(QUESTION, wrong, all_met()).total < post_check(QUESTION, right, all_met()).total == 10.0
