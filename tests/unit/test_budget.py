from datetime import UTC, datetime, timedelta

import pytest

from bank.loader import load_bank
from bot.budget import BudgetGuard, DailyBudget
from bot.clock import FakeClock
from bot.config import Settings
from bot.ports import JudgeError, Verdict
from bot.wiring import budget_from_settings, judge_from_settings
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
