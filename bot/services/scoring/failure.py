"""Storing a judge failure: the failure policy (bot/rules/failures.py) decides retry, wait or fail fast;
this applies its plan to the leased answer and says whether the person must be told."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.ports import JudgeError
from bot.rules import failures
from bot.services.context import Context

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Failure:
    plan: failures.Plan
    notify: bool  # tell the person: the first "score coming" notice, or that the answer failed for good


async def record_failure(ctx: Context, answer_id: int, error: JudgeError, max_attempts: int) -> Failure | None:
    """Apply the plan to the answer and log it; None if the answer is no longer ours."""
    now = ctx.clock.now()
    text = str(error)
    async with ctx.uow() as uow:
        answer = await uow.answers.claimed(answer_id)
        if answer is None:
            return None
        plan = failures.plan(error, answer.attempts, now, max_attempts)
        answer.attempts, answer.status, answer.next_attempt_at = plan.attempts, plan.status, plan.next_attempt_at
        answer.last_error = text[:500]
        notify = plan.failed or not answer.pending_notice_sent
        answer.pending_notice_sent = True
    fields = {"answer": answer_id, "attempt": plan.attempts, "kind": plan.kind.value, "action": plan.action.value,
              "error": text[:200]}
    if plan.alert:
        # An operator must act (fix the key, look at a refused answer); retrying would only pay again.
        log.error("operator alert: judge failure will not pass on its own", extra=fields)
    else:
        log.warning("judge failed", extra=fields)
    return Failure(plan, notify)
