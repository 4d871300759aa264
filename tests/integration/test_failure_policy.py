"""The failure policy through the real worker and the real LLM judge against the fake OpenAI server:
one test per row of bot/rules/failures.py (retry, wait uncounted, fail fast with an operator alert)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.budget import BudgetGuard, DailyBudget
from bot.core import Core
from bot.store.models import Answer, Score
from scoring import LLMJudge
from tests.fakes.judges import ScriptedJudge
from tests.fakes.openai_server import Behaviour, FakeOpenAI
from tests.fakes.platform import FakePlatform
from tests.integration.test_rounds_and_intake import ALICE, answer, count, setup_round
from tests.reliability.test_judge_outage import HONEST


@pytest.fixture
async def llm(fake: FakeOpenAI) -> AsyncIterator[LLMJudge]:
    judge = LLMJudge(base_url=fake.base_url, api_key="test", timeout=0.5, max_retries=0)
    yield judge
    await judge.aclose()


async def _state(core: Core) -> tuple[str, int, datetime]:
    async with core.ctx.sessions() as s:
        row = (await s.execute(select(Answer.status, Answer.attempts, Answer.next_attempt_at))).one()
    at = row.next_attempt_at if row.next_attempt_at.tzinfo else row.next_attempt_at.replace(tzinfo=UTC)
    return row.status, row.attempts, at


async def _one_answer(make_core, judge) -> tuple[Core, list[tuple[str, object]]]:  # type: ignore[no-untyped-def]
    core: Core = await make_core(judge)
    core.worker.max_attempts = 3
    events: list[tuple[str, object]] = []
    core.worker.listeners.append(lambda event, payload: events.append((event, payload)))
    thread = await setup_round(core)
    await core.answer(answer(thread, "m1", ALICE, HONEST, core))
    return core, events


async def test_transport_error_retries_with_backoff(make_core, fake: FakeOpenAI, llm: LLMJudge,  # type: ignore[no-untyped-def]
                                                   platform: FakePlatform) -> None:
    fake.push("error_500")
    core, events = await _one_answer(make_core, llm)
    start = core.ctx.clock.now()
    await core.worker.run_once()
    assert await _state(core) == ("pending", 1, start + timedelta(seconds=30))
    assert len(platform.of_kind("pending")) == 1 and not [e for e, _ in events if e == "alert"]
    core.ctx.clock.advance(timedelta(minutes=1))
    await core.worker.run_once()
    assert await count(core, Score) == 1


async def test_rate_limit_waits_without_using_up_attempts(make_core, fake: FakeOpenAI, llm: LLMJudge,  # type: ignore[no-untyped-def]
                                                         platform: FakePlatform) -> None:
    fake.default = Behaviour(kind="rate_limit")
    core, _ = await _one_answer(make_core, llm)
    for _ in range(6):  # twice max_attempts: a slow-down request never turns the answer failed
        await core.worker.run_once()
        status, attempts, _at = await _state(core)
        assert (status, attempts) == ("pending", 0)
        core.ctx.clock.advance(timedelta(minutes=1))
    assert len(fake.requests) == 6 and len(platform.of_kind("pending")) == 1
    fake.default = Behaviour(kind="valid")
    await core.worker.run_once()
    assert await count(core, Score) == 1


@pytest.mark.parametrize("behaviour", ["unauthorized", "no_quota"])
async def test_auth_failure_fails_fast_and_alerts_the_operator(make_core, fake: FakeOpenAI, llm: LLMJudge,  # type: ignore[no-untyped-def]
                                                              platform: FakePlatform, caplog: pytest.LogCaptureFixture,
                                                              behaviour: str) -> None:
    fake.default = Behaviour(kind=behaviour)
    core, events = await _one_answer(make_core, llm)
    with caplog.at_level(logging.ERROR, logger="bot.services.scoring"):
        for _ in range(3):
            await core.worker.run_once()
            core.ctx.clock.advance(timedelta(hours=1))
    status, attempts, _at = await _state(core)
    assert (status, attempts) == ("failed", 1) and len(fake.requests) == 1  # paid for once, not ten times
    notices = platform.of_kind("pending")
    assert len(notices) == 1 and "could not be scored yet" in notices[0].message.text
    assert [p for e, p in events if e == "alert"] and "operator alert" in caplog.text


async def test_refusal_fails_fast_and_alerts_the_operator(make_core, fake: FakeOpenAI, llm: LLMJudge,  # type: ignore[no-untyped-def]
                                                         platform: FakePlatform) -> None:
    fake.default = Behaviour(kind="refusal")
    core, events = await _one_answer(make_core, llm)
    for _ in range(3):
        await core.worker.run_once()
        core.ctx.clock.advance(timedelta(hours=1))
    assert (await _state(core))[:2] == ("failed", 1)
    assert len(fake.requests) == 2  # the judge's own one retry of a bad output; the worker adds none
    assert [p for e, p in events if e == "alert"]
    assert "could not be scored yet" in platform.of_kind("pending")[-1].message.text


async def test_malformed_output_retries_with_backoff_then_fails(make_core, fake: FakeOpenAI, llm: LLMJudge,  # type: ignore[no-untyped-def]
                                                               platform: FakePlatform) -> None:
    fake.default = Behaviour(kind="malformed")
    core, events = await _one_answer(make_core, llm)
    start = core.ctx.clock.now()
    await core.worker.run_once()
    assert await _state(core) == ("pending", 1, start + timedelta(seconds=30))
    for _ in range(2):
        core.ctx.clock.advance(timedelta(hours=1))
        await core.worker.run_once()
    assert (await _state(core))[:2] == ("failed", 3)  # max_attempts is 3 here
    assert not [e for e, _ in events if e == "alert"]


async def test_spent_budget_waits_for_the_next_day_instead_of_failing(make_core, platform: FakePlatform) -> None:  # type: ignore[no-untyped-def]
    inner = ScriptedJudge()
    core: Core = await make_core(inner)
    budget = DailyBudget(1.0, core.ctx.clock)
    budget.spent_usd = 1.0
    core.worker.judge = BudgetGuard(inner, budget)
    core.worker.max_attempts = 3
    thread = await setup_round(core)
    await core.answer(answer(thread, "m1", ALICE, "a great answer", core))
    tomorrow = datetime(2026, 11, 3, tzinfo=UTC)
    while core.ctx.clock.now() < tomorrow - timedelta(hours=1):  # Monday 09:00 to 23:00, every hour
        await core.worker.run_once()
        assert await _state(core) == ("pending", 0, tomorrow)
        core.ctx.clock.advance(timedelta(hours=1))
    assert inner.calls == 0 and len(platform.of_kind("pending")) == 1
    assert "score coming" in platform.of_kind("pending")[0].message.text
    core.ctx.clock.advance(timedelta(hours=1, minutes=1))
    await core.worker.run_once()
    assert await count(core, Score) == 1 and inner.calls == 1
