"""The daily LLM spend cap (DRILLBOT_DAILY_BUDGET_USD), tracked from recorded scores.

The worker reports each verdict's cost; the total for the current UTC day is loaded from the scores
table at start, so a restart does not reset the cap.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time

from bank.schema import Question
from bot.clock import Clock
from bot.ports import Judge, JudgeError, Verdict
from bot.services.context import Context


class DailyBudget:
    def __init__(self, limit_usd: float, clock: Clock):
        self.limit_usd = limit_usd
        self.clock = clock
        self.day: date = clock.now().date()
        self.spent_usd = 0.0

    def _roll(self) -> None:
        today = self.clock.now().astimezone(UTC).date()
        if today != self.day:
            self.day, self.spent_usd = today, 0.0

    async def load(self, ctx: Context) -> None:
        self._roll()
        start = datetime.combine(self.day, time(0), tzinfo=UTC)
        async with ctx.uow() as uow:
            self.spent_usd = await uow.scores.cost_since(start)

    def observe(self, event: str, payload: object) -> None:
        if event == "scored" and isinstance(payload, Verdict):
            self._roll()
            self.spent_usd += payload.cost_usd

    def spent(self) -> bool:
        self._roll()
        return self.spent_usd >= self.limit_usd


class BudgetGuard:
    """Without an offline fallback, a spent budget makes answers wait (pending) until the next day."""

    def __init__(self, judge: Judge, budget: DailyBudget):
        self.judge = judge
        self.budget = budget
        self.id = judge.id

    async def grade(self, question: Question, answer: str, *, shown: Sequence[str] = ()) -> Verdict:
        if self.budget.spent():
            raise JudgeError("today's LLM budget is spent; scoring resumes tomorrow", reason="budget")
        return await self.judge.grade(question, answer, shown=shown)
