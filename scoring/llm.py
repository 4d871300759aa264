"""LLMJudge: grades with any OpenAI-compatible chat endpoint through the official openai SDK.

The model only picks a verdict per criterion and cites the numbers of the answer's sentences that
support it (wire schema v2, docs/judge-wire.md); the code maps the numbers back to the exact words,
checks them, merges the deterministic flags and computes the score. Transport failures are left to the
SDK's retries (with Retry-After); bad outputs (refusal, a length stop, malformed JSON, JSON of the wrong
shape) get one more try of our own, and every failure carries a reason for reports.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import openai
from pydantic import BaseModel, ConfigDict, ValidationError

try:  # openai>=3 ships its own httpx fork; the SDK hands back that library's Response
    import httpx2 as httpx  # type: ignore[import-not-found]
except ImportError:
    import httpx  # type: ignore[no-redef]

from bank.schema import Question
from bot.ports import FLAGS, CriterionMark, CriterionResult, JudgeError, Usage, Verdict
from scoring.evidence import verify
from scoring.families import family
from scoring.flags import detect_flags, injection_in
from scoring.guard import post_check
from scoring.pricing import PriceLike, PriceTable
from scoring.prompt import Rendered, render
from scoring.rubric import RubricItem, public_text, rubric_for

log = logging.getLogger(__name__)

GRADE_BOUNDARIES = (4.0, 7.0)
ESCALATE_WITHIN = 0.5
FEEDBACK_CHARS = 1200


class WireCriterion(BaseModel):
    """Wire schema v2 (scoring.prompt.WIRE_VERSION, docs/judge-wire.md): only what code cannot compute."""

    model_config = ConfigDict(extra="forbid")

    id: str
    sentences: list[int]  # numbers of the answer's sentences that support the verdict


class WireVerdict(BaseModel):
    model_config = ConfigDict(extra="forbid")

    met: list[WireCriterion]
    partial: list[WireCriterion]  # a criterion in neither list is missed
    feedback: str
    follow_up: str
    flags: list[str]


class _RawMessage(BaseModel):
    content: str | None = None
    refusal: str | None = None


class _RawChoice(BaseModel):
    finish_reason: str | None = None
    message: _RawMessage = _RawMessage()


class _PromptDetails(BaseModel):
    cached_tokens: int | None = None


class _OutputDetails(BaseModel):
    reasoning_tokens: int | None = None


class _RawUsage(BaseModel):
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    prompt_tokens_details: _PromptDetails | None = None
    completion_tokens_details: _OutputDetails | None = None


class _RawCompletion(BaseModel):
    """The few fields of a chat completion the judge reads (others are ignored), parsed in one pass by
    pydantic's JSON parser instead of the SDK building its full ChatCompletion object tree."""

    choices: list[_RawChoice] = []
    usage: _RawUsage | None = None


class _BadOutput(Exception):
    """The endpoint answered, but not with a usable verdict (worth one more try)."""

    def __init__(self, message: str, usage: Usage, reason: str, retryable: bool = True):
        super().__init__(message)
        self.usage = usage
        self.reason = reason
        self.retryable = retryable


@dataclass
class _Call:
    wire: WireVerdict
    usage: Usage
    rendered: Rendered


def _usage(raw: object) -> Usage:
    if raw is None:
        return Usage()
    details = getattr(raw, "prompt_tokens_details", None)
    out_details = getattr(raw, "completion_tokens_details", None)
    return Usage(
        input_tokens=getattr(raw, "prompt_tokens", 0) or 0,
        cached_tokens=(getattr(details, "cached_tokens", 0) or 0) if details else 0,
        output_tokens=getattr(raw, "completion_tokens", 0) or 0,
        reasoning_tokens=(getattr(out_details, "reasoning_tokens", 0) or 0) if out_details else 0,
    )


def _shape_reason(exc: ValidationError | ValueError) -> str:
    """Invalid JSON is "malformed"; valid JSON that does not fit the schema is "wrong_shape"."""
    if isinstance(exc, ValidationError) and all(e["type"] != "json_invalid" for e in exc.errors()):
        return "wrong_shape"
    return "malformed"


def _status_reason(exc: openai.APIStatusError) -> str:
    """The failure kind (bot/rules/failures.py) of an HTTP error the SDK did not retry away."""
    if exc.status_code == 429:
        # No quota left is a billing problem an operator must fix, not a pace to slow down to.
        return "auth" if exc.code == "insufficient_quota" else "rate_limit"
    if exc.status_code in (401, 403):
        return "auth"
    return "transport" if exc.status_code in (408, 409) or exc.status_code >= 500 else "http_error"


@cache
def response_format() -> dict[str, Any]:
    """WireVerdict's strict JSON schema as the API's `response_format`, built once. It is the SDK's own
    pydantic -> strict-schema conversion (a private openai API, used only here), so the request is
    what `.parse()` would send."""
    from openai.lib._parsing._completions import type_to_response_format_param

    return dict(type_to_response_format_param(WireVerdict))  # type: ignore[arg-type]


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
        prices: dict[str, PriceLike] | None = None,
        temperature: float | None = None,
        max_output_tokens: int | None = None,
        reasoning_effort: str | None = None,
        client: openai.AsyncOpenAI | None = None,
    ):
        self.model = model
        self.escalate_model = escalate_model
        self.temperature = temperature
        self.max_output_tokens = max_output_tokens  # None: sized per model family
        self.reasoning_effort = reasoning_effort  # None: the lowest the model family accepts
        self.prices = PriceTable(prices)
        self.id = f"openai:{model}"
        # The SDK insists on a key; local OpenAI-compatible servers ignore it.
        key = api_key or os.environ.get("OPENAI_API_KEY") or "unused"
        self.client = client or openai.AsyncOpenAI(
            base_url=base_url, api_key=key, max_retries=max_retries, timeout=timeout
        )
        for name in self.unpriced_models():
            # Said once at start: its cost is unknown (never reported as $0 spent as if it were free).
            log.warning("no price for judge model %s: its cost is unknown; set DRILLBOT_JUDGE_PRICES "
                        "(input/cached/output USD per million, e.g. 0.25/0.025/2.00)", name)

    def unpriced_models(self) -> list[str]:
        return [m for m in dict.fromkeys((self.model, self.escalate_model)) if m and self.prices.lookup(m) is None]

    def request_options(self, model: str) -> dict[str, object]:
        """Per-family options: reasoning models get an effort and room to reason, and no temperature."""
        fam = family(model)
        options: dict[str, object] = {"max_completion_tokens": self.max_output_tokens or fam.max_output_tokens}
        if fam.reasoning:
            options["reasoning_effort"] = self.reasoning_effort or fam.lowest_effort
        elif self.temperature is not None:
            options["temperature"] = self.temperature
        return options

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
            return self.to_verdict(model, call, items, answer, flags, usage)
        assert last is not None
        raise JudgeError(f"{model}: {last}", retryable=last.retryable, reason=last.reason)

    def request(self, model: str, question: Question, items: list[RubricItem], answer: str) -> tuple[
            Rendered, dict[str, object]]:
        """The rendered prompt and the chat-completions body for one answer (also used by batch evals)."""
        rendered = render(question, items, answer)
        body: dict[str, object] = {
            "model": model,
            "messages": rendered.messages,
            # Answers to one question share everything up to the answer: route them to one cache.
            "prompt_cache_key": question.id,
            **self.request_options(model),
        }
        return rendered, body

    async def _call(self, model: str, question: Question, items: list[RubricItem], answer: str) -> _Call:
        rendered, body = self.request(model, question, items, answer)
        try:
            # The SDK's own request method (retries, Retry-After, timeouts, auth and error classes are the
            # SDK's), with the body as is: `chat.completions.create` would walk every message against its
            # TypedDicts (an identity transform for this body, tested) and build a ChatCompletion object
            # tree from the response, together a third of the client's CPU per answer. The schema is
            # built once (`.parse()` would rebuild it per call).
            raw = await self.client.post(
                "/chat/completions", cast_to=httpx.Response, body={**body, "response_format": response_format()}
            )
        except openai.APITimeoutError as exc:
            raise JudgeError(f"{model}: timed out", retryable=True, reason="transport") from exc
        except openai.APIConnectionError as exc:
            raise JudgeError(f"{model}: connection failed: {exc}", retryable=True, reason="transport") from exc
        except openai.APIStatusError as exc:
            # 429/5xx were already retried by the SDK; 4xx like 401/404 are configuration problems.
            retryable = exc.status_code in (408, 409, 429) or exc.status_code >= 500
            raise JudgeError(f"{model}: HTTP {exc.status_code}: {exc.message}", retryable=retryable,
                             reason=_status_reason(exc)) from exc
        except openai.OpenAIError as exc:
            raise JudgeError(f"{model}: {exc}", retryable=True, reason="transport") from exc
        try:
            completion = _RawCompletion.model_validate_json(raw.content)
        except ValidationError as exc:
            # A 200 whose body is not a chat completion (a proxy's error page, a cut-off body).
            raise _BadOutput(f"not a chat completion: {str(exc)[:200]}", Usage(), "malformed") from exc
        usage = _usage(completion.usage)
        if not completion.choices:
            raise _BadOutput("no choices in response", usage, "empty")
        for choice in completion.choices:  # as `.parse()` checks them, before reading any content
            if choice.finish_reason == "length":
                raise _BadOutput("output truncated (finish_reason=length)", usage, "length")
            if choice.finish_reason == "content_filter":
                raise _BadOutput("output blocked by content filter", Usage(), "content_filter", retryable=False)
        return _Call(self.check_message(completion.choices[0].message, usage), usage, rendered)

    @staticmethod
    def check_message(message: object, usage: Usage) -> WireVerdict:
        """The verdict in a completion's message: a refusal, an empty or a schema-invalid output is bad
        output (pydantic raises on malformed JSON or JSON that does not fit the schema)."""
        refusal = getattr(message, "refusal", None)
        if refusal:
            raise _BadOutput(f"model refused: {refusal[:200]}", usage, "refusal", retryable=False)
        parsed = getattr(message, "parsed", None)
        if parsed is not None:
            return parsed  # type: ignore[no-any-return]
        content = getattr(message, "content", None)
        if not content:
            raise _BadOutput("empty output", usage, "empty")
        try:
            return WireVerdict.model_validate_json(content)
        except (ValidationError, ValueError) as exc:
            reason = _shape_reason(exc)
            raise _BadOutput(f"schema-invalid output ({reason}): {str(exc)[:200]}", Usage(), reason) from exc

    def to_verdict(
        self,
        model: str,
        call: _Call,
        items: list[RubricItem],
        answer: str,
        flags: list[str],
        usage: Usage,
        *,
        batch: bool = False,
    ) -> Verdict:
        by_id: dict[str, tuple[CriterionMark, WireCriterion]] = {}
        # Partial first: a criterion listed under both gets the lower verdict. Unknown ids are ignored.
        for mark, listed in (("partial", call.wire.partial), ("met", call.wire.met)):
            for c in listed:
                by_id.setdefault(c.id, (mark, c))  # type: ignore[arg-type]
        results = []
        for item in items:
            verdict, wire = by_id.get(item.id, ("missed", None))
            # Cited numbers become the sentences' exact words; a number with no sentence cites nothing.
            evidence = call.rendered.cited(wire.sentences) if wire else ""
            results.append(CriterionResult(item.id, verdict, evidence, item.weight, public_text(item)))
        # Evidence the answer does not contain, or text aimed at the grader, is no evidence.
        results = verify(results, answer, reject=injection_in)
        model_flags = [f for f in call.wire.flags if f in FLAGS]
        merged = [f for f in FLAGS if f in flags or f in model_flags]
        # An unpriced model was warned about at start; its verdicts carry cost 0 with known=False upstream.
        cost = self.prices.cost(model, usage, batch=batch)
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
