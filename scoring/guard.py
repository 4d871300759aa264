"""The post-check every verdict passes before anyone sees its score, whichever judge produced it.

1. Evidence: a met/partial criterion keeps its mark only if its quote supports it (scoring/support.py:
   not copied from what the person was handed, about the criterion, not contradicting it) and does not
   sit in text flagged as gaming (a line addressed to the grader, a keyword list, a sentence copied
   from the question). Those spans are "removed": nothing quoted from them counts.
2. Flags bound the score: an answer flagged for injection, stuffing, copying or off topic that still
   scores HOLD_AT or more after the removal is held for review, never shown.

Threshold: HOLD_AT = 4.0, the lower grade boundary (scoring/llm.GRADE_BOUNDARIES). A flagged answer may
show a failing score it earned with its honest sentences; anything that would pass goes to a person.
On bank/evals no non-adversarial answer is held offline (docs/evaluation.md, "Hard to game").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache

from bank.schema import Question
from bot.ports import FLAGS, Verdict
from scoring.evidence import find_quote
from scoring.flags import injection_in
from scoring.rubric import rubric_for
from scoring.support import HINT_LABEL, copied_from, given_text, why_not
from scoring.text import fragments, is_keyword_run, is_sentence_like, units, words
from scoring.wrongclaims import count_claims, penalise

BOUNDING_FLAGS = ("injection_suspected", "stuffing", "copied_question", "off_topic")
HOLD_AT = 4.0
# An answer most of whose sentences were handed to the person (rubric, earlier feedback) is a copy.
COPIED_SHARE = 0.5

_FLAG_WORDS = {
    "injection_suspected": "instructions to the grader",
    "stuffing": "a keyword list",
    "copied_question": "copied text",
    "off_topic": "being off topic",
}


def _topic(question: Question) -> str:
    return " ".join([question.prompt, question.model_answer, *(c.text for c in question.rubric)])


def offending_spans(question: Question, answer: str, flags: Sequence[str], shown: Sequence[str] = ()) -> list[str]:
    """The pieces of the answer that earn nothing: lines addressed to the grader, keyword runs in a
    stuffed answer, sentences copied from the question, rubric or earlier feedback."""
    spans: list[str] = []
    topic = _topic(question)
    if "injection_suspected" in flags:
        spans += [line for line in answer.split("\n") if line.strip() and injection_in(line, topic)]
    given = given_text(question, shown)
    for u in units(answer):
        if copied_from(u.text, given) or HINT_LABEL.match(u.text):
            spans.append(u.text)
        elif "stuffing" in flags:
            frags = fragments(u.text)
            if is_keyword_run(words(u.text)) or sum(not is_sentence_like(f) for f in frags) > len(frags) / 2:
                spans.append(u.text)
    return spans


def copied_share(question: Question, answer: str, shown: Sequence[str] = ()) -> float:
    """Share of the answer's words in sentences copied from what the person was handed."""
    return _copied_share(answer, given_text(question, shown))


@lru_cache(maxsize=1024)
def _copied_share(answer: str, given: tuple[str, ...]) -> float:
    us = units(answer)
    total = sum(len(words(u.text)) for u in us)
    if not total:
        return 0.0
    return sum(len(words(u.text)) for u in us if copied_from(u.text, given)) / total


def check_evidence(
    question: Question, answer: str, verdict: Verdict, shown: Sequence[str] = (), *, relevance: bool = True
) -> Verdict:
    """Downgrade met/partial criteria whose evidence does not support them or sits in an offending span."""
    items = {i.id: i for i in rubric_for(question)}
    spans = offending_spans(question, answer, verdict.flags, shown)
    checked = []
    for c in verdict.criteria:
        item = items.get(c.id)
        if c.verdict != "missed" and item is not None:
            bad = (
                not c.evidence.strip()
                or not find_quote(c.evidence, answer)
                or why_not(c.evidence, item, question, shown, check_relevance=relevance) is not None
                or any(find_quote(c.evidence, s) for s in spans)
            )
            if bad:
                c = replace(c, verdict="missed", evidence="")
        checked.append(c)
    verdict.criteria = checked
    return verdict


def bound(question: Question, answer: str, verdict: Verdict, shown: Sequence[str] = ()) -> Verdict:
    """Add the copy flag for answers pasted from the rubric or earlier feedback, and hold a flagged answer
    that would still show HOLD_AT or more."""
    if "copied_question" not in verdict.flags and copied_share(question, answer, shown) >= COPIED_SHARE:
        verdict.flags = [f for f in FLAGS if f in verdict.flags or f == "copied_question"]
    hit = [f for f in BOUNDING_FLAGS if f in verdict.flags]
    if hit and verdict.status == "scored" and verdict.total >= HOLD_AT:
        verdict.status = "held"
        named = " and ".join(_FLAG_WORDS[f] for f in hit)
        verdict.status_reason = (
            f"Held for review, not scored: the answer was flagged for {named}, and even without that text "
            "it would score high enough that a person should look first."
        )
    return verdict


def post_check(
    question: Question, answer: str, verdict: Verdict, shown: Sequence[str] = (), *, relevance: bool = True
) -> Verdict:
    """Both steps, for any judge's verdict."""
    if not answer.strip():
        return verdict
    verdict = check_evidence(question, answer, verdict, shown, relevance=relevance)
    # Wrong claims cost points whichever judge missed them (scoring/wrongclaims.py).
    verdict.criteria = penalise(verdict.criteria, *count_claims(question, answer))
    return bound(question, answer, verdict, shown)
