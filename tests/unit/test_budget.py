from datetime import UTC, datetime, timedelta

import pytest

from app.wiring import budget_from_settings, judge_from_settings
from bank.loader import load_bank
from bot.budget import BudgetGuard, DailyBudget
from bot.clock import FakeClock
from bot.config import Settings
from bot.ports import JudgeError, Verdict
from tests.fakes.judges import ScriptedJudge


async def test_spent_budget_makes_answers_wait_until_the_next_day() -> None:
    clock = FakeClock(datetime(2026, 11, 2, 12, tzinfo=UTC))
    budget = DailyBudget(0.01, clock)
    guard = BudgetGuard(ScriptedJudge(), budget)
    question = load_bank().all()[0]
    await guard.grade(question, "a great answer")
    budget.observe("scored", Verdict([], cost_usd=0.02))
    with pytest.raises(JudgeError, match="budget"):
        await guard.grade(question, "a great answer")
    clock.advance(timedelta(days=1))
    assert not budget.spent()


def test_wiring_uses_the_fallback_for_a_spent_budget() -> None:
    settings = Settings(_env_file=None, judge="openai", judge_fallback="offline", daily_budget_usd=1.0)  # type: ignore[call-arg]
    budget = budget_from_settings(settings, FakeClock(datetime(2026, 11, 2, tzinfo=UTC)))
    assert budget is not None
    judge = judge_from_settings(settings, budget)
    assert type(judge).__name__ == "FallbackJudge" and judge.budget_spent == budget.spent  # type: ignore[attr-defined]
    assert budget_from_settings(Settings(_env_file=None), FakeClock(datetime(2026, 11, 2, tzinfo=UTC))) is None  # type: ignore[call-arg]


def test_budget_trips_for_an_unknown_model_priced_by_config() -> None:
    # Defect: an unknown model was costed $0, so the daily budget never tripped.
    settings = Settings(_env_file=None, judge="openai", judge_model="acme-judge-1",  # type: ignore[call-arg]
                        judge_prices="0.25/0.025/2.00", daily_budget_usd=0.001, openai_api_key="sk-test")
    clock = FakeClock(datetime(2026, 11, 2, 12, tzinfo=UTC))
    budget = budget_from_settings(settings, clock)
    assert budget is not None
    guard = judge_from_settings(settings, budget)
    from bot.ports import Usage
    from scoring import innermost

    llm = innermost(guard.judge)  # type: ignore[attr-defined]

    cost = llm.prices.cost("acme-judge-1", Usage(2000, 0, 300))
    assert cost.known and cost.usd == pytest.approx((2000 * 0.25 + 300 * 2.0) / 1e6)
    budget.observe("scored", Verdict([], cost_usd=cost.usd))
    assert budget.spent()


def test_unknown_unpriced_model_with_a_budget_refuses_to_start() -> None:
    from bot.config import ConfigError

    settings = Settings(_env_file=None, judge="openai", judge_model="acme-judge-1",  # type: ignore[call-arg]
                        daily_budget_usd=5.0, openai_api_key="sk-test")
    budget = budget_from_settings(settings, FakeClock(datetime(2026, 11, 2, tzinfo=UTC)))
    with pytest.raises(ConfigError, match="acme-judge-1 has no price.*DRILLBOT_JUDGE_PRICES"):
        judge_from_settings(settings, budget)
    # Without a budget it starts (and warns); doctor can list the model.
    from scoring.pricing import unpriced_models

    assert unpriced_models(settings) == ["acme-judge-1"]
    assert unpriced_models(Settings(_env_file=None, judge="openai", judge_model="gpt-5-mini")) == []  # type: ignore[call-arg]
