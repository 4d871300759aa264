"""FallbackJudge: keep grading offline while the LLM judge is down or the daily budget is spent.

A circuit breaker: after N consecutive primary failures every answer goes to the fallback; after a
cool-down the primary gets one trial answer again. Below N, a failure is re-raised so the core keeps
the answer pending and retries it (one blip should not cost the user an LLM grade).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from bank.schema import Question
from bot.ports import BUDGET_NOTE, FALLBACK_NOTE, Judge, JudgeError, Verdict
from scoring.crosscheck import shown_kwargs as _shown
from scoring.offline import OFFLINE_NOTE


class FallbackJudge:
    def __init__(
        self,
        primary: Judge,
        fallback: Judge,
        *,
        after_failures: int = 3,
        budget_spent: Callable[[], bool] | None = None,
        retry_primary_after_s: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        if after_failures < 1:
            raise ValueError("after_failures must be >= 1")
        self.primary = primary
        self.fallback = fallback
        self.after_failures = after_failures
        self.budget_spent = budget_spent
        self.retry_primary_after_s = retry_primary_after_s
        self.clock = clock
        self.id = primary.id
        self.consecutive_failures = 0
        self._open_since: float | None = None

    @property
    def inner(self) -> Judge:
        """The judge it protects: batch grading and price lookups need it unwrapped (scoring.innermost)."""
        return self.primary

    @property
    def tripped(self) -> bool:
        return self.consecutive_failures >= self.after_failures

    async def grade(self, question: Question, answer: str, *, shown: Sequence[str] = ()) -> Verdict:
        if self.budget_spent is not None and self.budget_spent():
            return await self._fallback(question, answer, BUDGET_NOTE, shown)
        cooling = self._open_since is not None and self.clock() - self._open_since < self.retry_primary_after_s
        if self.tripped and cooling:
            return await self._fallback(question, answer, FALLBACK_NOTE, shown)
        try:
            verdict = await self.primary.grade(question, answer, **_shown(shown))
        except JudgeError:
            self.consecutive_failures += 1
            if not self.tripped:
                raise
            self._open_since = self.clock()
            return await self._fallback(question, answer, FALLBACK_NOTE, shown)
        self.consecutive_failures = 0
        self._open_since = None
        return verdict

    async def _fallback(self, question: Question, answer: str, note: str, shown: Sequence[str] = ()) -> Verdict:
        verdict = await self.fallback.grade(question, answer, **_shown(shown))
        verdict.offline = True
        # The offline note tells users how to enable the LLM judge; here it is enabled but unavailable.
        body = verdict.feedback.replace(OFFLINE_NOTE, "").lstrip("\n")
        verdict.feedback = f"{note}\n{body}" if body else note
        return verdict
