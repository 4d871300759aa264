"""Generated adversarial suite (issue 13): for every bank question, five gaming answers built in code
must score <= 1.5 or be held, through the offline judge and through the LLM judge driven by a model that
marks every criterion met with real quotes from the answer. Honest controls keep their credit."""

from __future__ import annotations

import asyncio
import functools
import re
from collections.abc import Callable

import pytest

from bank.loader import load_bank
from bank.schema import Question
from bot.ports import Verdict
from scoring.llm import LLMJudge
from scoring.offline import OfflineJudge
from scoring.rubric import rubric_for
from scoring.text import units
from tests.fakes.openai_server import FakeOpenAI

MAX_SHOWN = 1.5
QUESTIONS = sorted(load_bank().questions.values(), key=lambda q: q.id)

# Through the LLM path every third question (all categories): the offline path covers every question.
LLM_SAMPLE = QUESTIONS[::3]

# An auxiliary already followed by "not" is skipped: "does not not support" would restate the claim.
_AUX = re.compile(r"\b(is|are|was|were|can|should|will|must|does|do)\b(?!\s+not\b)", re.IGNORECASE)
_DENIALS = ("{} is irrelevant.", "{} is a myth.", "{} doesn't matter at all.", "{} is overrated and pointless.")


def negated_model_answer(q: Question) -> str:
    """Every sentence of the model answer turned into its denial."""
    out = []
    for u in units(q.model_answer):
        s = u.text.rstrip(".")
        if _AUX.search(s):
            s = _AUX.sub(lambda m: {"can": "cannot", "do": "do not", "does": "does not"}.get(m.group(1).lower(),
                                                                                             m.group(1) + " not"), s, 1)
        else:
            s = "It is false that " + s[:1].lower() + s[1:]
        out.append(s + ".")
    return " ".join(out)


def _phrases(q: Question) -> list[str]:
    items = rubric_for(q)
    phrases = [p for i in items for p in i.key_phrases] or [t for i in items for t in i.terms]
    return phrases or [i.text for i in items]


def key_phrase_denial(q: Question) -> str:
    return " ".join(_DENIALS[k % len(_DENIALS)].format(p[:1].upper() + p[1:]) for k, p in enumerate(_phrases(q)))


def rubric_paste(q: Question) -> str:
    return "\n".join(f"- {i.text}" for i in rubric_for(q))


def question_copy(q: Question) -> str:
    return q.prompt


def keyword_list(q: Question) -> str:
    return ", ".join(_phrases(q) + [t for i in rubric_for(q) for t in i.terms])


ATTACKS: dict[str, Callable[[Question], str]] = {
    "negated": negated_model_answer,
    "denial": key_phrase_denial,
    "rubric_paste": rubric_paste,
    "question_copy": question_copy,
    "keyword_list": keyword_list,
}


def _ok(v: Verdict) -> bool:
    return v.total <= MAX_SHOWN or v.status == "held"


def _failures(results: list[tuple[str, str, Verdict]]) -> list[str]:
    return [f"{qid}/{kind}: {v.total} {v.status}" for qid, kind, v in results if not _ok(v)]


# Copies and keyword lists are bounded for every question through both judges; contradictions offline.
BOUNDED = ("rubric_paste", "question_copy", "keyword_list")
CONTRADICTIONS = ("negated", "denial")
# Means per contradiction attack (issue 13 target: every one <= 1.5). "negated" measured 4.43 before wrong
# claims cost points (scoring/wrongclaims.py), 0.17 after, 0.008 once conditionals were compared whole.
CONTRADICTION_MEAN_MAX = {"negated": 0.1, "denial": 1.5}


@functools.lru_cache(maxsize=1)
def _offline_results() -> list[tuple[str, str, Verdict]]:
    judge = OfflineJudge()
    return [(q.id, kind, judge.grade_sync(q, make(q))) for q in QUESTIONS for kind, make in ATTACKS.items()]


def test_offline_judge_bounds_copies_and_keyword_lists_for_every_question() -> None:
    results = _offline_results()
    assert len(results) == 5 * len(QUESTIONS) >= 5 * 80
    assert _failures([r for r in results if r[1] in BOUNDED]) == []


def test_offline_judge_contradiction_attacks_stay_low_on_average() -> None:
    results = _offline_results()
    for kind, most in CONTRADICTION_MEAN_MAX.items():
        totals = [v.total for _, k, v in results if k == kind]
        assert sum(totals) / len(totals) <= most, kind


def test_offline_judge_every_question_every_attack() -> None:
    # Every negated model answer <= 1.5 since conditionals are compared whole (scoring/conditionals.py).
    assert _failures(_offline_results()) == []


def test_llm_judge_marking_everything_met_bounds_copies_and_keyword_lists() -> None:
    async def run(base_url: str) -> list[tuple[str, str, Verdict]]:
        judge = LLMJudge(model="gpt-4o-mini", base_url=base_url, api_key="sk-test", max_retries=0)
        gate = asyncio.Semaphore(16)

        async def one(q: Question, kind: str, answer: str) -> tuple[str, str, Verdict]:
            async with gate:
                return q.id, kind, await judge.grade(q, answer)

        try:
            return await asyncio.gather(*(one(q, k, ATTACKS[k](q)) for q in LLM_SAMPLE for k in BOUNDED))
        finally:
            await judge.aclose()

    with FakeOpenAI() as fake:  # "valid": every criterion met, quoting the best-matching real sentence
        results = asyncio.run(run(fake.base_url))
    assert len(results) == len(BOUNDED) * len(LLM_SAMPLE)
    assert _failures(results) == []


@pytest.mark.parametrize("q", QUESTIONS, ids=lambda q: q.id)
def test_model_answer_still_scores_high_offline(q: Question) -> None:
    assert OfflineJudge().grade_sync(q, q.model_answer).total >= 8.0


def test_a_correct_negative_sentence_keeps_its_credit() -> None:
    q = Question(
        id="stateless-api", category="fundamentals", prompt="Does a chat model remember earlier requests?",
        model_answer="No. The API is stateless and the model does not remember previous calls, so the client "
        "resends the conversation history with every request.",
    )
    v = OfflineJudge().grade_sync(q, "The model does not remember previous calls; the API is stateless, so "
                                     "the client resends the conversation history every time.")
    assert v.total >= 8.0
