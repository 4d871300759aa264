"""USD prices per million tokens, and the cost of one call's usage."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.ports import Usage


@dataclass(frozen=True)
class Price:
    input: float
    cached_input: float
    output: float


# Public list prices at the time of writing; operators override them via config when they change.
DEFAULT_PRICES: dict[str, Price] = {
    "gpt-4o-mini": Price(0.15, 0.075, 0.60),
    "gpt-4o": Price(2.50, 1.25, 10.00),
    "gpt-4.1": Price(2.00, 0.50, 8.00),
    "gpt-4.1-mini": Price(0.40, 0.10, 1.60),
    "gpt-4.1-nano": Price(0.10, 0.025, 0.40),
    "o4-mini": Price(1.10, 0.275, 4.40),
}


@dataclass(frozen=True)
class Cost:
    usd: float
    known: bool  # False: the model has no price, usd is 0 and the caller should warn


class PriceTable:
    def __init__(self, overrides: dict[str, Price | tuple[float, float, float]] | None = None):
        self.prices = dict(DEFAULT_PRICES)
        for model, price in (overrides or {}).items():
            self.prices[model] = price if isinstance(price, Price) else Price(*price)

    def lookup(self, model: str) -> Price | None:
        if model in self.prices:
            return self.prices[model]
        # Dated snapshots ("gpt-4o-mini-2024-07-18") are priced like their alias.
        base = re.sub(r"-\d{4}-\d{2}-\d{2}$", "", model)
        return self.prices.get(base)

    def cost(self, model: str, usage: Usage) -> Cost:
        price = self.lookup(model)
        if price is None:
            return Cost(0.0, known=False)
        cached = min(usage.cached_tokens, usage.input_tokens)
        usd = (
            (usage.input_tokens - cached) * price.input
            + cached * price.cached_input
            + usage.output_tokens * price.output
        ) / 1_000_000
        return Cost(usd, known=True)


def cost_usd(model: str, usage: Usage, overrides: dict[str, Price | tuple[float, float, float]] | None = None) -> Cost:
    return PriceTable(overrides).cost(model, usage)
