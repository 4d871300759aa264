"""LLMJudge: grades with any OpenAI-compatible chat endpoint through the official openai SDK.

The model only picks a verdict and a quote per criterion; the code checks the quotes, merges the
deterministic flags and computes the score. Transport failures are left to the SDK's retries (with
Retry-After); bad outputs (refusal, truncation, schema mismatch) get one more try of our own.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import openai
from pydantic import BaseModel, ConfigDict, ValidationError

from bank.schema import Question
from bot.ports import FLAGS, CriterionResult, JudgeError, Usage, Verdict
from scoring.evidence import verify
from scoring.flags import detect_flags, injection_in
from scoring.guard import post_check
from scoring.pricing import Price, PriceTable
from scoring.prompt import render, unmark
from scoring.rubric import RubricItem, public_text, rubric_for

log = logging.getLogger(__name__)

GRADE_BOUNDARIES = (4.0, 7.0)
ESCALATE_WITHIN = 0.5
FEEDBACK_CHARS = 1200


class WireCriterion(BaseModel):
    """Stable wire schema: only what the code cannot compute itself, no free-form reasoning."""

    model_config = ConfigDict(extra="forbid")

    id: str
    verdict: Literal["met", "partial", "missed"]
    evidence: str


class WireVerdict(BaseModel):
    model_config = ConfigDict(extra="forbid")

    criteria: list[WireCriterion]
    feedback: str
    follow_up: str
    flags: list[str]


class _BadOutput(Exception):
    """The endpoint answered, but not with a usable verdict (worth one more try)."""

    def __init__(self, message: str, usage: Usage, retryable: bool = True):
        super().__init__(message)
        self.usage = usage
        self.retryable = retryable


@dataclass
class _Call:
    wire: WireVerdict
    usage: Usage
    marker: str


def _usage(raw: object) -> Usage:
    if raw is None:
        return Usage()
    details = getattr(raw, "prompt_tokens_details", None)
    return Usage(
        input_tokens=getattr(raw, "prompt_tokens", 0) or 0,
        cached_tokens=(getattr(details, "cached_tokens", 0) or 0) if details else 0,
        output_tokens=getattr(raw, "completion_tokens", 0) or 0,
    )


class LLMJudge:
    def __init__(
        self,
        *,
        model: str = "gpt-4o-mini",
        base_url: str | None = None,
        api_key: str | None = None,
        timeout: float = 30.0,
        max_retries: int = 2,
        escalate_model: str | None = None,
        prices: dict[str, Price | tuple[float, float, float]] | None = None,
        temperature: float | None = None,
        max_output_tokens: int = 1200,
        client: openai.AsyncOpenAI | None = None,
    ):
        self.model = model
        self.escalate_model = escalate_model
        self.temperature = temperature
        self.max_output_tokens = max_output_tokens
        self.prices = PriceTable(prices)
        self.id = f"openai:{model}"
        # The SDK insists on a key; local OpenAI-compatible servers ignore it.
        key = api_key or os.environ.get("OPENAI_API_KEY") or "unused"
        self.client = client or openai.AsyncOpenAI(
            base_url=base_url, api_key=key, max_retries=max_retries, timeout=timeout
        )
        self._warned_unpriced: set[str] = set()

    async def aclose(self) -> None:
        """Close the HTTP connection pool (call on shutdown)."""
        await self.client.close()

    async def grade(self, question: Question, answer: str, *, shown: Sequence[str] = ()) -> Verdict:
        started = time.perf_counter()
        items = rubric_for(question)
        flags = detect_flags(question, answer)
        if "empty" in flags:
            # Nothing to grade: no need to pay for a call.
            results = [CriterionResult(i.id, "missed", "", i.weight, public_text(i)) for i in items]
            return Verdict(results, "The answer was empty.", "", flags, self.id, offline=False)
        verdict = await self._grade_with(self.model, question, items, answer, flags)
        if self.escalate_model and self._needs_escalation(verdict):
            try:
                second = await self._grade_with(self.escalate_model, question, items, answer, flags)
            except JudgeError as exc:
                # The first verdict is still a valid grade; escalation is a refinement.
                log.warning("escalation to %s failed, keeping first verdict: %s", self.escalate_model, exc)
            else:
                second.usage = verdict.usage + second.usage
                second.cost_usd += verdict.cost_usd
                verdict = second
        # judge-evidence hook: evidence must support its criterion; flags bound the score (scoring/guard.py).
        verdict = post_check(question, answer, verdict, shown)
        verdict.latency_ms = (time.perf_counter() - started) * 1000
        return verdict

    @staticmethod
    def _needs_escalation(verdict: Verdict) -> bool:
        near = any(abs(verdict.total - b) <= ESCALATE_WITHIN for b in GRADE_BOUNDARIES)
        return near or bool(verdict.flags)

    async def _grade_with(
        self, model: str, question: Question, items: list[RubricItem], answer: str, flags: list[str]
    ) -> Verdict:
        usage = Usage()
        last: _BadOutput | None = None
        for _attempt in range(2):  # bad outputs get exactly one retry
            try:
                call = await self._call(model, question, items, answer)
            except _BadOutput as exc:
                usage = usage + exc.usage
                last = exc
                continue
            usage = usage + call.usage
            return self._to_verdict(model, call, items, answer, flags, usage)
        assert last is not None
        raise JudgeError(f"{model}: {last}", retryable=last.retryable)

    async def _call(self, model: str, question: Question, items: list[RubricItem], answer: str) -> _Call:
        rendered = render(question, items, answer)
        extra: dict[str, object] = {}
        if self.temperature is not None:
            extra["temperature"] = self.temperature
        try:
            completion = await self.client.chat.completions.parse(
                model=model,
                messages=rendered.messages,  # type: ignore[arg-type]
                response_format=WireVerdict,
                prompt_cache_key=question.id,
                max_completion_tokens=self.max_output_tokens,
                **extra,  # type: ignore[arg-type]
            )
        except openai.LengthFinishReasonError as exc:
            raise _BadOutput("output truncated (finish_reason=length)", _usage(exc.completion.usage)) from exc
        except openai.ContentFilterFinishReasonError as exc:
            raise _BadOutput("output blocked by content filter", Usage(), retryable=False) from exc
        except (ValidationError, ValueError) as exc:
            # Malformed JSON or JSON that does not fit the schema (pydantic raises while parsing).
            raise _BadOutput(f"schema-invalid output: {str(exc)[:200]}", Usage()) from exc
        except openai.APITimeoutError as exc:
            raise JudgeError(f"{model}: timed out", retryable=True) from exc
        except openai.APIConnectionError as exc:
            raise JudgeError(f"{model}: connection failed: {exc}", retryable=True) from exc
        except openai.APIStatusError as exc:
            # 429/5xx were already retried by the SDK; 4xx like 401/404 are configuration problems.
            retryable = exc.status_code in (408, 409, 429) or exc.status_code >= 500
            raise JudgeError(f"{model}: HTTP {exc.status_code}: {exc.message}", retryable=retryable) from exc
        except openai.OpenAIError as exc:
            raise JudgeError(f"{model}: {exc}", retryable=True) from exc
        usage = _usage(completion.usage)
        if not completion.choices:
            raise _BadOutput("no choices in response", usage)
        message = completion.choices[0].message
        if message.refusal:
            raise _BadOutput(f"model refused: {message.refusal[:200]}", usage, retryable=False)
        if message.parsed is None:
            raise _BadOutput("empty output", usage)
        return _Call(message.parsed, usage, rendered.marker)

    def _to_verdict(
        self,
        model: str,
        call: _Call,
        items: list[RubricItem],
        answer: str,
        flags: list[str],
        usage: Usage,
    ) -> Verdict:
        by_id: dict[str, WireCriterion] = {}
        for c in call.wire.criteria:
            by_id.setdefault(c.id, c)  # unknown ids are ignored below, duplicates keep the first
        results = []
        for item in items:
            wire = by_id.get(item.id)
            verdict = wire.verdict if wire else "missed"
            evidence = unmark(wire.evidence, call.marker).strip() if wire else ""
            results.append(CriterionResult(item.id, verdict, evidence, item.weight, public_text(item)))
        # A quote the answer does not contain, or one taken from text aimed at the grader, is no evidence.
        results = verify(results, answer, reject=injection_in)
        model_flags = [f for f in call.wire.flags if f in FLAGS]
        merged = [f for f in FLAGS if f in flags or f in model_flags]
        cost = self.prices.cost(model, usage)
        if not cost.known and model not in self._warned_unpriced:
            self._warned_unpriced.add(model)
            log.warning("no price for model %s: cost reported as 0", model)
        return Verdict(
            criteria=results,
            feedback=call.wire.feedback.strip()[:FEEDBACK_CHARS],
            follow_up=call.wire.follow_up.strip()[:300],
            flags=merged,
            judge_id=f"openai:{model}",
            offline=False,
            usage=usage,
            cost_usd=cost.usd,
        )
