"""FallbackJudge: circuit breaker and budget switch to the offline judge; build_judge wiring."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from bank.schema import Criterion, Question
from bot.ports import CriterionResult, JudgeError, Verdict
from scoring import FallbackJudge, LLMJudge, OfflineJudge, build_judge
from scoring.crosscheck import CrossCheckJudge
from scoring.fallback import BUDGET_NOTE, FALLBACK_NOTE
from scoring.offline import OFFLINE_NOTE

Q = Question(
    id="q-fallback",
    category="evals",
    prompt="How do you know a prompt change did not make answers worse?",
    model_answer="Run a fixed eval set before and after the change and compare pass rates.",
    rubric=[Criterion(id="eval-set", text="Runs a fixed eval set before and after", key_phrases=["eval set"])],
)
ANSWER = "I run the same eval set before and after the change and compare the pass rates side by side."


class Flaky:
    id = "flaky"

    def __init__(self, outcomes: list[bool]):
        self.outcomes = outcomes  # True: success, False: JudgeError
        self.calls = 0

    async def grade(self, question: Question, answer: str, *, shown: Sequence[str] = ()) -> Verdict:
        ok = self.outcomes[self.calls] if self.calls < len(self.outcomes) else True
        self.calls += 1
        if not ok:
            raise JudgeError("down")
        return Verdict([CriterionResult("eval-set", "met", ANSWER)], judge_id="flaky")


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


async def test_failures_below_threshold_are_raised_for_the_core_to_retry() -> None:
    primary = Flaky([False, False, True])
    judge = FallbackJudge(primary, OfflineJudge(), after_failures=3)
    for _ in range(2):
        with pytest.raises(JudgeError):
            await judge.grade(Q, ANSWER)
    v = await judge.grade(Q, ANSWER)
    assert v.judge_id == "flaky" and not v.offline
    assert judge.consecutive_failures == 0


async def test_after_n_failures_grades_offline_and_says_so() -> None:
    clock = Clock()
    primary = Flaky([False, False, False])
    judge = FallbackJudge(primary, OfflineJudge(), after_failures=2, clock=clock, retry_primary_after_s=60)
    with pytest.raises(JudgeError):
        await judge.grade(Q, ANSWER)
    v = await judge.grade(Q, ANSWER)
    assert v.offline and v.judge_id == "offline-rubric-v1"
    assert v.feedback.startswith(FALLBACK_NOTE)
    assert OFFLINE_NOTE not in v.feedback
    assert v.total == 10.0
    # While the breaker is open the primary is not called at all.
    await judge.grade(Q, ANSWER)
    assert primary.calls == 2
    # After the cool-down the primary gets a trial; success closes the breaker.
    clock.t = 61
    v = await judge.grade(Q, ANSWER)
    assert primary.calls == 3
    assert v.offline  # the trial failed (third False) -> offline again
    clock.t = 200
    v = await judge.grade(Q, ANSWER)
    assert not v.offline and judge.consecutive_failures == 0


async def test_budget_spent_goes_straight_to_offline() -> None:
    spent = {"flag": True}
    primary = Flaky([])
    judge = FallbackJudge(primary, OfflineJudge(), after_failures=3, budget_spent=lambda: spent["flag"])
    v = await judge.grade(Q, ANSWER)
    assert v.offline and v.feedback.startswith(BUDGET_NOTE)
    assert primary.calls == 0
    spent["flag"] = False
    assert not (await judge.grade(Q, ANSWER)).offline


def test_build_judge_variants() -> None:
    assert isinstance(build_judge("offline"), OfflineJudge)
    llm = build_judge("openai", model="gpt-4.1-mini", api_key="k", base_url="http://127.0.0.1:9/v1")
    # The LLM judge comes wrapped in the cross-check against the offline judge (issue 13).
    assert isinstance(llm, CrossCheckJudge) and isinstance(llm.primary, LLMJudge)
    assert llm.id == "openai:gpt-4.1-mini"
    wrapped = build_judge("openai", api_key="k", fallback_after_failures=2)
    assert isinstance(wrapped, FallbackJudge) and wrapped.after_failures == 2
    with pytest.raises(TypeError):
        build_judge("offline", model="x")
