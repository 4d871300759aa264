"""Dispute rules on in-memory SQLite: a person disputes their own latest scored live answer (a deleted one
is gone), at most `disputes_open_max` at a time, and the judge figures count scores and disputes since a
time."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FakeClock
from bot.services import disputes, intake
from bot.services.context import Context
from tests.fakes.judges import ScriptedJudge
from tests.service.test_store_rules import ALICE, BOB, CH, answer, open_round, score_all


async def answered(ctx: Context, *msgs: str, user: str = ALICE) -> list[int]:
    thread = await open_round(ctx)
    for msg in msgs:
        assert (await intake.submit(ctx, answer(ctx, thread, msg, user=user))).outcome == "accepted"
        assert isinstance(ctx.clock, FakeClock)
        ctx.clock.advance(timedelta(minutes=1))
    return await score_all(ctx, ScriptedJudge())


async def test_the_latest_scored_live_answer_is_disputed(ctx: Context) -> None:
    first, second = await answered(ctx, "m1", "m2")
    assert await intake.delete(ctx, f"{CH}:m2") == 1  # the latest is deleted: the one before stands
    assert "received" in (await disputes.open_dispute(ctx, ALICE, "")).plain()
    [d] = await disputes.open_disputes(ctx, "test:W1")
    assert d.answer_id == first
    refused = await disputes.open_dispute(ctx, ALICE, "", answer_id=second)
    assert refused.kind == "error" and f"#{second} is not one of your" in refused.plain()
    assert (await disputes.open_dispute(ctx, BOB, "", answer_id=first)).kind == "error"  # not Bob's


async def test_open_disputes_are_capped_per_person(ctx: Context) -> None:
    ctx.settings = ctx.settings.model_copy(update={"disputes_open_max": 1})
    first, second = await answered(ctx, "m1", "m2")
    assert "received" in (await disputes.open_dispute(ctx, ALICE, "", answer_id=first)).plain()
    capped = await disputes.open_dispute(ctx, ALICE, "", answer_id=second)
    assert capped.kind == "error" and "1 open dispute(s)" in capped.plain()
    saved = await disputes.open_dispute(ctx, ALICE, "the reason, afterwards", answer_id=first)
    assert "reason saved" in saved.plain()
    [d] = await disputes.open_disputes(ctx, "test:W1")
    assert d.reason == "the reason, afterwards"


async def test_judge_figures_count_since_a_time(ctx: Context) -> None:
    [first] = await answered(ctx, "m1")
    await disputes.open_dispute(ctx, ALICE, "")
    [d] = await disputes.open_disputes(ctx, "test:W1")
    assert isinstance(await disputes.resolve(ctx, "test:W1", d.id, 9.0, {}, "test:W1:admin"), disputes.Ruling)
    [j] = await disputes.by_judge(ctx)
    assert (j.judge_id, j.scored, j.disputes, j.upheld, j.admin_scores) == ("scripted", 1, 1, 1, [9.0])
    assert await disputes.by_judge(ctx, since=ctx.clock.now() + timedelta(seconds=1)) == []
    exported = await disputes.export(ctx)
    assert [(a["id"], a["human_score"], a["tags"]) for a in exported["answers"]] == [(f"a{first}", 9.0, ["dispute"])]
