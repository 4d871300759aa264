"""Group commit in the scoring worker: answers graded together are recorded in one transaction and their
replies marked sent in one statement, a person's answers stay in order, and one conflict in a batch
loses none of the others."""

from __future__ import annotations

import time

from sqlalchemy import delete, event, func, select

from bot.core import Core
from bot.ports import CriterionResult, Verdict
from bot.services.scoring.record import Graded, score_row
from bot.store.models import Answer, Score
from tests.fakes.platform import FakePlatform
from tests.integration.test_rounds_and_intake import ALICE, BOB, answer, count, setup_round

CAROL = "test:W1:carol"


def spy_batches(core: Core) -> list[list[int]]:
    """The answer ids of every recording transaction, in order."""
    recorder = core.worker.recorder
    original = recorder._write
    batches: list[list[int]] = []

    async def write(batch: list[Graded], acks):  # type: ignore[no-untyped-def]
        if batch:
            batches.append([g.answer_id for g in batch])
        return await original(batch, acks)

    recorder._write = write  # type: ignore[method-assign]
    return batches


async def answer_ids(core: Core) -> list[int]:
    async with core.ctx.sessions() as s:
        return list((await s.scalars(select(Answer.id).order_by(Answer.id))).all())


async def test_answers_graded_together_share_one_transaction_and_one_reply_mark(core: Core,
                                                                               platform: FakePlatform) -> None:
    thread = await setup_round(core)
    for i, who in enumerate((ALICE, BOB, CAROL)):
        await core.answer(answer(thread, f"m{i}", who, "a great answer", core))
    batches = spy_batches(core)
    core.worker.recorder.linger_s = 30.0  # a complete batch must not wait for the timer
    marks: list[str] = []

    def statement(_conn, _cursor, sql: str, *_args: object) -> None:  # type: ignore[no-untyped-def]
        if "reply_sent" in sql and sql.lstrip().upper().startswith("UPDATE"):
            marks.append(sql)

    assert core.engine is not None
    event.listen(core.engine.sync_engine, "before_cursor_execute", statement)
    try:
        started = time.monotonic()
        assert await core.worker.run_once() == 3
        assert time.monotonic() - started < 10
    finally:
        event.remove(core.engine.sync_engine, "before_cursor_execute", statement)
    assert batches == [await answer_ids(core)]
    assert len(marks) == 1
    assert await count(core, Answer, Answer.reply_sent.is_(True), Answer.status == "scored") == 3
    assert len(platform.of_kind("score")) == 3


async def test_a_persons_answers_are_recorded_one_batch_at_a_time_in_order(core: Core) -> None:
    thread = await setup_round(core)
    await core.answer(answer(thread, "m1", ALICE, "a great answer", core))
    await core.answer(answer(thread, "m2", BOB, "a great answer", core))
    await core.answer(answer(thread, "m3", ALICE, "a great answer, revised", core))
    first, bob, second = await answer_ids(core)
    batches = spy_batches(core)
    assert await core.worker.run_once() == 3
    assert batches == [[first, bob], [second]]
    async with core.ctx.sessions() as s:
        order = (await s.scalars(select(Score.answer_id).order_by(Score.id))).all()
    assert order.index(first) < order.index(second)


async def test_one_conflict_in_a_batch_loses_no_other_answer(core: Core, platform: FakePlatform) -> None:
    """Another process records Bob's score while this batch is being written: the batch transaction fails
    on the unique score, and Alice's and Carol's scores are still recorded and their replies sent."""
    thread = await setup_round(core)
    for i, who in enumerate((ALICE, BOB, CAROL)):
        await core.answer(answer(thread, f"m{i}", who, "a great answer", core))
    alice, bob, carol = await answer_ids(core)
    recorder = core.worker.recorder
    original = recorder._write
    calls: list[int] = []

    async def racing_write(batch: list[Graded], acks):  # type: ignore[no-untyped-def]
        calls.append(len(batch))
        if len(calls) == 1:  # the other process wins Bob's score first
            verdict = Verdict([CriterionResult("main", "met", "", 1, "x")], judge_id="other-process")
            async with core.ctx.sessions.begin() as s:
                s.add(score_row(bob, verdict, "other-process", core.ctx.clock.now()))
        return await original(batch, acks)

    recorder._write = racing_write  # type: ignore[method-assign]
    assert await core.worker.run_once() == 2
    assert calls[0] == 3  # the batch, then one by one
    async with core.ctx.sessions() as s:
        judges = dict((await s.execute(select(Score.answer_id, Score.judge_id))).all())
        per_answer = (await s.execute(select(Score.answer_id, func.count()).group_by(Score.answer_id))).all()
    assert judges == {alice: "scripted", bob: "other-process", carol: "scripted"}
    assert all(n == 1 for _, n in per_answer)
    assert await count(core, Answer, Answer.reply_sent.is_(True)) == 2
    assert len(platform.of_kind("score")) == 2


async def test_a_claimed_batch_reads_each_persons_own_earlier_feedback(core: Core, judge) -> None:  # type: ignore[no-untyped-def]
    """The earlier feedback a revision is checked against is read for the whole claimed batch in one
    statement: each answer must get its own person's tries, newest first, at most SHOWN_TRIES."""
    from bot.store.repositories import SHOWN_TRIES

    def named(question, text):  # type: ignore[no-untyped-def]
        who = text.split()[0]
        return Verdict([CriterionResult(c.id, "met", "", c.weight, c.text) for c in question.rubric],
                       feedback=f"{who} feedback {text.split()[-1]}", follow_up="", judge_id="scripted")

    judge.rule = named
    thread = await setup_round(core)
    for i in range(SHOWN_TRIES + 1):
        await core.answer(answer(thread, f"a{i}", ALICE, f"alice try {i}", core))
        await core.worker.run_once()
    await core.answer(answer(thread, "b0", BOB, "bob try 0", core))
    await core.worker.run_once()
    last = [answer(thread, "a-last", ALICE, "alice try last", core),
            answer(thread, "b-last", BOB, "bob try last", core),
            answer(thread, "c-first", CAROL, "carol try first", core)]
    # Stored unclaimed (as when every grading slot is busy), then claimed as one batch.
    core.worker.adopting = False
    for ev in last:
        await core.answer(ev)
    from bot.services.scoring import lease

    claimed = {c.text.split()[0]: c.shown for c in await lease.claim(core.ctx, 10)}
    want = {"alice": tuple(f"alice feedback {i}" for i in range(SHOWN_TRIES, 0, -1)), "bob": ("bob feedback 0",),
            "carol": ()}
    assert claimed == want
    # The same answers claimed at intake (adopted by the worker) carry the same earlier feedback.
    await lease.release_expired(core.ctx, all_claims=True)
    async with core.ctx.sessions.begin() as s:
        await s.execute(delete(Answer).where(Answer.message_key.in_([ev.message_key for ev in last])))
    core.worker.adopting = True
    for ev in last:
        assert (await core.answer(ev)).outcome == "accepted"
    adopted = {c.text.split()[0]: c.shown for c in core.worker._claimed.values()}
    assert adopted == want
