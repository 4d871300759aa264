"""Forget-me and opt-outs on in-memory SQLite: forgetting a person deletes every row of theirs (revisions,
scores, disputes, points included) and counts what went, and leaves everyone else's rows alone."""

from __future__ import annotations

from bot.services import disputes, intake, privacy
from bot.services.context import Context
from tests.fakes.judges import ScriptedJudge
from tests.service.test_store_rules import ALICE, BOB, CH, answer, open_round, score_all


async def test_forget_removes_the_person_and_only_them(ctx: Context) -> None:
    thread = await open_round(ctx)
    for msg, user in (("a1", ALICE), ("b1", BOB)):
        assert (await intake.submit(ctx, answer(ctx, thread, msg, user=user))).outcome == "accepted"
    await score_all(ctx, ScriptedJudge())
    assert "received" in (await disputes.open_dispute(ctx, ALICE, "too low")).plain()
    async with ctx.uow() as uow:
        alice, bob = await uow.directory.member(ALICE), await uow.directory.member(BOB)
        assert alice is not None and bob is not None
        before_bob = await uow.erasure.counts(bob.id)
        assert await uow.erasure.counts(alice.id) == before_bob == (1, 1, 1)

    gone = await privacy.forget(ctx, ALICE)
    assert (gone.answers, gone.scores, gone.stats) == (1, 1, 1)
    async with ctx.uow() as uow:
        assert await uow.directory.member(ALICE) is None
        assert await uow.erasure.counts(alice.id) == (0, 0, 0)
        assert await uow.erasure.counts(bob.id) == before_bob
        assert await uow.answers.by_message_key(f"{CH}:b1") is not None
    assert await disputes.open_disputes(ctx, "test:W1") == []
    assert not (await privacy.forget(ctx, ALICE)).anything  # nothing stored any more


async def test_options_say_what_the_person_wants(ctx: Context) -> None:
    await privacy.set_option(ctx, ALICE, "alice", "leaderboard", False, workspace_key="test:W1")
    await privacy.set_option(ctx, ALICE, "alice", "reminders", True)
    async with ctx.uow() as uow:
        m = await uow.directory.member(ALICE)
        assert m is not None and (m.leaderboard_opt_out, m.reminders_opt_in, m.weekly_summary_opt_in) == \
            (True, True, False)
