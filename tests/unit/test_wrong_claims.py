"""Wrong claims cost points (bank/evals/GRADING.md): each confidently wrong sentence takes a step off the
credited criteria, and an answer whose wrong sentences are as many as its right ones stays at or below 2."""

from __future__ import annotations

from bank.schema import Criterion, Question
from bot.ports import CriterionResult, Verdict, compute_total
from scoring.guard import post_check
from scoring.offline import OfflineJudge
from scoring.wrongclaims import MAIN_WRONG_CAP, penalise


def _results(*verdicts: str) -> list[CriterionResult]:
    return [CriterionResult(f"c{k}", v, "quote" if v != "missed" else "", 1.0, "") for k, v in enumerate(verdicts)]


def test_each_wrong_sentence_takes_one_step_off() -> None:
    base = _results("met", "met", "met", "met")
    one = penalise(base, wrong=1, right=5)
    two = penalise(base, wrong=2, right=5)
    assert compute_total(base) == 10.0
    assert compute_total(one) == 8.8
    assert compute_total(two) == 7.5


def test_no_wrong_sentence_changes_nothing() -> None:
    base = _results("met", "partial", "missed")
    assert penalise(base, wrong=0, right=0) == base


def test_mostly_wrong_answers_are_capped() -> None:
    base = _results("met", "met", "met", "met")
    assert compute_total(penalise(base, wrong=2, right=2)) <= MAIN_WRONG_CAP


QUESTION = Question(
    id="cache-q",
    category="fundamentals",
    prompt="How would you use prompt caching to cut the cost of a chat assistant?",
    model_answer=(
        "Put the stable system prompt and tool definitions first so the prefix is cached. Cached input tokens are "
        "cheaper and cut time to first token. Measure the cache hit rate and keep volatile content at the end."
    ),
    rubric=[
        Criterion(id="prefix", text="Puts the stable prefix (system prompt, tools) first so it is cached.",
                        weight=1, key_phrases=["stable prefix", "system prompt"]),
        Criterion(id="savings", text="Cached input tokens are cheaper and cut time to first token.",
                        weight=1, key_phrases=["cheaper", "time to first token"]),
        Criterion(id="measure", text="Measures the cache hit rate.", weight=1, key_phrases=["hit rate"]),
    ],
)
RIGHT = ("Keep the stable system prompt and the tool definitions first so that prefix is cached. "
         "Then measure the cache hit rate on real traffic.")


def test_framed_wrong_claims_cost_points_beside_right_ones() -> None:
    judge = OfflineJudge()
    right = judge.grade_sync(QUESTION, RIGHT).total
    wrong = judge.grade_sync(QUESTION, RIGHT + " Cached tokens being cheaper is a myth. Time to first token is "
                                              "irrelevant for chat.").total
    assert right >= 6.0
    assert wrong <= MAIN_WRONG_CAP < right


def _all_met(quotes: dict[str, str]) -> Verdict:
    return Verdict(criteria=[CriterionResult(cid, "met", quote, 1.0, "") for cid, quote in quotes.items()])


def test_an_llm_verdict_marking_everything_met_pays_for_the_wrong_claims_too() -> None:
    # A model talked into marking every criterion met, quoting the answer's right sentences.
    answer = RIGHT + " Cached tokens being cheaper is a myth. Time to first token is irrelevant for chat."
    verdict = _all_met({
        "prefix": "Keep the stable system prompt and the tool definitions first so that prefix is cached.",
        "savings": "Keep the stable system prompt and the tool definitions first so that prefix is cached.",
        "measure": "Then measure the cache hit rate on real traffic.",
    })
    assert post_check(QUESTION, answer, verdict).total <= MAIN_WRONG_CAP


def test_hint_lines_quoted_by_an_llm_earn_nothing() -> None:
    answer = "Think about: the stable prefix and the system prompt. Think about: the cache hit rate."
    verdict = _all_met({
        "prefix": "Think about: the stable prefix and the system prompt.",
        "savings": "Think about: the stable prefix and the system prompt.",
        "measure": "Think about: the cache hit rate.",
    })
    assert post_check(QUESTION, answer, verdict).total == 0.0
