"""Leaderboard and stats on in-memory SQLite: points are each person's best counted score per round, a
tie goes to the earlier answer, an opted-out person is anonymous on the board and private to others, and
stats count live answers only."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FakeClock
from bot.services import intake, privacy, reports
from bot.services.context import Context
from tests.fakes.judges import ScriptedJudge
from tests.service.test_store_rules import ALICE, BOB, CH, answer, open_round, score_all


async def test_leaderboard_ties_go_to_the_earlier_answer(ctx: Context) -> None:
    assert isinstance(ctx.clock, FakeClock)
    thread = await open_round(ctx)
    for msg, text, user in (("b1", "a great answer", BOB), ("a1", "a great answer", ALICE),
                            ("a2", "an ok answer", ALICE)):  # weaker: the round keeps her best
        assert (await intake.submit(ctx, answer(ctx, thread, msg, text, user))).outcome == "accepted"
        ctx.clock.advance(timedelta(minutes=1))
    await score_all(ctx, ScriptedJudge())
    async with ctx.uow() as uow:
        ch = await uow.directory.channel(CH)
        assert ch is not None
    rows = await reports.leaderboard_rows(ctx, channel_id=ch.id)
    assert [(reports.standing_name(r), r.points) for r in rows] == [("bob", 10.0), ("alice", 10.0)]
    assert await reports.leaderboard_rows(ctx, channel_id=ch.id, week="2020-W01") == []

    await privacy.set_option(ctx, BOB, "bob", "leaderboard", False)
    board = await reports.leaderboard(ctx, CH, "all")
    assert "(anonymous)" in board.plain() and "bob" not in board.plain()
    assert "No answers from them yet" in (await reports.stats(ctx, BOB, about_self=False)).plain()

    assert await intake.delete(ctx, f"{CH}:a2") == 1
    mine = (await reports.stats(ctx, ALICE)).plain()
    assert "1 (1 scored)" in mine  # the deleted try left the count
    assert (await reports.leaderboard(ctx, None)).kind == "error"
