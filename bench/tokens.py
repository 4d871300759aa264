"""Suite 4: what the LLM judge's prompts and verdicts cost, counted offline (method: scoring/tokens.py).

Every prompt is rendered exactly as LLMJudge sends it; every output is the v2 wire JSON a model returns,
filled from the offline judge's verdict on the same answer. Answers are sent grouped by question, as
`drillbot eval` sends them, so later answers to a question reuse its cached per-question prefix.
Each figure is priced for several models from the same token counts (PRICE_MODELS).
"""

from __future__ import annotations

import statistics

from bank.loader import load_bank
from bench.common import eval_items
from bot.ports import Usage
from scoring.offline import OfflineJudge
from scoring.pricing import PRICES_AS_OF, PriceTable
from scoring.tokens import encoder, estimate

MODEL = "gpt-5-mini"  # the headline price: a current small reasoning model
PRICE_MODELS = ("gpt-5-mini", "gpt-4o-mini", "gpt-5-nano", "gpt-4.1-mini", "gpt-5")


def run(quick: bool, price_models: tuple[str, ...] = PRICE_MODELS) -> dict[str, object]:
    method, count = encoder()
    # The product grades bank questions; answers to an eval set's own rubric-less questions (which carry
    # their model answer in the prompt) would measure a different prompt shape.
    bank_ids = {q.id for q in load_bank().all()}
    items = [i for i in eval_items() if i.question.id in bank_ids]
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


# Mock interviews: input and cached tokens per turn ---------------------------------------------------------
def interview_run(quick: bool) -> dict[str, float | str | int]:
    """A mock interview's turns priced like single answers: each bank question's first answer, then its
    follow-ups graded as the interview grades them (bot.services.interview.follow_up_question). A session
    must cost at most the same number of single answers: `session_vs_single_ratio` <= 1. Counted with the
    same prompt and wire accounting as `run` (scoring/tokens.py)."""
    from bank.loader import load_bank
    from bot.services.interview import MAX_FOLLOW_UPS, follow_up_question
    from scoring.prompt import render
    from scoring.rubric import rubric_for
    from scoring.tokens import cacheable, count_prompt, wire_json

    _, count = encoder()
    judge = OfflineJudge()
    prices = PriceTable()
    questions = load_bank().all()
    if quick:
        questions = questions[::4]
    per_kind: dict[str, list[tuple[int, int, int, float]]] = {"question": [], "follow_up": []}
    for q in questions:
        turns = [("question", q, " ".join(q.model_answer.split()[:90]))]
        for n, f in enumerate(q.follow_ups[:MAX_FOLLOW_UPS], 1):
            turns.append(("follow_up", follow_up_question(q, f.prompt, n)[0], " ".join(q.model_answer.split()[:60])))
        for kind, question, text in turns:
            rendered = render(question, rubric_for(question), text)
            prompt = count_prompt(rendered, count)
            cached = cacheable(prompt.global_prefix)
            out = count(wire_json(judge.grade_sync(question, text), rendered))
            usage = Usage(prompt.total, cached, out)
            per_kind[kind].append((prompt.total, cached, out, prices.cost(MODEL, usage).usd))
    single, follow = per_kind["question"], per_kind["follow_up"]

    def mean(rows: list[tuple[int, int, int, float]], i: int) -> float:
        return statistics.mean(r[i] for r in rows) if rows else 0.0

    turns_per_question = 1 + len(follow) / len(single)
    session_usd = mean(single, 3) + (turns_per_question - 1) * mean(follow, 3)
    return {
        "questions": len(single),
        "follow_up_turns": len(follow),
        "model": MODEL,
        "question_input_tokens_mean": round(mean(single, 0), 1),
        "question_cached_tokens_mean": round(mean(single, 1), 1),
        "follow_up_input_tokens_mean": round(mean(follow, 0), 1),
        "follow_up_cached_tokens_mean": round(mean(follow, 1), 1),
        "follow_up_output_tokens_mean": round(mean(follow, 2), 1),
        "usd_per_question_turn": round(mean(single, 3), 6),
        "usd_per_follow_up_turn": round(mean(follow, 3), 6),
        # One question with its follow-ups against the same number of single answers.
        "session_vs_single_ratio": round(session_usd / (turns_per_question * mean(single, 3)), 3),
    }
