"""One judge-failure policy: what kind of failure a JudgeError is, and what to do about it.

Every path that meets a JudgeError (the scoring worker, interviews) asks `plan` here, so a 401 is never
retried ten times on one path and failed fast on another.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum

from bot.ports import JudgeError
from bot.rules.timing import retry_delay


class Kind(StrEnum):
    TRANSPORT = "transport"  # timeout, connection refused, 5xx: the judge is briefly away
    RATE_LIMIT = "rate_limit"  # 429: the provider asks us to slow down (not billed)
    AUTH = "auth"  # 401/403/404, unknown model, no quota: nothing changes until an operator acts
    REFUSAL = "refusal"  # the model refused or the content filter blocked it: asking again pays again
    MALFORMED = "malformed"  # truncated or off-schema output (the judge already retried once)
    BUDGET = "budget"  # the daily LLM budget is spent


class Action(StrEnum):
    RETRY = "retry"  # back off exponentially, counting an attempt; failed after the last attempt
    WAIT = "wait"  # come back later without counting an attempt: the cause is known to pass
    FAIL_FAST = "fail_fast"  # failed now (an admin may retry) and an operator alert is logged


POLICY: dict[Kind, Action] = {
    Kind.TRANSPORT: Action.RETRY,
    Kind.RATE_LIMIT: Action.WAIT,
    Kind.AUTH: Action.FAIL_FAST,
    Kind.REFUSAL: Action.FAIL_FAST,
    Kind.MALFORMED: Action.RETRY,
    Kind.BUDGET: Action.WAIT,
}

RATE_LIMIT_WAIT = timedelta(minutes=1)

# JudgeError.reason values (scoring/llm.py, bot/budget.py) that name a kind other than their own.
_REASONS: dict[str, Kind] = {
    "http_error": Kind.AUTH,  # a non-retryable 4xx: bad key, unknown model, bad request
    "content_filter": Kind.REFUSAL,
    "length": Kind.MALFORMED,
    "wrong_shape": Kind.MALFORMED,
    "empty": Kind.MALFORMED,
    "missing": Kind.MALFORMED,
}


_KINDS = frozenset(k.value for k in Kind)


def kind_of(error: JudgeError) -> Kind:
    """The error's kind from its reason; an unknown reason falls back on `retryable`: a transient error
    is retried, anything else fails fast so an operator hears of it."""
    if error.reason in _KINDS:
        return Kind(error.reason)
    if error.reason in _REASONS:
        return _REASONS[error.reason]
    return Kind.TRANSPORT if error.retryable else Kind.AUTH


def next_budget_day(now: datetime) -> datetime:
    """When a spent daily budget is fresh again: the next UTC midnight (DailyBudget's day is UTC)."""
    tomorrow = now.astimezone(UTC).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(0), tzinfo=UTC)


@dataclass(frozen=True)
class Plan:
    kind: Kind
    action: Action
    attempts: int  # the answer's attempt count after this failure
    failed: bool  # give up now: the answer turns "failed"
    next_attempt_at: datetime
    alert: bool  # log an operator alert

    @property
    def status(self) -> str:
        return "failed" if self.failed else "pending"


def plan(error: JudgeError, attempts: int, now: datetime, max_attempts: int) -> Plan:
    """What happens to an answer whose grading failed with `error` after `attempts` counted attempts."""
    kind = kind_of(error)
    action = POLICY[kind]
    if action is Action.WAIT:
        later = next_budget_day(now) if kind is Kind.BUDGET else now + RATE_LIMIT_WAIT
        return Plan(kind, action, attempts, False, later, False)
    attempts += 1
    if action is Action.FAIL_FAST:
        return Plan(kind, action, attempts, True, now, True)
    return Plan(kind, action, attempts, attempts >= max_attempts, now + retry_delay(attempts), False)
