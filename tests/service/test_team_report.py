"""The team report on in-memory SQLite: the period's live answers only, a held score counts as an answer
but not in the means, most improved needs two counted answers in each compared week, and a person who
opted out of the leaderboard is anonymous in it."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FakeClock
from bot.services import intake, privacy, team_report
from bot.services.context import Context
from tests.fakes.judges import ScriptedJudge, by_keyword
from tests.service.test_store_rules import ALICE, BOB, CH, answer, open_round, score_all


async def week(ctx: Context, tag: str, answers: list[tuple[str, str]]) -> None:
    thread = await open_round(ctx)
    for i, (user, text) in enumerate(answers):
        assert (await intake.submit(ctx, answer(ctx, thread, f"{tag}{i}", text, user))).outcome == "accepted"
    await score_all(ctx, ScriptedJudge(by_keyword))


async def test_team_report_reads_the_periods_live_answers(ctx: Context) -> None:
    assert isinstance(ctx.clock, FakeClock)
    await week(ctx, "a", [(ALICE, "an ok answer"), (ALICE, "an ok answer"), (BOB, "a great answer")])
    ctx.clock.advance(timedelta(days=7))
    await week(ctx, "b", [(ALICE, "a great answer"), (ALICE, "a great answer"), (BOB, "great, inject"),
                          (BOB, "a great answer, deleted")])
    assert await intake.delete(ctx, f"{CH}:b3") == 1
    await privacy.set_option(ctx, ALICE, "alice", "leaderboard", False)

    report = await team_report.build(ctx, weeks_back=2)
    assert report.participation.rows == [["2026-W45", 2, 3], ["2026-W46", 2, 3]]  # the deleted one is gone
    assert report.most_improved.rows == [["(anonymous)", "2026-W45", 5.0, "2026-W46", 10.0, 5.0]]
    assert report.flags.rows == [["injection_suspected", 1, 0, 0]]  # held: waiting for an admin
    # Each week's round asked one question: the held score is not in its mean, nor among its answers.
    by_week = [[r[i] for r in report.category_trend.rows if r[i] != ""] for i in (1, 2)]
    assert by_week == [[round(20 / 3, 2)], [10.0]]
    assert sorted((r[2], r[3]) for r in report.questions.rows) == [(2, 10.0), (3, round(20 / 3, 2))]
    [judge] = report.judges.rows
    assert judge[:2] == ["scripted", 6]
