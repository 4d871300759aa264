"""Composition root: turn settings into a judge. Imports scoring lazily so the core modules never load
the openai SDK unless the LLM judge is chosen."""

from __future__ import annotations

from bot.budget import BudgetGuard, DailyBudget
from bot.config import ConfigError, Settings
from bot.ports import Judge


def judge_from_settings(settings: Settings, budget: DailyBudget | None = None) -> Judge:
    from scoring import build_judge

    if settings.judge == "offline":
        return build_judge("offline")
    if budget is not None:
        from scoring.pricing import unpriced_models

        if unpriced := unpriced_models(settings):
            # Fail safe: a spend drillbot cannot price would never trip DRILLBOT_DAILY_BUDGET_USD.
            raise ConfigError(f"DRILLBOT_DAILY_BUDGET_USD is set but {', '.join(unpriced)} has no price: set "
                              "DRILLBOT_JUDGE_PRICES (input/cached/output USD per million, e.g. 0.25/0.025/2.00)")
    options: dict[str, object] = {
        "model": settings.judge_model,
        "base_url": settings.openai_base_url,
        "api_key": settings.openai_api_key.get_secret_value() if settings.openai_api_key else None,
        "timeout": settings.judge_timeout_s,
        "escalate_model": settings.judge_escalate_model,
        "prices": settings.judge_prices_table,
        "reasoning_effort": settings.judge_reasoning_effort,
    }
    if settings.judge_fallback == "offline":
        options["fallback_after_failures"] = settings.judge_fallback_after
        if budget is not None:
            options["budget_spent"] = budget.spent
        return build_judge("openai", **options)
    judge = build_judge("openai", **options)
    return BudgetGuard(judge, budget) if budget is not None else judge


def budget_from_settings(settings: Settings, clock) -> DailyBudget | None:  # type: ignore[no-untyped-def]
    if settings.judge != "openai" or settings.daily_budget_usd is None:
        return None
    return DailyBudget(settings.daily_budget_usd, clock)
