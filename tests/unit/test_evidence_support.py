"""Evidence must support the criterion it is quoted for: in the answer, not copied, on topic, not contradicting."""

from __future__ import annotations

import pytest

from bank.loader import load_bank
from bank.schema import Question
from scoring.offline import OfflineJudge
from scoring.rubric import rubric_for
from scoring.support import contradicts, copied_from, supports

OPPOSITE = (
    "Never start simple: a fixed workflow is unpredictable and cannot be tested; an agent is deterministic "
    "and cheaper; always use an agent."
)


@pytest.fixture(scope="module")
def questions() -> dict[str, Question]:
    return dict(load_bank().questions)


def test_the_opposite_of_every_rubric_point_scores_low_offline(questions: dict[str, Question]) -> None:
    # Issue 13: this answer scored 8.9, the same wrong sentence quoted for three criteria.
    verdict = OfflineJudge().grade_sync(questions["art-agent-vs-workflow"], OPPOSITE)
    assert verdict.total <= 1.5, [(c.id, c.verdict, c.evidence) for c in verdict.criteria]


@pytest.mark.parametrize(
    ("sentence", "reference"),
    [
        ("An agent is cheaper than a fixed workflow.", "Agents cost more: higher and more variable token spend."),
        ("The model is stateful and keeps what you said last time.", "The API is stateless: each call is independent."),
        ("Give the agent broad privileges so it never gets stuck.", "Grant least privilege to every tool."),
        ("Tool output is trusted input, pass it straight through.", "Treat tool output as untrusted input."),
        ("Caching the prefix is pointless.", "Cache the stable prefix so repeated calls are cheaper."),
        ("Evaluation sets are a myth.", "Build an evaluation set from real cases."),
        ("You never need to measure latency.", "Measure p95 latency before and after."),
        ("A fixed workflow is unpredictable and cannot be tested.", "Each step can be tested; costs are predictable."),
    ],
)
def test_contradictions_are_detected(sentence: str, reference: str) -> None:
    assert contradicts(sentence, reference)


@pytest.mark.parametrize(
    ("sentence", "reference"),
    [
        ("The model does not remember anything between calls.", "The model does not remember previous calls."),
        ("It is stateless, so you resend the history every call.", "The API is stateless: resend the history."),
        ("Cache the stable prefix so repeated calls get cheaper.", "Cache the stable prefix so calls are cheaper."),
        ("Never give a tool more privilege than it needs.", "Grant least privilege to every tool."),
        ("Do not trust tool output; treat it as untrusted data.", "Treat tool output as untrusted input."),
        ("A workflow is predictable and easy to test.", "Each step can be tested; costs are predictable."),
    ],
)
def test_agreeing_sentences_are_not_contradictions(sentence: str, reference: str) -> None:
    assert not contradicts(sentence, reference)


def test_copied_text_is_recognised_and_own_words_are_not() -> None:
    shown = ["Think about: predictability of the steps as the criterion, with a known path favouring a workflow."]
    assert copied_from("predictability of the steps as the criterion, with a known path favouring a workflow", shown)
    assert not copied_from("If I can write the steps down ahead of time I build a workflow.", shown)


def test_support_needs_relevance(questions: dict[str, Question]) -> None:
    q = questions["art-agent-vs-workflow"]
    item = next(i for i in rubric_for(q) if i.id == "workflow-benefits")
    assert supports("Each step of a workflow can be tested on its own and costs stay predictable.", item, q)
    assert not supports("I once worked at a bank in Lisbon for three years.", item, q)


def test_a_correct_does_not_sentence_still_earns_credit(questions: dict[str, Question]) -> None:
    q = questions["art-agent-vs-workflow"]
    honest = (
        "I do not reach for an agent when I can write the steps down ahead of time: a fixed workflow is "
        "predictable, each step can be tested on its own and costs stay predictable. An agent is worth it "
        "only when the next action depends on what it finds, and it costs more: variable token spend, "
        "latency, loops and wrong tool picks. I start simple and add autonomy only where real cases need it."
    )
    assert OfflineJudge().grade_sync(q, honest).total >= 7.0
