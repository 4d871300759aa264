"""Disputes through the core on SQLite and PostgreSQL: raise, review, rule, export, forget."""

from __future__ import annotations

from sqlalchemy import func, select

from bank.schema import EvalSet
from bot.core import Core
from bot.events import AnswerEvent, CommandContext
from bot.services import disputes
from bot.store.models import Answer, CategoryStatRow, Dispute, InterviewSession, RoundPoints, Score
from tests.fakes.platform import FakePlatform

CH = "test:W1:C1"
ALICE, ADMIN = "test:W1:alice", "test:W1:admin"
AT_ALICE = CommandContext(ALICE, "alice", CH, "general")
AT_ADMIN = CommandContext(ADMIN, "boss", CH, "general")


async def answered_round(core: Core, *texts: str) -> list[int]:
    await core.configure_channel(CH, "general", weekdays="mon-sun")
    posted = await core.post_round(CH)
    assert posted.thread_key
    for i, text in enumerate(texts):
        await core.answer(AnswerEvent(f"test:W1:C1:m{i}", posted.thread_key, ALICE, text, core.ctx.clock.now(),
                                      "alice"))
    await core.worker.drain()
    async with core.ctx.sessions() as s:
        return list((await s.scalars(select(Answer.id).order_by(Answer.id))).all())


async def test_dispute_review_ruling_updates_points_and_tells_the_person(core: Core, platform: FakePlatform) -> None:
    platform.admins.add(ADMIN)
    [answer_id] = await answered_round(core, "an ok answer")
    received = await core.command(AT_ALICE, 'dispute "I covered the trade-off in my second sentence"')
    assert "received" in received.text and "5.0/10" in received.text
    again = await core.command(AT_ALICE, "dispute")
    assert "already disputed" in again.text

    listing = (await core.command(AT_ADMIN, "review")).plain()
    assert "dispute 1" in listing and "alice" in listing and "I covered the trade-off" in listing
    assert "Answer: an ok answer" in listing and "=partial" in listing  # answer, criteria with verdicts

    assert (await core.command(AT_ALICE, "review score 1 9")).kind == "error"  # admins only
    assert (await core.command(AT_ADMIN, "review score 1 eleven")).kind == "error"
    assert (await core.command(AT_ADMIN, "review score 1 9 nosuch=met")).kind == "error"
    async with core.ctx.sessions() as s:
        assert await s.scalar(select(Dispute.status)) == "open"  # refusals change nothing
        criteria = (await s.scalar(select(Score.criteria)))
    verdicts = " ".join(f"{c['id']}=met" for c in criteria)
    ruled = await core.command(AT_ADMIN, f"review score 1 9.5 {verdicts}")
    assert ruled.kind == "info" and "upheld" in ruled.text, ruled.text
    told = [s for s in platform.sent if s.kind == "dm" and s.target == ALICE][-1].message
    assert "upheld" in told.text and "9.5/10" in told.text
    async with core.ctx.sessions() as s:
        assert await s.scalar(select(RoundPoints.points)) == 9.5
        assert await s.scalar(select(CategoryStatRow.last_score)) == 9.5
        score = await s.scalar(select(Score).where(Score.answer_id == answer_id))
        assert score is not None and {c["verdict"] for c in score.criteria} == {"met"}
    assert "dispute 1" not in (await core.command(AT_ADMIN, "review")).plain()
    assert (await core.command(AT_ADMIN, "review score 1 3")).kind == "error"  # already resolved

    exported = EvalSet.model_validate(await disputes.export(core.ctx))
    assert [(a.id, a.human_score, a.tags) for a in exported.answers] == [(f"a{answer_id}", 9.5, ["dispute"])]
    assert exported.questions[0].id == exported.answers[0].question and exported.questions[0].rubric
    [row] = [r for r in await disputes.by_judge(core.ctx) if r.disputes]
    assert (row.judge_id, row.scored, row.upheld, row.judge_scores, row.admin_scores) == (
        "scripted", 1, 1, [5.0], [9.5])


async def test_held_answers_share_the_queue_and_cleared_flags_are_exported(core: Core,
                                                                          platform: FakePlatform) -> None:
    platform.admins.add(ADMIN)
    flagged_id, cleared_id = await answered_round(core, "a great answer inject", "an ok answer inject")
    assert "received" in (await core.command(AT_ALICE, f"dispute #{flagged_id} not an injection")).text
    listing = (await core.command(AT_ADMIN, "review")).plain()
    assert f"#{cleared_id}" in listing and "dispute 1" in listing and "held: injection_suspected" in listing
    await core.command(AT_ADMIN, "review score 1 10")  # ruling on a held answer also clears it
    await core.command(AT_ADMIN, f"review clear {cleared_id}")
    async with core.ctx.sessions() as s:
        assert await s.scalar(select(Dispute.status)) == "rejected"  # same as the judge's 10.0
        assert await s.scalar(select(RoundPoints.points)) == 10.0
    exported = EvalSet.model_validate(await disputes.export(core.ctx))
    assert sorted((a.id, a.tags[0]) for a in exported.answers) == [(f"a{flagged_id}", "dispute"),
                                                                    (f"a{cleared_id}", "cleared-flag")]


async def test_open_disputes_are_limited_per_person(make_core, platform: FakePlatform) -> None:  # type: ignore[no-untyped-def]
    core = await make_core(disputes_open_max=2)
    ids = await answered_round(core, "ok one", "ok two", "ok three")
    for answer_id in ids[:2]:
        assert "received" in (await core.command(AT_ALICE, f"dispute #{answer_id}")).text
    refused = await core.command(AT_ALICE, f"dispute #{ids[2]} please")
    assert refused.kind == "error" and "2 open dispute" in refused.text
    assert (await core.command(AT_ALICE, "dispute #999999")).kind == "error"
    assert (await core.command(CommandContext("test:W1:nobody", "n", CH), "dispute")).kind == "error"
    async with core.ctx.sessions() as s:
        assert await s.scalar(select(func.count(Dispute.id))) == 2


async def test_forget_me_removes_disputes_and_interviews(core: Core, platform: FakePlatform) -> None:
    await answered_round(core, "an ok answer")
    await core.command(AT_ALICE, "dispute")
    await core.command(CommandContext(ALICE, "alice", None, "", is_dm=True), "interview")
    await core.command(AT_ALICE, "forget-me confirm")
    async with core.ctx.sessions() as s:
        assert await s.scalar(select(func.count(Dispute.id))) == 0
        assert await s.scalar(select(func.count(InterviewSession.id))) == 0


def test_upheld_rate_is_unknown_until_a_dispute_is_resolved() -> None:
    # 0 of 0 resolved is no evidence either way; the report shows "–", not an upheld rate of 0.0.
    open_only = disputes.JudgeDisputes("offline", scored=3, disputes=1, upheld=0, judge_scores=[], admin_scores=[])
    assert open_only.upheld_rate is None
    ruled = disputes.JudgeDisputes("offline", scored=3, disputes=2, upheld=1, judge_scores=[2, 5], admin_scores=[8, 5])
    assert ruled.upheld_rate == 0.5


async def test_admin_hints_name_commands_as_the_admin_types_them(core: Core, platform: FakePlatform) -> None:
    # Discord lists admin commands under /drill-admin; every example in an admin reply goes through bot.syntax.
    platform.admin_prefix = "/drill-admin"  # type: ignore[attr-defined]
    platform.admins.add(ADMIN)
    await answered_round(core, "an answer")
    bad_ruling = (await core.command(AT_ADMIN, "review score")).plain()
    assert "`/drill-admin review score ID SCORE`" in bad_ruling and "`/drill-admin review score 3 7.5`" in bad_ruling
    no_value = (await core.command(AT_ADMIN, "config time")).plain()
    assert "`/drill-admin config time`" in no_value and "`/drill-admin config time 09:30`" in no_value
    bad_value = (await core.command(AT_ADMIN, "config timezone Mars/Base")).plain()
    assert "`/drill-admin config timezone Europe/Berlin`" in bad_value
    settings = (await core.command(AT_ADMIN, "config")).plain()
    assert "`/drill-admin config NAME VALUE`" in settings
