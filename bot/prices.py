"""The `DRILLBOT_JUDGE_PRICES` format: USD per million tokens, 'input/cached/output'.

The core owns the format so that settings reject a bad value when they load, naming the variable,
without importing scoring; scoring/pricing.py holds the price table and the cost arithmetic."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Price:
    input: float
    cached_input: float
    output: float

    def __str__(self) -> str:
        return f"${self.input:g} / ${self.cached_input:g} / ${self.output:g} per M (input / cached / output)"


class PriceError(ValueError):
    pass


def parse_price(text: str) -> Price:
    """'0.25/0.025/2.00' (USD per million: input / cached input / output) -> Price."""
    parts = text.strip().split("/")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        values = []
    if len(values) != 3 or any(v < 0 for v in values):
        raise PriceError(f"price {text.strip()!r} must be input/cached/output USD per million, e.g. 0.25/0.025/2.00")
    return Price(*values)


def parse_prices(text: str, default_model: str) -> dict[str, Price]:
    """`DRILLBOT_JUDGE_PRICES`: a bare 'in/cached/out' prices the judge model; 'model=in/cached/out'
    entries (comma-separated) price any other model, e.g. for the escalation model."""
    out: dict[str, Price] = {}
    for entry in filter(None, (e.strip() for e in text.split(","))):
        model, sep, price = entry.rpartition("=")
        out[model.strip() if sep else default_model] = parse_price(price)
    return out
