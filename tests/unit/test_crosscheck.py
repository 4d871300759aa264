"""CrossCheckJudge: an LLM total far above the offline judge's is held and the disagreement recorded."""

from __future__ import annotations

from bank.loader import load_bank
from bot.ports import CriterionResult, Verdict
from scoring.crosscheck import DISAGREE_AT, CrossCheckJudge
from scoring.rubric import rubric_for

Q = load_bank().questions["sd-workflow-or-agent"]


class AllMet:
    """Stands in for an LLM judge talked into marking everything met."""

    id = "all-met"

    async def grade(self, question, answer, **_: object) -> Verdict:  # type: ignore[no-untyped-def]
        return Verdict([CriterionResult(i.id, "met", answer[:40], i.weight) for i in rubric_for(question)])


async def test_wide_disagreement_is_held_and_recorded() -> None:
    v = await CrossCheckJudge(AllMet()).grade(Q, "I like turtles and long walks on the beach every weekend.")
    assert v.status == "held" and "not scored" in v.status_reason
    assert v.checks["llm"] == 10.0 and v.checks["gap"] > DISAGREE_AT


async def test_agreement_is_shown_with_both_signals_recorded() -> None:
    v = await CrossCheckJudge(AllMet()).grade(Q, Q.model_answer)
    assert v.status == "scored" and v.checks["offline"] >= 8.0 and abs(v.checks["gap"]) <= DISAGREE_AT


async def test_batch_path_reaches_the_llm_judge_and_still_cross_checks() -> None:
    from scoring import build_judge, innermost
    from scoring.llm import LLMJudge

    judge = build_judge("openai", model="gpt-4o-mini", base_url="http://127.0.0.1:9/v1", api_key="sk-test",
                        fallback_after_failures=3)
    llm = innermost(judge)
    assert isinstance(llm, LLMJudge) and llm.model == "gpt-4o-mini"
    # A verdict graded elsewhere (a Batch API line) goes through the same check as an online one.
    checker = judge.inner  # type: ignore[attr-defined]
    verdict = await AllMet().grade(Q, "I like turtles and long walks on the beach every weekend.")
    assert checker.check(Q, "I like turtles and long walks on the beach every weekend.", verdict).status == "held"
    await llm.aclose()
