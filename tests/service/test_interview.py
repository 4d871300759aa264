"""Interview rules on in-memory SQLite through the unit of work: a new interview ends the active one, an
interview's first answer is a scored practice answer (it counts for the person, in no round), a message
is taken as an answer once, and a restart grades answers stored but not graded."""

from __future__ import annotations

from bot.events import AnswerEvent
from bot.services import interview
from bot.services.context import Context
from tests.fakes.judges import ScriptedJudge
from tests.service.test_store_rules import ALICE

DM = f"{ALICE}:dm"  # the fake platform's DM thread


def said(ctx: Context, msg: str, text: str) -> AnswerEvent:
    return AnswerEvent(f"{DM}:{msg}", DM, ALICE, text, ctx.clock.now(), "alice")


async def test_first_answer_is_a_counted_practice_answer_taken_once(ctx: Context) -> None:
    await interview.start(ctx, ALICE, "alice", None, 2)
    await interview.start(ctx, ALICE, "alice", None, 1)  # replaces the first
    async with ctx.uow() as uow:
        alice = await uow.directory.member(ALICE)
        assert alice is not None
        active = await uow.interviews.active_in(alice.id, DM)
        assert active is not None and active.planned == 1
        replaced = await uow.interviews.get(active.id - 1)
        assert replaced is not None and replaced.status == "ended"
    assert await interview.has_active(ctx, ALICE)

    judge = ScriptedJudge()
    reply = await interview.on_message(ctx, judge, said(ctx, "m1", "a great answer"))
    assert reply is not None and judge.calls == 1
    again = await interview.on_message(ctx, judge, said(ctx, "m1", "a great answer"))
    assert (again is None or again.messages == []) and judge.calls == 1  # the same message is one answer
    async with ctx.uow() as uow:
        stored = await uow.answers.by_message_key(f"{DM}:m1")
        assert stored is not None and stored.round_id is None and stored.status == "scored"
        assert await uow.answers.counted_round_bests(alice.id) == []  # no round: no leaderboard
        assert await uow.progress.counted_days_since(alice.id, ctx.clock.now().replace(hour=0)) != []


async def test_restart_grades_stored_answers(ctx: Context) -> None:
    await interview.start(ctx, ALICE, "alice", None, 1)
    async with ctx.uow() as uow:
        alice = await uow.directory.member(ALICE)
        assert alice is not None
        session = await uow.interviews.active_in(alice.id, DM)
        assert session is not None
        turn = await uow.interviews.current_turn(session.id)
        assert turn is not None and await uow.interviews.take_answer(turn.id, "a great answer", f"{DM}:m1")
    async with ctx.uow() as uow:
        assert not await uow.interviews.take_answer(turn.id, "again", f"{DM}:m2")  # answered already
        assert [r.id for r in await uow.interviews.ungraded_answers()] == [turn.id]
    judge = ScriptedJudge()
    assert await interview.resume(ctx, judge) == 1 and judge.calls == 1
    async with ctx.uow() as uow:
        assert await uow.interviews.ungraded_answers() == []
        graded = await uow.interviews.turn(turn.id)
        assert graded is not None and graded.status == "scored" and graded.answer_id is not None
