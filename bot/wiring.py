"""Composition root: turn settings into a judge and a running core. Imports scoring lazily so the
core modules never load the openai SDK unless the LLM judge is chosen."""

from __future__ import annotations

from bot.config import Settings
from bot.ports import Judge


def judge_from_settings(settings: Settings) -> Judge:
    from scoring import build_judge

    if settings.judge == "offline":
        return build_judge("offline")
    options: dict[str, object] = {
        "model": settings.judge_model,
        "base_url": settings.openai_base_url,
        "api_key": settings.openai_api_key.get_secret_value() if settings.openai_api_key else None,
        "timeout": settings.judge_timeout_s,
        "escalate_model": settings.judge_escalate_model,
    }
    if settings.judge_fallback == "offline":
        options["fallback_after_failures"] = settings.judge_fallback_after
    return build_judge("openai", **options)
