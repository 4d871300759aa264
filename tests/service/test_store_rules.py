"""The store's named rules, through the real services and the unit of work on in-memory SQLite: an open
round for a thread, a duplicate message, the hourly limit, pending work, a counted answer, a due review."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clock import FakeClock
from bot.events import AnswerEvent
from bot.services import channels, days, directory, intake, practice, rounds
from bot.services.context import Context
from bot.services.scoring import grading, lease, record
from bot.store.models import ReviewItem, Score
from tests.fakes.judges import ScriptedJudge, all_marked

CH = "test:W1:C1"
ALICE, BOB = "test:W1:alice", "test:W1:bob"


async def open_round(ctx: Context) -> str:
    await channels.configure(ctx, CH, "general", {"weekdays": "mon-sun"})
    posted = await rounds.post_round(ctx, CH)
    assert posted.posted and posted.thread_key
    return posted.thread_key


def answer(ctx: Context, thread: str, msg: str, text: str = "a great answer", user: str = ALICE) -> AnswerEvent:
    return AnswerEvent(f"{CH}:{msg}", thread, user, text, ctx.clock.now(), user.rsplit(":", 1)[1])


async def pending(ctx: Context) -> int:
    return await lease.pending_count(ctx)


async def score_all(ctx: Context, judge: ScriptedJudge) -> list[int]:
    """Claim every due answer, grade it and record the verdict: the pipeline's steps, without the worker."""
    done = []
    for claimed in await lease.claim(ctx, 100):
        graded = await grading.grade(ctx, judge, claimed.id, claimed)
        assert graded is not None
        assert await record.record(ctx, claimed.id, graded[1], judge.id) is not None
        done.append(claimed.id)
    return done


async def test_open_round_for_thread(ctx: Context) -> None:
    thread = await open_round(ctx)
    async with ctx.uow() as uow:
        rnd, seen = await uow.answers.round_and_seen(f"{CH}:m1", thread)
        assert rnd is not None and rnd.thread_key == thread and seen is False
        assert (await uow.answers.round_and_seen(f"{CH}:m1", f"{CH}:elsewhere")) == (None, None)
    assert (await intake.submit(ctx, answer(ctx, f"{CH}:elsewhere", "m0"))).outcome == "ignored"
    assert (await intake.submit(ctx, answer(ctx, thread, "m1"))).outcome == "accepted"

    found = await intake.open_round_for_channel(ctx, CH, ctx.clock.now())
    assert found is not None and found.thread_key == thread
    assert isinstance(ctx.clock, FakeClock)
    ctx.clock.advance(timedelta(hours=ctx.settings.answer_window_hours, minutes=1))
    assert await intake.open_round_for_channel(ctx, CH, ctx.clock.now()) is None
    late = await intake.submit(ctx, answer(ctx, thread, "m2"))
    assert late.outcome == "rejected" and late.reply is not None
    assert "closed" in late.reply.plain()
    assert await pending(ctx) == 1  # the late answer was not stored


async def test_duplicate_message_is_stored_once(ctx: Context) -> None:
    thread = await open_round(ctx)
    first = await intake.submit(ctx, answer(ctx, thread, "m1"))
    again = await intake.submit(ctx, answer(ctx, thread, "m1", "a different text, same platform message"))
    assert (first.outcome, again.outcome) == ("accepted", "duplicate")
    async with ctx.uow() as uow:
        assert await uow.answers.seen(f"{CH}:m1")
        stored = await uow.answers.by_message_key(f"{CH}:m1")
        assert stored is not None and stored.text == "a great answer"
    assert await pending(ctx) == 1


async def test_hourly_limit_counts_arrivals_per_person(ctx: Context) -> None:
    ctx.settings = ctx.settings.model_copy(update={"answers_per_hour": 2})
    thread = await open_round(ctx)
    assert isinstance(ctx.clock, FakeClock)
    outcomes = []
    for i in range(3):
        outcomes.append((await intake.submit(ctx, answer(ctx, thread, f"a{i}"))).outcome)
        ctx.clock.advance(timedelta(minutes=1))
    assert outcomes == ["accepted", "accepted", "rejected"]
    refused = await intake.submit(ctx, answer(ctx, thread, "a3"))
    assert refused.reply is not None and "2 answers in the last hour" in refused.reply.plain()
    # Another person has their own hour.
    assert (await intake.submit(ctx, answer(ctx, thread, "b0", user=BOB))).outcome == "accepted"
    assert await pending(ctx) == 3
    # An hour after the first answer arrived, one more fits, and only one.
    ctx.clock.advance(timedelta(minutes=57))
    assert (await intake.submit(ctx, answer(ctx, thread, "a4"))).outcome == "accepted"
    assert (await intake.submit(ctx, answer(ctx, thread, "a5"))).outcome == "rejected"


async def test_pending_work_is_unscored_live_answers(ctx: Context) -> None:
    thread = await open_round(ctx)
    for i in range(3):
        assert (await intake.submit(ctx, answer(ctx, thread, f"m{i}", user=f"test:W1:p{i}"))).outcome == "accepted"
    assert await pending(ctx) == 3
    claimed = await lease.claim(ctx, 2)
    assert len(claimed) == 2
    assert await pending(ctx) == 3  # being scored is still pending work
    assert await intake.delete(ctx, f"{CH}:m2") == 1
    assert await pending(ctx) == 2  # a deleted answer is nobody's work
    for c in claimed:
        graded = await grading.grade(ctx, ScriptedJudge(), c.id, c)
        assert graded is not None
        await record.record(ctx, c.id, graded[1], "scripted")
    assert await pending(ctx) == 0
    assert await lease.claim(ctx, 10) == []  # the deleted one is never claimed


async def test_counted_answer(ctx: Context) -> None:
    """Scored, live, and a score that counts: a flagged score or a deleted answer earns nothing."""
    thread = await open_round(ctx)
    for msg, text, user in (("good", "a good answer", ALICE), ("flagged", "a flag answer", BOB)):
        assert (await intake.submit(ctx, answer(ctx, thread, msg, text, user))).outcome == "accepted"
    judge = ScriptedJudge(lambda q, a: all_marked("met", ["injection_suspected"] if "flag" in a else [])(q, a))
    assert len(await score_all(ctx, judge)) == 2

    async with ctx.uow() as uow:
        totals = await uow.answers.counted_totals_by_question()
        alice = await uow.answers.by_message_key(f"{CH}:good")
        assert alice is not None and alice.status == "scored"
        bests = await uow.answers.counted_round_bests(alice.member_id)
        flagged = await uow.session.get(Score, 2)
    assert [len(v) for v in totals.values()] == [1]  # Alice's; Bob's flagged score does not count
    assert [b.id for b in bests] == [alice.id]
    assert flagged is not None and flagged.counts is False

    assert await intake.delete(ctx, f"{CH}:good") == 1
    async with ctx.uow() as uow:
        assert await uow.answers.counted_totals_by_question() == {}
        assert await uow.answers.counted_round_bests(alice.member_id) == []


async def test_unit_of_work_rolls_back_on_error(ctx: Context) -> None:
    thread = await open_round(ctx)
    assert (await intake.submit(ctx, answer(ctx, thread, "m1"))).outcome == "accepted"
    with pytest.raises(RuntimeError):
        async with ctx.uow() as uow:
            stored = await uow.answers.by_message_key(f"{CH}:m1")
            assert stored is not None
            stored.deleted = True
            await uow.flush()
            assert await uow.answers.pending_work() == 0  # visible inside the transaction
            raise RuntimeError("a service failed half-way")
    assert await pending(ctx) == 1  # nothing of it was kept


async def test_due_review_skips_leeches_and_future_items(ctx: Context) -> None:
    qids = [q.id for q in ctx.catalog.current()[:3]]
    today = ctx.clock.now().date()
    async with ctx.uow() as uow:
        m = await directory.member(ctx, uow, ALICE, "alice", "test:W1")
        uow.session.add_all([
            ReviewItem(member_id=m.id, qid=qids[0], due=today - timedelta(days=1)),
            ReviewItem(member_id=m.id, qid=qids[1], due=today + timedelta(days=1)),
            ReviewItem(member_id=m.id, qid=qids[2], due=today - timedelta(days=2), leech=True),
        ])
    async with ctx.uow() as uow:
        assert await uow.reviews.due(m.id, today) == [qids[0]]
        assert await uow.reviews.leeches(m.id) == [qids[2]]
    # Practice asks the same rule: the due question comes first.
    picked = await practice.pick(ctx, ALICE, "alice")
    assert picked.question is not None and picked.question.id == qids[0]
    assert "due for review" in picked.reason


async def test_local_day_falls_back_to_the_first_channel_zone(ctx: Context) -> None:
    """No zone of their own: the person's day follows the first channel (lowest id) they answered a round
    in, whichever they answered first."""
    threads = {}
    for key, tz in (("test:W1:C1", "Asia/Tokyo"), ("test:W1:C2", "America/Los_Angeles")):
        await channels.configure(ctx, key, key[-2:], {"weekdays": "mon-sun", "timezone": tz})
        posted = await rounds.post_round(ctx, key)
        assert posted.thread_key
        threads[key] = posted.thread_key
    for msg, key in (("m1", "test:W1:C2"), ("m2", "test:W1:C1")):  # the later channel first
        event = AnswerEvent(f"{key}:{msg}", threads[key], ALICE, "a great answer", ctx.clock.now(), "alice")
        assert (await intake.submit(ctx, event)).outcome == "accepted"
    evening = ctx.clock.now().replace(hour=21)  # Tuesday 06:00 in Tokyo, Monday 13:00 in Los Angeles
    async with ctx.uow() as uow:
        m = await uow.people.lock(ALICE)
        assert m is not None and m.timezone is None
        assert await uow.people.channel_zone(m.id) == "Asia/Tokyo"
        assert await days.local_day(ctx, uow, m, evening) == evening.date() + timedelta(days=1)
