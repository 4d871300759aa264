"""Suite 4: what the LLM judge's prompts and verdicts cost, counted offline (method: scoring/tokens.py).

Every prompt is rendered exactly as LLMJudge sends it; every output is the v2 wire JSON a model returns,
filled from the offline judge's verdict on the same answer. Answers are sent grouped by question, as
`drillbot eval` sends them, so later answers to a question reuse its cached per-question prefix.
Each figure is priced for several models from the same token counts (PRICE_MODELS).
"""

from __future__ import annotations

import statistics

from bench.common import eval_items
from scoring.offline import OfflineJudge
from scoring.pricing import PRICES_AS_OF, PriceTable
from scoring.tokens import encoder, estimate

MODEL = "gpt-5-mini"  # the headline price: a current small reasoning model
PRICE_MODELS = ("gpt-5-mini", "gpt-4o-mini", "gpt-5-nano", "gpt-4.1-mini", "gpt-5")


def run(quick: bool, price_models: tuple[str, ...] = PRICE_MODELS) -> dict[str, object]:
    method, count = encoder()
    items = eval_items()
    if quick:
        items = items[::4]
    judge = OfflineJudge()
    rows = estimate(((i.question, i.text) for i in items), judge.grade_sync, count)
    prices = PriceTable()

    def per_1000(model: str) -> float | None:
        costs = [prices.cost(model, r.usage()) for r in rows]
        return round(1000 * statistics.mean(c.usd for c in costs), 4) if all(c.known for c in costs) else None

    by_model = {m: per_1000(m) for m in price_models}
    return {
        "answers": len(rows),
        "questions": len({r.question_id for r in rows}),
        "source": items[0].source if items else "",
        "tokenizer": method,
        "output_counting": "tokens of the v2 wire JSON (compact) filled from the offline judge's verdict; "
                           "excludes hidden reasoning tokens",
        "prices_as_of": PRICES_AS_OF,
        "model": MODEL,
        "prefix_tokens": int(statistics.mean(r.prompt.global_prefix for r in rows)),
        "question_prefix_tokens_mean": round(statistics.mean(r.prompt.question_prefix for r in rows), 1),
        "input_tokens_mean": round(statistics.mean(r.prompt.total for r in rows), 1),
        "cacheable_prefix_share": round(statistics.mean(r.prompt.global_prefix / r.prompt.total for r in rows), 3),
        "cached_share_per_question": round(
            statistics.mean(r.prompt.question_prefix / r.prompt.total for r in rows), 3),
        "cached_tokens_mean": round(statistics.mean(r.cached for r in rows), 1),
        "output_tokens_mean": round(statistics.mean(r.output for r in rows), 1),
        "output_tokens_max": max(r.output for r in rows),
        "usd_per_1000_answers": by_model.get(MODEL),
        "usd_per_1000_by_model": by_model,
    }
