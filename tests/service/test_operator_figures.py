"""Operator figures read from recorded scores on in-memory SQLite: the daily budget's spend counts only
scores recorded since UTC midnight, so a restart keeps today's spend and a new day starts at zero."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.budget import DailyBudget
from bot.clock import FakeClock
from bot.services import intake, operations
from bot.services.context import Context
from tests.fakes.judges import ScriptedJudge, by_keyword
from tests.service.test_store_rules import BOB, CH, answer, open_round, score_all


def costing(usd: float) -> ScriptedJudge:
    return ScriptedJudge(lambda q, a: replace(by_keyword(q, a), cost_usd=usd))


async def test_budget_spend_is_todays_recorded_cost(ctx: Context) -> None:
    assert isinstance(ctx.clock, FakeClock)
    thread = await open_round(ctx)
    assert (await intake.submit(ctx, answer(ctx, thread, "m1"))).outcome == "accepted"
    await score_all(ctx, costing(0.25))
    ctx.clock.advance(timedelta(hours=15))  # Tuesday 00:00 UTC
    assert (await intake.submit(ctx, answer(ctx, thread, "m2", user=BOB))).outcome == "accepted"
    await score_all(ctx, costing(0.5))

    budget = DailyBudget(1.0, ctx.clock)
    await budget.load(ctx)
    assert budget.spent_usd == 0.5  # yesterday's 0.25 is not today's
    async with ctx.uow() as uow:
        assert await uow.scores.cost_since(ctx.clock.now() - timedelta(days=1)) == 0.75
        assert await uow.scores.count_by_judge(None) == {"scripted": 2}


async def test_retention_blanks_only_old_finished_answers(ctx: Context) -> None:
    assert isinstance(ctx.clock, FakeClock)
    thread = await open_round(ctx)
    assert (await intake.submit(ctx, answer(ctx, thread, "old"))).outcome == "accepted"
    await score_all(ctx, costing(0.1))
    assert (await intake.submit(ctx, answer(ctx, thread, "waiting", user=BOB))).outcome == "accepted"
    ctx.clock.advance(timedelta(days=31))
    report = await operations.activity(ctx, timedelta(days=60))
    assert (report.received, report.by_status, report.judge_calls) == (2, {"scored": 1, "pending": 1}, 1)
    assert report.cost_by_judge == {"scripted": 0.1}

    assert await operations.purge_answer_text(ctx, 30) == 1  # the pending one keeps its text for the judge
    assert await operations.purge_answer_text(ctx, 30) == 0
    async with ctx.uow() as uow:
        old, waiting = [await uow.answers.by_message_key(f"{CH}:{m}") for m in ("old", "waiting")]
        assert old is not None and waiting is not None and (old.text, waiting.text) == ("", "a great answer")
    assert (await operations.activity(ctx, timedelta(days=1))).received == 0
