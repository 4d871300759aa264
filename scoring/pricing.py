"""USD prices per million tokens, and the cost of one call's usage.

The table is OpenAI's public list price for the standard (synchronous) tier, per million tokens:
input / cached input / output. Source: https://platform.openai.com/docs/pricing, as listed on
PRICES_AS_OF (the gpt-5 launch). The Batch API bills half of these (BATCH_DISCOUNT). Prices change:
an operator sets `DRILLBOT_JUDGE_PRICES` rather than waiting for a release.

A model missing from the table is *unknown*, never free: `PriceTable.cost` says so (`known=False`), the
judge warns at start and `unpriced_models` lets `drillbot doctor` list it. With a daily budget set,
drillbot refuses to start on an unpriced model (see app/wiring.py), because a cost it cannot count
would never trip the budget.

Reasoning tokens: OpenAI counts them inside `completion_tokens` and bills them as output, so
`Usage.output_tokens` already includes them; `Usage.reasoning_tokens` records how many of them there were.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.ports import Usage
from bot.prices import Price

PRICES_AS_OF = "2025-08-07"
PRICES_SOURCE = "https://platform.openai.com/docs/pricing"
BATCH_DISCOUNT = 0.5


DEFAULT_PRICES: dict[str, Price] = {
    # gpt-5 family (reasoning models)
    "gpt-5": Price(1.25, 0.125, 10.00),
    "gpt-5-mini": Price(0.25, 0.025, 2.00),
    "gpt-5-nano": Price(0.05, 0.005, 0.40),
    "gpt-5-chat-latest": Price(1.25, 0.125, 10.00),
    # o-series (reasoning models); o3-pro has no cached-input discount
    "o3": Price(2.00, 0.50, 8.00),
    "o3-pro": Price(20.00, 20.00, 80.00),
    "o3-mini": Price(1.10, 0.55, 4.40),
    "o4-mini": Price(1.10, 0.275, 4.40),
    "o1": Price(15.00, 7.50, 60.00),
    "o1-mini": Price(1.10, 0.55, 4.40),
    # gpt-4.1 and gpt-4o (non-reasoning)
    "gpt-4.1": Price(2.00, 0.50, 8.00),
    "gpt-4.1-mini": Price(0.40, 0.10, 1.60),
    "gpt-4.1-nano": Price(0.10, 0.025, 0.40),
    "gpt-4o": Price(2.50, 1.25, 10.00),
    "gpt-4o-mini": Price(0.15, 0.075, 0.60),
}

PriceLike = Price | tuple[float, float, float]
_SNAPSHOT = re.compile(r"-\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Cost:
    usd: float
    known: bool  # False: the model has no price; usd is 0 and must be reported as unknown, not free


class PriceTable:
    def __init__(self, overrides: dict[str, PriceLike] | None = None):
        self.prices = dict(DEFAULT_PRICES)
        for model, price in (overrides or {}).items():
            self.prices[model] = price if isinstance(price, Price) else Price(*price)

    def lookup(self, model: str) -> Price | None:
        if model in self.prices:
            return self.prices[model]
        # Dated snapshots ("gpt-5-mini-2025-08-07") are priced like their alias.
        return self.prices.get(_SNAPSHOT.sub("", model))

    def cost(self, model: str, usage: Usage, *, batch: bool = False) -> Cost:
        price = self.lookup(model)
        if price is None:
            return Cost(0.0, known=False)
        cached = min(usage.cached_tokens, usage.input_tokens)
        usd = (
            (usage.input_tokens - cached) * price.input
            + cached * price.cached_input
            + usage.output_tokens * price.output  # includes reasoning tokens (see module doc)
        ) / 1_000_000
        return Cost(usd * (BATCH_DISCOUNT if batch else 1.0), known=True)


def cost_usd(model: str, usage: Usage, overrides: dict[str, PriceLike] | None = None) -> Cost:
    return PriceTable(overrides).cost(model, usage)


def unpriced(models: Iterable[str | None], overrides: dict[str, PriceLike] | None = None) -> list[str]:
    """The models among `models` that neither the table nor the overrides price."""
    table = PriceTable(overrides)
    return [m for m in dict.fromkeys(m for m in models if m) if table.lookup(m) is None]


def unpriced_models(settings: object) -> list[str]:
    """For `drillbot doctor` and start-up: the configured judge models that have no price.

    Empty when the offline judge is used (it costs nothing)."""
    if getattr(settings, "judge", "offline") != "openai":
        return []
    return unpriced([getattr(settings, "judge_model", None), getattr(settings, "judge_escalate_model", None)],
                    getattr(settings, "judge_prices_table", None))
