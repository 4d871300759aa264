"""An answer that arrives while the local worker runs and has a free grading slot is stored already claimed
(leased) and handed to the worker, so scoring it needs no claim transaction; otherwise (no free slot, a
worker that has not run: a core used for intake alone) it waits in the queue as before. The queue is still
claimed from while answers are handed over, an answer handed over half a lease ago is left to the queue
(never graded twice), and a worker that stops puts what it was handed but never started back in the queue."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import event, select

from bot.core import Core
from bot.services.scoring import worker as worker_module
from bot.store.models import Answer, Score
from tests.fakes.platform import FakePlatform
from tests.integration.test_rounds_and_intake import ALICE, BOB, answer, count, setup_round


def _statements(core: Core) -> list[str]:
    sent: list[str] = []
    assert core.engine is not None
    event.listen(core.engine.sync_engine, "before_cursor_execute",
                 lambda _c, _cur, statement, *_a: sent.append(statement))
    return sent


async def test_an_answer_with_a_free_slot_is_scored_without_a_claim(core: Core, platform: FakePlatform) -> None:
    thread = await setup_round(core)
    await core.worker.run_once()  # the start-up claim and sweeps, before counting
    sent = _statements(core)
    assert (await core.answer(answer(thread, "m1", ALICE, "a great answer", core))).outcome == "accepted"
    async with core.ctx.sessions() as s:
        row = (await s.execute(select(Answer.status, Answer.next_attempt_at))).one()
    assert row.status == "scoring"  # leased like a claim: a process dying now leaves it to the lease
    assert row.next_attempt_at.replace(tzinfo=None) == (core.ctx.clock.now() + timedelta(minutes=5)).replace(
        tzinfo=None)
    sent.clear()
    assert await core.worker.run_once() == 1
    # no claim: the only UPDATE setting a lease (next_attempt_at) is the claim's
    assert not [s for s in sent if s.lstrip().upper().startswith("UPDATE") and "next_attempt_at" in s]
    assert await count(core, Score) == 1 and len(platform.of_kind("score")) == 1


async def test_without_a_free_slot_the_answer_waits_in_the_queue(make_core, platform: FakePlatform) -> None:  # type: ignore[no-untyped-def]
    core: Core = await make_core(judge_concurrency=1)
    thread = await setup_round(core)
    await core.worker.run_once()
    await core.answer(answer(thread, "m1", ALICE, "a great answer", core))  # takes the one slot
    await core.answer(answer(thread, "m2", BOB, "a great answer", core))
    assert await count(core, Answer, Answer.status == "scoring") == 1
    assert await count(core, Answer, Answer.status == "pending") == 1
    await core.worker.drain()
    assert await count(core, Score) == 2 and len(platform.of_kind("score")) == 2


async def test_a_worker_that_has_not_run_is_handed_nothing(core: Core) -> None:
    """A core used for intake alone (another process grades): its answers must stay claimable."""
    thread = await setup_round(core)
    await core.answer(answer(thread, "m1", ALICE, "a great answer", core))
    assert await count(core, Answer, Answer.status == "pending") == 1
    await core.worker.run_once()
    await core.answer(answer(thread, "m2", ALICE, "a great answer again", core))
    assert await count(core, Answer, Answer.status == "scoring") == 1  # ran just now: handed over
    await core.worker.run_once()
    core.ctx.clock.advance(worker_module.CLAIM_EVERY)  # no pass for a while: no longer counts as running
    await core.answer(answer(thread, "m3", BOB, "a great answer", core))
    assert await count(core, Answer, Answer.status == "pending") == 1


async def test_an_answer_handed_over_long_ago_is_graded_once(core: Core, judge) -> None:  # type: ignore[no-untyped-def]
    thread = await setup_round(core)
    await core.worker.run_once()
    await core.answer(answer(thread, "m1", ALICE, "a great answer", core))  # handed over, lease 5 min
    core.ctx.clock.advance(timedelta(minutes=6))  # the next pass comes after the lease ran out
    await core.worker.run_once()  # the sweep returns it to the queue; the pass claims it from there
    await core.worker.drain()
    assert judge.calls == 1 and await count(core, Score) == 1


async def test_the_queue_is_still_claimed_while_answers_are_handed_over(core: Core) -> None:
    thread = await setup_round(core)
    await core.worker.run_once()
    core.worker.adopting = False
    await core.answer(answer(thread, "m1", ALICE, "a great answer", core))  # waits in the queue
    core.worker.adopting = True
    await core.worker.run_once()
    assert await count(core, Score) == 1  # nothing handed over yet: the queue was claimed
    core.worker.adopting = False
    await core.answer(answer(thread, "m2", ALICE, "a great answer again", core))
    core.worker.adopting = True
    await core.answer(answer(thread, "m3", BOB, "a great answer", core))  # handed over
    assert await core.worker.run_once() == 1  # the queue was claimed less than CLAIM_EVERY ago
    core.ctx.clock.advance(worker_module.CLAIM_EVERY)
    await core.answer(answer(thread, "m4", BOB, "a great answer again", core))
    assert await core.worker.run_once() == 2  # handed over, and the queue's m2
    assert await count(core, Score) == 4


async def test_a_stopping_worker_requeues_what_it_was_handed(core: Core) -> None:
    thread = await setup_round(core)
    await core.worker.run_once()
    stop = asyncio.Event()
    stop.set()  # stops at once, before starting anything handed over
    await core.answer(answer(thread, "m1", ALICE, "a great answer", core))
    assert await count(core, Answer, Answer.status == "scoring") == 1
    await core.worker.run_forever(stop)
    assert await count(core, Answer, Answer.status == "pending") == 1
    assert not core.worker.can_adopt()  # later answers wait in the queue for the next process
    await core.answer(answer(thread, "m2", BOB, "a great answer", core))
    assert await count(core, Answer, Answer.status == "pending") == 2
