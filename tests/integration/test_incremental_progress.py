"""Incremental progress: points, category stats and streaks updated from each new score stay equal to the
recomputation from history (`progress.verify`, `drillbot db verify`) through revisions, flagged answers,
admin decisions, deletes and out-of-order scoring."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from bot.core import Core
from bot.events import CommandContext
from bot.services import progress
from bot.store.models import Answer, Member, RoundPoints, Score, Streak
from tests.fakes.judges import ScriptedJudge
from tests.fakes.platform import FakePlatform
from tests.integration.test_rounds_and_intake import ALICE, BOB, CH, answer, setup_round


async def no_drift(core: Core) -> None:
    assert await progress.verify(core.ctx) == []


async def next_day(core: Core) -> str:
    core.ctx.clock.advance(timedelta(days=1))
    await core.close_due_rounds()
    posted = await core.post_round(CH)
    assert posted.posted and posted.thread_key
    return posted.thread_key


async def points(core: Core) -> list[float]:
    async with core.ctx.sessions() as s:
        return list((await s.scalars(select(RoundPoints.points).order_by(RoundPoints.round_id))).all())


async def streak(core: Core) -> tuple[int, int]:
    """Alice's streak: (current, longest)."""
    async with core.ctx.sessions() as s:
        row = await s.scalar(select(Streak).join(Member, Member.id == Streak.member_id)
                             .where(Member.user_key == ALICE))
        assert row is not None
        return row.current, row.longest


async def test_revisions_flags_admin_decisions_and_deletes_leave_no_drift(core: Core, platform: FakePlatform) -> None:
    thread = await setup_round(core)
    await core.answer(answer(thread, "m1", ALICE, "an ok answer", core))
    await core.worker.drain()
    await core.edit(answer(thread, "m1", ALICE, "a great answer now", core))  # a better revision counts
    await core.worker.drain()
    await core.edit(answer(thread, "m1", ALICE, "a weak one after all", core))  # a worse one does not
    await core.worker.drain()
    assert await points(core) == [10.0]
    await no_drift(core)

    thread = await next_day(core)
    await core.answer(answer(thread, "m2", ALICE, "a great answer (inject)", core))  # flagged: held
    await core.answer(answer(thread, "m3", BOB, "an ok answer (inject)", core))
    await core.worker.drain()
    assert await points(core) == [10.0] and await streak(core) == (1, 1)
    await no_drift(core)
    platform.admins.add("test:W1:admin")
    admin = CommandContext("test:W1:admin", "boss", CH)
    async with core.ctx.sessions() as s:
        alices, bobs = (await s.scalars(select(Score.answer_id).where(Score.review_state == "flagged")
                                        .order_by(Score.answer_id))).all()
    assert "cleared" in (await core.command(admin, f"review clear {alices}")).text  # counts now
    assert "confirmed" in (await core.command(admin, f"review confirm {bobs}")).text  # stays out
    assert await points(core) == [10.0, 10.0] and await streak(core) == (2, 2)
    await no_drift(core)

    thread = await next_day(core)
    await core.answer(answer(thread, "m4", ALICE, "a great answer", core))
    await core.worker.drain()
    assert await streak(core) == (3, 3)
    assert await core.delete("test:W1:C1:m4") == 1  # deleting an answer takes its day and points away
    assert await streak(core) == (2, 2)
    await no_drift(core)


async def test_an_earlier_answer_scored_after_a_later_one_is_recomputed(core: Core, judge: ScriptedJudge) -> None:
    thread = await setup_round(core)
    judge.fail_next = 1  # the first day's answer waits for the judge
    await core.answer(answer(thread, "m1", ALICE, "an ok answer", core))
    await core.worker.run_once()
    thread = await next_day(core)
    await core.answer(answer(thread, "m2", ALICE, "a great answer", core))
    async with core.ctx.sessions.begin() as s:  # only the second day's answer is due now
        await s.execute(update(Answer).where(Answer.message_key.endswith(":m1"))
                        .values(next_attempt_at=core.ctx.clock.now() + timedelta(hours=3)))
    await core.worker.run_once()
    assert await streak(core) == (1, 1)
    core.ctx.clock.advance(timedelta(hours=4))
    await core.worker.drain()  # day 1 scored after day 2: its day, points and category order count
    assert await streak(core) == (2, 2) and await points(core) == [5.0, 10.0]
    await no_drift(core)


async def test_a_score_writes_its_rows_in_one_statement_on_postgres(core: Core) -> None:
    """The score transaction's core writes (`ScoreEffects.write`): on PostgreSQL one answer's INSERTs and
    UPDATEs go as one statement (data-modifying CTEs), on SQLite one each; the rows and the recomputation
    agree either way."""
    from sqlalchemy import event

    thread = await setup_round(core)
    await core.answer(answer(thread, "m1", ALICE, "an ok answer", core))
    await core.worker.drain()
    await core.answer(answer(thread, "m2", ALICE, "a great answer", core))
    writes: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        text = " ".join(statement.split())
        if any(f"INSERT INTO {t}" in text or f"UPDATE {t} " in text
               for t in ("scores", "round_points", "category_stats", "review_items", "streaks")):
            writes.append(text)

    assert core.engine is not None
    event.listen(core.engine.sync_engine, "before_cursor_execute", seen)
    try:
        await core.worker.drain()
    finally:
        event.remove(core.engine.sync_engine, "before_cursor_execute", seen)
    assert await points(core) == [10.0]
    await no_drift(core)
    if core.engine.dialect.name == "postgresql":
        assert len(writes) == 1 and writes[0].startswith("WITH ")
    else:
        assert len(writes) >= 3 and not any(w.startswith("WITH ") for w in writes)
