"""Denial framings assert what the reference says not to do, or deny what it says something does: "skip
redaction", "omit the check", "caching doesn't save money". Each is a contradiction of the criterion it
names (scoring.support), so it earns that criterion nothing; the reference's own wording still earns it."""

from __future__ import annotations

import pytest

from bank.schema import Criterion, Question
from scoring.rubric import RubricItem, rubric_for
from scoring.support import wrong_claim

QUESTION = Question(
    id="assistant-q",
    category="production_safety",
    prompt="You are sending support chats to a third-party model API with a long fixed system prompt. "
           "What do you put in place?",
    model_answer=(
        "Redact personal data such as names and card numbers before the call. "
        "Prompt caching on the repeated prefix cuts the bill: cached reads are about 90% cheaper."
    ),
    rubric=[
        Criterion(id="redact", text="Redacts personal data before the call.", weight=2,
                  key_phrases=["redact", "personal data"]),
        Criterion(id="caching", text="Uses prompt caching on the repeated prefix, which is far cheaper.", weight=2,
                  key_phrases=["prompt caching", "prefix", "cheaper"]),
    ],
)


def item(cid: str) -> RubricItem:
    return next(i for i in rubric_for(QUESTION) if i.id == cid)


@pytest.mark.parametrize(("cid", "text"), [
    ("redact", "Skip redaction of personal data, the vendor handles it."),
    ("redact", "We can omit redacting personal data before the call."),
    ("caching", "Prompt caching doesn't save money on the prefix."),
    ("caching", "Prompt caching saves no money on a repeated prefix."),
])
def test_denials_contradict_the_criterion(cid: str, text: str) -> None:
    assert wrong_claim(text, item(cid), QUESTION) is not None


@pytest.mark.parametrize(("cid", "text"), [
    ("redact", "Redact personal data before the call; never skip that step."),
    ("caching", "Prompt caching saves a lot of money on the repeated prefix."),
    ("caching", "Cache the prefix: reads are about 90% cheaper."),
])
def test_the_reference_claim_in_other_words_is_not_a_denial(cid: str, text: str) -> None:
    assert wrong_claim(text, item(cid), QUESTION) is None
