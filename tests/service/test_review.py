"""The admin review of held scores on in-memory SQLite: a held score is a live answer's flagged score, an
admin sees only their own workspace's rounds, and clearing one makes it count (a dispute ruling on a held
score clears it the same way)."""

from __future__ import annotations

from bot.services import disputes, intake, moderation
from bot.services.context import Context
from tests.fakes.judges import ScriptedJudge, all_marked
from tests.service.test_store_rules import ALICE, BOB, CH, answer, open_round, score_all

W1 = "test:W1"


def flagging_judge() -> ScriptedJudge:
    return ScriptedJudge(lambda q, a: all_marked("met", ["injection_suspected"] if "flag" in a else [])(q, a))


async def held_answers(ctx: Context) -> list[int]:
    return [f.answer_id for f in await moderation.flagged(ctx, W1)]


async def test_held_scores_are_live_flagged_ones_of_the_workspace(ctx: Context) -> None:
    thread = await open_round(ctx)
    for msg, text, user in (("ok", "a fine answer", ALICE), ("f1", "a flag answer", BOB),
                            ("f2", "another flag answer", "test:W1:carol")):
        assert (await intake.submit(ctx, answer(ctx, thread, msg, text, user))).outcome == "accepted"
    assert len(await score_all(ctx, flagging_judge())) == 3
    async with ctx.uow() as uow:
        f1, f2 = [await uow.answers.by_message_key(f"{CH}:{m}") for m in ("f1", "f2")]
    assert f1 is not None and f2 is not None
    assert await held_answers(ctx) == [f1.id, f2.id]
    assert await moderation.flagged(ctx, "test:W2") == []  # another workspace's admins see none of it
    assert await moderation.decide(ctx, "test:W2", f1.id, clear=True) is False

    assert await intake.delete(ctx, f"{CH}:f2") == 1
    assert await held_answers(ctx) == [f1.id]  # a deleted answer leaves the queue

    assert await moderation.decide(ctx, W1, f1.id, clear=True) is True
    assert await held_answers(ctx) == []
    async with ctx.uow() as uow:
        assert [b.id for b in await uow.answers.counted_round_bests(f1.member_id)] == [f1.id]


async def test_a_ruling_on_a_held_score_is_its_review(ctx: Context) -> None:
    thread = await open_round(ctx)
    assert (await intake.submit(ctx, answer(ctx, thread, "f1", "a flag answer"))).outcome == "accepted"
    await score_all(ctx, flagging_judge())
    opened = await disputes.open_dispute(ctx, ALICE, "my answer was fine")
    assert "received" in opened.plain()
    [d] = await disputes.open_disputes(ctx, W1)
    ruling = await disputes.resolve(ctx, W1, d.id, 6.0, {}, "test:W1:admin")
    assert isinstance(ruling, disputes.Ruling)
    assert await held_answers(ctx) == []
    async with ctx.uow() as uow:
        alice = await uow.directory.member(ALICE)
        assert alice is not None
        bests = await uow.answers.counted_round_bests(alice.id)
    assert [(b.id, b.total) for b in bests] == [(d.answer_id, 6.0)]
