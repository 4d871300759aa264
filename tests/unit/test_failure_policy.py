"""The failure table, one row at a time: kind -> action, attempts counted, when to come back, alert."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.ports import JudgeError
from bot.rules.failures import RATE_LIMIT_WAIT, Action, Kind, kind_of, plan

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def err(reason: str = "", retryable: bool = True) -> JudgeError:
    return JudgeError("x", retryable=retryable, reason=reason)


def test_transport_retries_with_backoff_and_counts_the_attempt() -> None:
    p = plan(err("transport"), 0, NOW, 10)
    assert (p.kind, p.action, p.attempts, p.status, p.alert) == (Kind.TRANSPORT, Action.RETRY, 1, "pending", False)
    assert p.next_attempt_at == NOW + timedelta(seconds=30)
    assert plan(err("transport"), 3, NOW, 10).next_attempt_at == NOW + timedelta(seconds=240)
    assert plan(err("transport"), 9, NOW, 10).status == "failed"
    assert kind_of(err("")) is Kind.TRANSPORT  # an unlabelled transient error


def test_rate_limit_waits_without_counting_an_attempt() -> None:
    p = plan(err("rate_limit"), 9, NOW, 10)
    assert (p.kind, p.action, p.attempts, p.status, p.alert) == (Kind.RATE_LIMIT, Action.WAIT, 9, "pending", False)
    assert p.next_attempt_at == NOW + RATE_LIMIT_WAIT


def test_auth_and_config_fail_fast_with_an_operator_alert() -> None:
    for e in (err("auth", retryable=False), err("http_error", retryable=False), err("odd", retryable=False)):
        p = plan(e, 0, NOW, 10)
        assert (p.kind, p.action, p.attempts, p.status, p.alert) == (Kind.AUTH, Action.FAIL_FAST, 1, "failed", True)


def test_refusal_fails_fast_with_an_operator_alert() -> None:
    for reason in ("refusal", "content_filter"):
        p = plan(err(reason, retryable=False), 0, NOW, 10)
        assert (p.kind, p.action, p.status, p.alert) == (Kind.REFUSAL, Action.FAIL_FAST, "failed", True)


def test_malformed_output_retries_with_backoff() -> None:
    for reason in ("malformed", "wrong_shape", "length", "empty"):
        p = plan(err(reason), 1, NOW, 10)
        assert (p.kind, p.action, p.attempts, p.status, p.alert) == (Kind.MALFORMED, Action.RETRY, 2, "pending", False)
        assert p.next_attempt_at == NOW + timedelta(seconds=60)


def test_budget_spent_waits_for_the_next_utc_day_without_counting() -> None:
    late = datetime(2026, 11, 2, 23, 30, tzinfo=UTC)
    p = plan(err("budget"), 9, late, 10)
    assert (p.kind, p.action, p.attempts, p.status, p.alert) == (Kind.BUDGET, Action.WAIT, 9, "pending", False)
    assert p.next_attempt_at == datetime(2026, 11, 3, tzinfo=UTC)
