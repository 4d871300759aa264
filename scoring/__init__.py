"""Judges that score answers: a deterministic offline rubric matcher and an LLM judge."""

from __future__ import annotations

from typing import Any

from bot.ports import Judge
from scoring.fallback import FallbackJudge
from scoring.llm import LLMJudge
from scoring.offline import OfflineJudge

__all__ = ["FallbackJudge", "LLMJudge", "OfflineJudge", "build_judge"]


def build_judge(kind: str, **options: Any) -> Judge:
    """`offline` or `openai`. For `openai`, `fallback_after_failures` (int) and `budget_spent`
    (callable) wrap it in a FallbackJudge over the offline judge; other options go to LLMJudge."""
    kind = kind.strip().lower()
    if kind == "offline":
        if options:
            raise TypeError(f"offline judge takes no options, got {sorted(options)}")
        return OfflineJudge()
    if kind == "openai":
        after = options.pop("fallback_after_failures", None)
        budget = options.pop("budget_spent", None)
        judge: Judge = LLMJudge(**options)
        if after is not None or budget is not None:
            judge = FallbackJudge(judge, OfflineJudge(), after_failures=after or 3, budget_spent=budget)
        return judge
    raise ValueError(f"unknown judge kind {kind!r}: expected 'offline' or 'openai'")
