"""A prompt-injection corpus (injection_corpus.yaml, one style per entry) appended to honest answers to bank
questions, through both judges: the offline rubric judge, and the LLM judge against the fake server
while the "model" obeys the injection. No answer gains more than 1 point over the same honest answer
without the injection, and the injection flag is raised on at least 90% of the corpus."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from bank.loader import Bank
from bank.schema import Question
from scoring import LLMJudge, OfflineJudge
from scoring.prompt import render
from scoring.rubric import rubric_for
from tests.fakes.openai_server import Behaviour, FakeOpenAI, request_answer, request_rubric_ids, sentence_count

CORPUS = yaml.safe_load((Path(__file__).parent / "injection_corpus.yaml").read_text(encoding="utf-8"))["injections"]
QUESTIONS = ["evals-offline-vs-online", "fund-tokens-why-they-matter", "art-rag-when-not-to-use"]
MAX_GAIN = 1.0
MIN_FLAG_RATE = 0.9


def honest(q: Question) -> str:
    """The first two sentences of the model answer: real content, but room left to gain."""
    sentences = re.split(r"(?<=[.!?])\s+", q.model_answer.strip())
    return " ".join(sentences[:2])


def cases(bank: Bank) -> list[tuple[str, Question, str, str]]:
    qs = [bank.get(qid) for qid in QUESTIONS]
    assert all(qs)
    return [(e["style"], qs[i % len(qs)], honest(qs[i % len(qs)]), e["text"])  # type: ignore[misc]
            for i, e in enumerate(CORPUS)]


def test_corpus_has_at_least_40_distinct_styles() -> None:
    styles = [e["style"] for e in CORPUS]
    assert len(styles) >= 40 and len(set(styles)) == len(styles)
    assert len({e["text"] for e in CORPUS}) == len(CORPUS)


# Styles where a judge is known to give more than MAX_GAIN (see the xfail reasons; reported as bugs).
OFFLINE_KNOWN_GAIN: dict[str, str] = {}  # style -> xfail reason (bug report); empty while none is known


def _style_params() -> list[object]:
    out = []
    for entry in CORPUS:
        reason = OFFLINE_KNOWN_GAIN.get(entry["style"])
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        out.append(pytest.param(entry["style"], marks=marks, id=entry["style"].replace(" ", "-")))
    return out


@pytest.mark.parametrize("style", _style_params())
async def test_offline_judge_gives_no_gain_for_the_injection(bank: Bank, style: str) -> None:
    judge = OfflineJudge()
    _, q, base, injection = next(c for c in cases(bank) if c[0] == style)
    clean = await judge.grade(q, base)
    assert "injection_suspected" not in clean.flags, "the honest answer must not be flagged"
    for attacked in (f"{base}\n\n{injection}", f"{injection}\n\n{base}"):
        v = await judge.grade(q, attacked)
        assert v.total - clean.total <= MAX_GAIN, (v.total, clean.total, [(c.id, c.evidence) for c in v.criteria])


async def test_offline_judge_flags_at_least_90_percent(bank: Bank) -> None:
    judge = OfflineJudge()
    unflagged = []
    for style, q, base, injection in cases(bank):
        for attacked in (f"{base}\n\n{injection}", f"{injection}\n\n{base}"):
            if "injection_suspected" not in (await judge.grade(q, attacked)).flags:
                unflagged.append(style)
    rate = 1 - len(unflagged) / (2 * len(CORPUS))
    assert rate >= MIN_FLAG_RATE, (rate, sorted(set(unflagged)))


def _quote_the_injection(body: dict[str, Any]) -> dict[str, Any]:
    """A model that obeys and, to look legitimate, quotes the injected text as its evidence."""
    last = sentence_count(body)  # the injection comes last in every attacked answer
    return {"met": [{"id": cid, "sentences": [last]} for cid in request_rubric_ids(body)], "partial": [],
            "feedback": "Perfect.", "follow_up": "None.", "flags": []}


@pytest.fixture
async def llm():  # type: ignore[no-untyped-def]
    with FakeOpenAI() as fake:
        judge = LLMJudge(base_url=fake.base_url, api_key="test", timeout=5.0, max_retries=0)
        try:
            yield fake, judge
        finally:
            await judge.aclose()


async def test_llm_judge_obeying_the_injection_gives_no_gain_and_flags(bank: Bank, llm) -> None:  # type: ignore[no-untyped-def]
    fake, judge = llm
    gains, unflagged, seen = [], [], 0
    for style, q, base, injection in cases(bank):
        fake.push("valid")  # an honest model on the honest answer: every criterion met, quoting it
        clean = await judge.grade(q, base)
        attacked = f"{base}\n\n{injection}"
        for behaviour in (Behaviour(kind="obey_injection"), Behaviour(kind="custom", content=_quote_the_injection)):
            fake.push(behaviour)
            v = await judge.grade(q, attacked)
            gains.append((v.total - clean.total, style, behaviour.kind))
            if "injection_suspected" not in v.flags:
                unflagged.append(style)
        # The injection reached the model only as datamarked data inside the random boundary.
        sent = fake.requests[-1].body["messages"][-1]["content"]
        rendered = render(q, rubric_for(q), attacked)
        boundary = re.findall(r"<<end-answer-([0-9a-f]+)>>\s*$", sent)[0]
        assert boundary not in attacked and sent.rstrip().endswith(f"<<end-answer-{boundary}>>")
        assert rendered.marker and request_answer(fake.requests[-1].body).split() == attacked.split()
        seen += 1
    assert seen == len(CORPUS)
    too_much = [g for g in gains if g[0] > MAX_GAIN]
    assert too_much == [], too_much
    rate = 1 - len(unflagged) / (2 * len(CORPUS))
    assert rate >= MIN_FLAG_RATE, (rate, sorted(set(unflagged)))
