"""`drillbot eval --judge openai --batch`: grade an eval through the OpenAI Batch API (half price, results
within 24 h), with the same prompts, checks and report as the synchronous path.

Flow: render every request exactly as LLMJudge sends it (answers grouped by question for the cache), upload
them as one JSONL file (files.create, purpose "batch"), create the batch (batches.create), save its id in
the state file, poll until it ends, download the output (and error) file, and turn each line into a verdict
with LLMJudge's own checks. A rerun with the state file present resumes polling the saved batch instead of
paying for a second one; the file is removed once the results are in.

A batch request gets no second try: a bad output (length stop, malformed or wrong-shape JSON, refusal)
is a failure with its reason, like a synchronous answer whose retry also failed.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from openai.types.chat import ChatCompletion
from pydantic import ValidationError

from bank.schema import Question
from bot.ports import CriterionResult, Usage, Verdict
from scoring.evaluate import AnswerResult, EvalItem
from scoring.flags import detect_flags
from scoring.llm import LLMJudge, WireVerdict, _BadOutput, _Call, _shape_reason, _usage, response_format
from scoring.rubric import public_text, rubric_for

log = logging.getLogger(__name__)
ENDPOINT = "/v1/chat/completions"
Check = Callable[[Question, str, Verdict], Verdict]
DONE = {"completed", "failed", "expired", "cancelled"}


class BatchError(Exception):
    pass


def _fingerprint(lines: list[str]) -> str:
    """Identifies the graded answers (not the random boundaries), so a resume checks it is the same eval."""
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16]


async def grade_batch(judge: LLMJudge, items: list[EvalItem], state_file: str, *, poll_s: float = 30.0,
                      timeout_s: float = 26 * 3600, check: Check | None = None) -> list[AnswerResult]:
    """`check` (CrossCheckJudge.check) sees each verdict before it is recorded, as it would online."""
    model = judge.model
    order = sorted(range(len(items)), key=lambda i: items[i].question.id)
    rendered: dict[str, Any] = {}
    lines: list[str] = []
    ids: list[str] = []
    for i in order:
        item = items[i]
        if "empty" in detect_flags(item.question, item.text):
            continue  # graded without a call, as LLMJudge.grade does
        r, body = judge.request(model, item.question, rubric_for(item.question), item.text)
        rendered[str(i)] = r
        ids.append(f"{i}:{item.set_name}:{item.answer_id}")
        lines.append(json.dumps({"custom_id": str(i), "method": "POST", "url": ENDPOINT,
                                 "body": {**body, "response_format": response_format()}}, ensure_ascii=False))
    fingerprint = _fingerprint(ids + [model])
    state = Path(state_file)
    batch_id = _resume(state, fingerprint)
    client = judge.client
    try:
        if batch_id is None and lines:
            upload = await client.files.create(file=("drillbot-eval.jsonl", ("\n".join(lines) + "\n").encode()),
                                               purpose="batch")
            batch = await client.batches.create(input_file_id=upload.id, endpoint=ENDPOINT,
                                                completion_window="24h", metadata={"drillbot": "eval"})
            batch_id = batch.id
            state.write_text(json.dumps({"batch_id": batch_id, "fingerprint": fingerprint}) + "\n", encoding="utf-8")
            log.info("submitted batch %s with %d requests (state in %s)", batch_id, len(lines), state)
        outputs: dict[str, dict[str, Any]] = {}
        if batch_id is not None:
            outputs = await _wait_and_download(client, batch_id, poll_s, timeout_s)
    finally:
        await judge.aclose()
    results = [_result(judge, model, i, item, rendered.get(str(i)), outputs.get(str(i)), check)
               for i, item in enumerate(items)]
    state.unlink(missing_ok=True)
    return results


def _resume(state: Path, fingerprint: str) -> str | None:
    if not state.exists():
        return None
    try:
        saved = json.loads(state.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BatchError(f"cannot read {state}: {exc}; delete it to submit a new batch") from None
    if saved.get("fingerprint") != fingerprint:
        raise BatchError(f"{state} belongs to a different eval (other answers or model); "
                         "delete it to submit a new batch")
    log.info("resuming batch %s from %s", saved["batch_id"], state)
    return str(saved["batch_id"])


async def _wait_and_download(client: Any, batch_id: str, poll_s: float, timeout_s: float) -> dict[str, dict[str, Any]]:
    deadline = time.monotonic() + timeout_s
    while True:
        batch = await client.batches.retrieve(batch_id)
        if batch.status in DONE:
            break
        if time.monotonic() > deadline:
            raise BatchError(f"batch {batch_id} still {batch.status}; rerun to resume it")
        await asyncio.sleep(poll_s)
    if batch.status != "completed" and not batch.output_file_id:
        raise BatchError(f"batch {batch_id} ended {batch.status}: {getattr(batch, 'errors', None)}")
    out: dict[str, dict[str, Any]] = {}
    for file_id in (batch.error_file_id, batch.output_file_id):  # output lines win over error lines
        if file_id:
            text = (await client.files.content(file_id)).text
            for line in filter(None, (ln.strip() for ln in text.splitlines())):
                row = json.loads(line)
                out[str(row["custom_id"])] = row
    return out


def _result(judge: LLMJudge, model: str, index: int, item: EvalItem, rendered: Any,
            row: dict[str, Any] | None, check: Check | None = None) -> AnswerResult:
    items = rubric_for(item.question)
    flags = detect_flags(item.question, item.text)
    if rendered is None:  # empty answer: no call
        criteria = [CriterionResult(i.id, "missed", "", i.weight, public_text(i)) for i in items]
        return AnswerResult(item, judge=0.0, flags=flags, criteria=[_crit(c) for c in criteria])
    if row is None:
        return AnswerResult(item, error="no result in the batch output", failure_reason="missing")
    response = row.get("response") or {}
    if row.get("error") or response.get("status_code") != 200:
        message = (row.get("error") or {}).get("message") or json.dumps(response.get("body"))[:200]
        return AnswerResult(item, error=f"batch request failed: {message}", failure_reason="transport")
    completion = ChatCompletion.model_validate(response["body"])
    usage = _usage(completion.usage)
    try:
        wire = _parse(completion, usage)
    except _BadOutput as exc:
        return _tokens(AnswerResult(item, error=f"{model}: {exc}", failure_reason=exc.reason), usage)
    verdict = judge.to_verdict(model, _Call(wire, usage, rendered), items, item.text, flags, usage, batch=True)
    if check is not None:
        verdict = check(item.question, item.text, verdict)
    return _tokens(AnswerResult(item, judge=verdict.total, flags=list(verdict.flags), status=verdict.status,
                                criteria=[_crit(c) for c in verdict.criteria], cost_usd=verdict.cost_usd), usage)


def _parse(completion: ChatCompletion, usage: Usage) -> WireVerdict:
    if not completion.choices:
        raise _BadOutput("no choices in response", usage, "empty")
    choice = completion.choices[0]
    if choice.finish_reason == "length":
        raise _BadOutput("output truncated (finish_reason=length)", usage, "length")
    if choice.message.refusal:
        raise _BadOutput(f"model refused: {choice.message.refusal[:200]}", usage, "refusal", retryable=False)
    try:
        return WireVerdict.model_validate_json(choice.message.content or "")
    except ValidationError as exc:
        reason = _shape_reason(exc)
        raise _BadOutput(f"schema-invalid output ({reason}): {str(exc)[:200]}", usage, reason) from exc


def _crit(c: CriterionResult) -> dict[str, Any]:
    return {"id": c.id, "verdict": c.verdict, "weight": c.weight, "evidence": c.evidence}


def _tokens(result: AnswerResult, usage: Usage) -> AnswerResult:
    result.input_tokens, result.cached_tokens = usage.input_tokens, usage.cached_tokens
    result.output_tokens, result.reasoning_tokens = usage.output_tokens, usage.reasoning_tokens
    return result
