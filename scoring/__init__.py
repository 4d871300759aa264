"""Judges that score answers: a deterministic offline rubric matcher and an LLM judge."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.ports import Judge
from scoring.fallback import FallbackJudge
from scoring.offline import OfflineJudge

if TYPE_CHECKING:
    from scoring.llm import LLMJudge

__all__ = ["FallbackJudge", "LLMJudge", "OfflineJudge", "build_judge", "innermost"]


def __getattr__(name: str) -> Any:
    # The openai SDK (~25 MB, ~0.6 s to import) loads only when the LLM judge is actually wanted.
    if name == "LLMJudge":
        from scoring.llm import LLMJudge

        return LLMJudge
    raise AttributeError(f"module 'scoring' has no attribute {name!r}")


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
        from scoring.crosscheck import CrossCheckJudge
        from scoring.llm import LLMJudge

        # Two signals: a total far above what the offline judge supports is held (scoring/crosscheck.py).
        judge: Judge = CrossCheckJudge(LLMJudge(**options))
        if after is not None or budget is not None:
            judge = FallbackJudge(judge, OfflineJudge(), after_failures=after or 3, budget_spent=budget)
        return judge
    raise ValueError(f"unknown judge kind {kind!r}: expected 'offline' or 'openai'")


def innermost(judge: Judge) -> Judge:
    """The judge under the wrappers (FallbackJudge, CrossCheckJudge expose it as `.inner`): the LLM judge,
    for what only it can do (Batch API requests, its price table)."""
    while (inner := getattr(judge, "inner", None)) is not None:
        judge = inner
    return judge
