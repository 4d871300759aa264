"""The score transaction writes its rows with core statements (`ScoreEffects.write`), not the ORM flush:
new rows inserted, read rows updated in the columns that changed, a row written early (the recomputation
needs the score stored) updated again when it changes later, and nothing written when the transaction
fails."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import event, select, text

from bot.services import channels, intake, rounds
from bot.services.context import Context
from bot.services.scoring import grading, lease, record
from bot.store.models import CategoryStatRow, ReviewItem, RoundPoints, Score, Streak
from tests.fakes.judges import ScriptedJudge, all_marked
from tests.service.test_store_rules import CH, answer


async def score_due(ctx: Context, judge: ScriptedJudge) -> None:
    for claimed in await lease.claim(ctx, 100):
        graded = await grading.grade(ctx, judge, claimed.id, claimed)
        assert graded is not None
        assert await record.record(ctx, claimed.id, graded[1], judge.id) is not None


async def rows(ctx: Context, model: type) -> list:
    async with ctx.uow() as uow:
        return list((await uow.session.scalars(select(model))).all())


async def test_first_and_second_answer_write_every_row(ctx: Context) -> None:
    await channels.configure(ctx, CH, "general", {"weekdays": "mon-sun"})
    thread = (await rounds.post_round(ctx, CH)).thread_key
    assert thread
    judge = ScriptedJudge(all_marked("partial"))
    assert (await intake.submit(ctx, answer(ctx, thread, "m1"))).outcome == "accepted"
    await score_due(ctx, judge)  # a first answer: the streak is recomputed, so the score is written early
    judge.rule = all_marked("met")
    assert (await intake.submit(ctx, answer(ctx, thread, "m2", "a better answer"))).outcome == "accepted"
    statements: list[str] = []
    engine = ctx.sessions.kw["bind"].sync_engine  # type: ignore[union-attr]

    def seen(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", seen)
    try:
        await score_due(ctx, judge)
    finally:
        event.remove(engine, "before_cursor_execute", seen)

    scores = await rows(ctx, Score)
    assert len(scores) == 2 and all(s.streak_note.startswith("Streak: 1 day") for s in scores)
    (points,) = await rows(ctx, RoundPoints)
    assert points.answer_id == max(s.answer_id for s in scores) and points.points == max(s.total for s in scores)
    (stat,) = await rows(ctx, CategoryStatRow)
    assert stat.attempts == 2 and stat.last_score == points.points
    (review,) = await rows(ctx, ReviewItem)
    assert review.repetitions >= 1
    (streak,) = await rows(ctx, Streak)
    assert streak.current == 1 and streak.through_day is not None
    # The second score's transaction: the scored mark, one INSERT (the score) and UPDATEs of the changed
    # columns only, found by natural key (no id read back); the streak did not change (same day).
    writes = [s for s in statements if s.startswith(("INSERT", "UPDATE")) and "RETURNING id, member_id" not in s
              and "SET status=?, next_attempt_at=?" not in s]
    tables = sorted(w.split(" SET ")[0] if w.startswith("UPDATE") else w.split(" (")[0] for w in writes)
    assert tables == ["INSERT INTO scores", "UPDATE category_stats", "UPDATE review_items", "UPDATE round_points"]
    update_points = next(w for w in writes if w.startswith("UPDATE round_points"))
    assert update_points.startswith("UPDATE round_points SET points=?, answer_id=? WHERE round_points.round_id")
    assert " member_id=?" not in next(w for w in writes if w.startswith("UPDATE category_stats")).split(" WHERE ")[0]


async def test_a_failed_score_transaction_writes_nothing(ctx: Context) -> None:
    await channels.configure(ctx, CH, "general", {"weekdays": "mon-sun"})
    thread = (await rounds.post_round(ctx, CH)).thread_key
    assert thread
    assert (await intake.submit(ctx, answer(ctx, thread, "m1"))).outcome == "accepted"
    (claimed,) = await lease.claim(ctx, 1)
    judge = ScriptedJudge(all_marked("met"))
    graded = await grading.grade(ctx, judge, claimed.id, claimed)
    assert graded is not None

    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        async with ctx.uow() as uow:
            uow.effects.insert(record.score_row(claimed.id, graded[1], judge.id, ctx.clock.now()))
            raise Boom
    assert await rows(ctx, Score) == []
    assert await record.record(ctx, claimed.id, graded[1], judge.id) is not None
    assert len(await rows(ctx, Score)) == 1


async def test_a_unit_of_work_interrupted_while_ending_still_ends_its_transaction(ctx: Context) -> None:
    # Ctrl-C cancels the task wherever it is: if that lands on the commit's hop, the session must still be
    # closed (rolled back), or its open transaction keeps SQLite's write lock and shutdown waits on it.
    await channels.configure(ctx, CH, "general", {"weekdays": "mon-sun"})
    uow = ctx.uow()
    with pytest.raises(asyncio.CancelledError):
        async with uow:
            await uow.session.execute(text("UPDATE channels SET name = 'renamed'"))

            async def interrupted(*_args: object, **_kwargs: object) -> None:
                raise asyncio.CancelledError

            uow.session.run_sync = interrupted  # type: ignore[method-assign]
    assert not uow.session.in_transaction()
    async with ctx.uow() as later:  # nothing was committed, and nothing holds the connection
        names = (await later.session.execute(text("SELECT name FROM channels"))).scalars().all()
        assert "renamed" not in names
