"""The scoring worker: honest waiting on judge failure, restart recovery, reply delivery."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from bot.core import Core
from bot.events import AnswerEvent, CommandContext
from bot.store.models import Answer, QuestionRow, Round, Score
from bot.store.repositories import Repositories
from tests.fakes.judges import ScriptedJudge
from tests.fakes.platform import FakePlatform
from tests.integration.test_rounds_and_intake import ALICE, CH, answer, count, setup_round


async def test_judge_outage_keeps_answer_pending_then_scores(core: Core, judge: ScriptedJudge,
                                                             platform: FakePlatform) -> None:
    thread = await setup_round(core)
    judge.fail_next = 3
    await core.answer(answer(thread, "m1", ALICE, "a great answer", core))
    await core.worker.run_once()
    assert await count(core, Score) == 0
    pending = platform.of_kind("pending")
    assert len(pending) == 1 and "score coming" in pending[0].message.text
    assert not any(ch.isdigit() for ch in pending[0].message.text.split("score coming")[0])
    for _ in range(2):  # more failures: no second notice
        core.ctx.clock.advance(timedelta(hours=1))
        await core.worker.run_once()
    assert len(platform.of_kind("pending")) == 1
    core.ctx.clock.advance(timedelta(hours=1))
    await core.worker.run_once()
    assert await count(core, Score) == 1
    assert platform.of_kind("score")[0].message.title.endswith("10.0/10")


async def test_answer_that_never_scores_is_marked_failed_without_a_score(make_core, platform: FakePlatform) -> None:  # type: ignore[no-untyped-def]
    judge = ScriptedJudge()
    core: Core = await make_core(judge)
    core.worker.max_attempts = 2
    thread = await setup_round(core)
    judge.fail_next = 10
    await core.answer(answer(thread, "m1", ALICE, "a great answer", core))
    for _ in range(3):
        await core.worker.run_once()
        core.ctx.clock.advance(timedelta(hours=2))
    assert await count(core, Answer, Answer.status == "failed") == 1
    assert await count(core, Score) == 0
    assert "could not be scored yet" in platform.of_kind("pending")[-1].message.text
    assert await core.worker.retry_failed() == 1
    judge.fail_next = 0
    await core.worker.drain()
    assert await count(core, Score) == 1


async def test_claims_of_a_dead_process_are_released_after_the_lease(core: Core) -> None:
    thread = await setup_round(core)
    core.worker.adopting = False  # stored for the queue, not claimed at intake by this worker
    await core.answer(answer(thread, "m1", ALICE, "a great answer", core))
    async with core.ctx.sessions.begin() as s:  # as if a process claimed it and died
        await s.execute(update(Answer).values(status="scoring", next_attempt_at=core.ctx.clock.now()
                                              + timedelta(minutes=5)))
    await core.worker.run_once()
    assert await count(core, Score) == 0
    core.ctx.clock.advance(timedelta(minutes=6))
    await core.worker.run_once()
    assert await count(core, Score) == 1


async def test_reply_that_failed_to_send_is_delivered_later(core: Core, platform: FakePlatform) -> None:
    thread = await setup_round(core)
    await core.answer(answer(thread, "m1", ALICE, "a great answer", core))
    platform.fail_next = 1
    await core.worker.run_once()  # the first send fails; the same pass's redelivery sweep sends it
    assert await count(core, Score) == 1 and len(platform.of_kind("score")) == 1
    await core.worker.run_once()
    assert len(platform.of_kind("score")) == 1  # and never twice
    async with core.ctx.sessions() as s:
        assert (await s.scalar(select(Answer.reply_sent))) is True


async def test_private_feedback_mode_sends_the_score_by_dm(core: Core, platform: FakePlatform) -> None:
    thread = await setup_round(core)
    await core.configure_channel("test:W1:C1", feedback_mode="private")
    await core.answer(answer(thread, "m1", ALICE, "a great answer", core))
    await core.worker.drain()
    sent = platform.of_kind("score")
    assert len(sent) == 1 and sent[0].kind == "dm" and sent[0].target == ALICE
    # Private mode keeps feedback and follow-up in the one DM: no separate note.
    assert "why?" in sent[0].message.text and not [s for s in platform.sent if s.kind == "private"]


async def test_restart_on_sqlite_releases_claims_at_once(make_core, database_url: str) -> None:  # type: ignore[no-untyped-def]
    core: Core = await make_core()
    thread = await setup_round(core)
    await core.answer(answer(thread, "m1", ALICE, "a great answer", core))
    async with core.ctx.sessions.begin() as s:  # claimed by a process that was then killed
        await s.execute(update(Answer).values(status="scoring", next_attempt_at=core.ctx.clock.now()
                                              + timedelta(minutes=5)))
    restarted: Core = await make_core()
    await restarted.worker.run_once()
    expected = 1 if database_url.startswith("sqlite") else 0  # PostgreSQL waits for the lease
    assert await count(restarted, Score) == expected


async def test_per_person_rate_limit_says_when_to_come_back(make_core) -> None:  # type: ignore[no-untyped-def]
    core: Core = await make_core(answers_per_hour=3)
    thread = await setup_round(core)
    for i in range(3):
        assert (await core.answer(answer(thread, f"m{i}", ALICE, "an ok answer", core))).outcome == "accepted"
        core.ctx.clock.advance(timedelta(minutes=10))
    limited = await core.answer(answer(thread, "m9", ALICE, "an ok answer", core))
    assert limited.outcome == "rejected" and "answer again in about 31 minute(s)" in limited.reply.text  # type: ignore[union-attr]
    assert await count(core, Answer) == 3
    core.ctx.clock.advance(timedelta(minutes=31))
    assert (await core.answer(answer(thread, "m10", ALICE, "an ok answer", core))).outcome == "accepted"


async def test_conflicting_stats_write_requeues_instead_of_stranding(core: Core, platform: FakePlatform) -> None:
    """Another process creating the same person's streak row first must not strand the answer."""
    from bot.store.models import Member, Streak

    thread = await setup_round(core)
    await core.answer(answer(thread, "m1", ALICE, "a great answer", core))
    claimed = await core.worker._claim(10)
    async with core.ctx.sessions.begin() as s:  # the other process's row appears meanwhile
        member_id = await s.scalar(select(Member.id))
        s.add(Streak(member_id=member_id, freezes_used=0, updated_at=core.ctx.clock.now()))
    recorder = core.worker.recorder
    original = recorder._write

    async def racing_record(batch, acks):  # type: ignore[no-untyped-def]
        recorder._write = original  # type: ignore[method-assign]
        from sqlalchemy.exc import IntegrityError
        raise IntegrityError("INSERT INTO streaks", {}, Exception("duplicate key"))

    recorder._write = racing_record  # type: ignore[method-assign]
    await core.worker._score_guarded(claimed[0])
    async with core.ctx.sessions() as s:
        assert await s.scalar(select(Answer.status)) == "pending"
    await core.worker.run_once()
    assert await count(core, Score) == 1


async def test_score_records_reasoning_tokens(core: Core, judge: ScriptedJudge) -> None:
    from bot.ports import Usage

    rule = judge.rule

    def reasoning(question, text):  # type: ignore[no-untyped-def]
        v = rule(question, text)
        v.usage = Usage(1500, 1024, 300, 180)
        return v

    judge.rule = reasoning
    thread = await setup_round(core)
    await core.answer(answer(thread, "m1", ALICE, "a great answer", core))
    await core.worker.run_once()
    async with core.ctx.sessions() as s:
        score = (await s.execute(select(Score))).scalar_one()
    assert (score.output_tokens, score.reasoning_tokens) == (300, 180)


async def test_sqlite_restart_releases_a_reply_claim_left_by_a_crash(make_core, platform: FakePlatform,  # type: ignore[no-untyped-def]
                                                                    database_url: str) -> None:
    """Issue 20.3: a crash while posting a reply left its claim leased for 5 minutes, even on SQLite where a
    starting process knows every claim it finds belongs to a dead process."""
    core: Core = await make_core(ScriptedJudge())
    thread = await setup_round(core)
    await core.answer(answer(thread, "m1", ALICE, "a great answer", core))
    platform.fail_next = 10  # the reply is never sent...
    await core.worker.run_once()
    async with core.ctx.sessions.begin() as s:  # ...and the process died holding the reply claim
        await s.execute(update(Answer).values(reply_claimed_at=core.ctx.clock.now()))
    platform.fail_next = 0
    restarted: Core = await make_core(ScriptedJudge())
    restarted.worker._last_sweep = None
    await restarted.worker.run_once()
    sent = len(platform.of_kind("score"))
    if database_url.startswith("sqlite"):
        assert sent == 1
    else:  # several processes may share PostgreSQL: the claim waits for its lease
        assert sent == 0


async def test_a_busy_channel_does_not_delay_another_channels_reply(make_core, platform: FakePlatform) -> None:  # type: ignore[no-untyped-def]
    """Issue 20.2: the worker held its concurrency slot while one channel's 1 msg/s pacing made it wait,
    and waited for a whole batch before claiming more, so a burst in one channel delayed every other."""
    import asyncio
    import time

    locks: dict[str, asyncio.Lock] = {}
    original = platform.reply

    async def paced_reply(thread_key: str, message, *, reply_to=None):  # type: ignore[no-untyped-def]
        channel = thread_key.rsplit(":", 1)[0]
        if channel == CH:  # like Slack: one message per second per channel, here 0.4 s
            async with locks.setdefault(channel, asyncio.Lock()):
                await asyncio.sleep(0.4)
                return await original(thread_key, message, reply_to=reply_to)
        return await original(thread_key, message, reply_to=reply_to)

    platform.reply = paced_reply  # type: ignore[method-assign]
    core: Core = await make_core(ScriptedJudge(), judge_concurrency=2)
    busy = await setup_round(core)
    await core.configure_channel("test:W1:C2", "quiet", weekdays="mon-sun")
    quiet = (await core.post_round("test:W1:C2")).thread_key
    assert quiet
    for i in range(12):  # 12 paced replies: about 4.8 s for the busy channel
        await core.answer(answer(busy, f"b{i}", f"test:W1:p{i}", "a great answer", core))
    stop = asyncio.Event()
    runner = asyncio.create_task(core.worker.run_forever(stop, idle_s=0.05))
    try:
        await asyncio.sleep(0.3)  # the burst is being replied to
        started = time.monotonic()
        await core.answer(answer(quiet, "q1", ALICE, "a great answer", core))
        core.worker.wake()
        while not [s for s in platform.of_kind("score") if s.target == quiet]:
            assert time.monotonic() - started < 2.5, "the quiet channel waited for the busy one"
            await asyncio.sleep(0.02)
    finally:
        stop.set()
        core.worker.wake()
        await asyncio.wait_for(runner, 10)


async def test_held_and_abstained_verdicts_never_show_a_number(core: Core, judge: ScriptedJudge,
                                                               platform: FakePlatform) -> None:
    """Issue 13: a held verdict waits for an admin and an abstained one says why; neither shows a total
    (here the judge computed 10.0 for both), earns points or counts, on the fresh and the resend path."""
    from tests.fakes.judges import all_marked

    def rule(question, text):  # type: ignore[no-untyped-def]
        verdict = all_marked("met")(question, text)
        if "hold" in text:
            verdict.status, verdict.status_reason = "held", "Held for review, not scored: the judges disagree."
        if "hola" in text:
            verdict.status, verdict.feedback = "abstained", "The offline scorer grades English answers only."
        return verdict

    judge.rule = rule
    thread = await setup_round(core)
    await core.answer(answer(thread, "m1", ALICE, "please hold this great answer", core))
    await core.answer(answer(thread, "m2", "test:W1:U2", "hola, una respuesta", core))
    await core.worker.run_once()
    replies = platform.of_kind("score")
    assert len(replies) == 2
    for reply in replies:
        assert "10.0" not in reply.message.title and "/10" not in reply.message.title
    held = next(r for r in replies if "held for review" in r.message.title)
    assert "judges disagree" in held.message.text
    abstained = next(r for r in replies if "not scored" in r.message.title and r is not held)
    assert "English" in abstained.message.text
    async with core.ctx.sessions() as s:
        scores = (await s.scalars(select(Score).order_by(Score.answer_id))).all()
    assert [sorted(sc.flags) for sc in scores] == [["held"], ["abstained"]]
    assert [sc.counts for sc in scores] == [False, False]
    assert [sc.review_state for sc in scores] == ["flagged", "none"]
    # The resend sweep renders from the stored row: still no number.
    async with core.ctx.sessions.begin() as s:
        await s.execute(update(Answer).values(reply_sent=False, reply_claimed_at=None))
    platform.sent.clear()
    await core.worker.deliver_unsent()
    assert len(platform.of_kind("score")) == 2
    assert all("/10" not in r.message.title for r in platform.of_kind("score"))


async def test_a_revision_that_pastes_back_its_hints_earns_nothing_for_them(make_core) -> None:  # type: ignore[no-untyped-def]
    """Issue 13: the worker passes the feedback and follow-up of the person's earlier tries at the question
    to the judge, so hints pasted back as a revision earn no credit (real offline judge, real question)."""
    from scoring.offline import OfflineJudge
    from scoring.text import units

    core: Core = await make_core(OfflineJudge())
    thread = await setup_round(core)
    async with core.ctx.sessions.begin() as s:  # a question whose hints, pasted back, would earn credit
        row = await s.scalar(select(QuestionRow.id).where(QuestionRow.qid == "fund-tokens-why-they-matter"))
        await s.execute(update(Round).values(question_id=row))
    await core.answer(answer(thread, "m1", ALICE, "I would think about it carefully and then decide what to do "
                                                  "next with the team.", core))
    await core.worker.drain()
    async with core.ctx.sessions() as s:
        first = await s.scalar(select(Score))
        question = await core.ctx.catalog.question_for_row(Repositories(s), await s.scalar(select(Answer.question_id)))
    assert first is not None and first.total == 0 and first.feedback
    # The offline judge's own hint sentences earn nothing wherever they come from (scoring/feedback_text.py);
    # an LLM judge writes its feedback freely, and that can carry the content of an answer. Stand in for such
    # feedback with the model answer's opening sentences, as shown to Alice after her first try.
    leaked = " ".join(u.text for u in units(question.model_answer)[:2])
    async with core.ctx.sessions.begin() as s:
        await s.execute(update(Score).where(Score.id == first.id).values(feedback=f"{first.feedback}\n{leaked}"))
    revision = f"{leaked} {first.follow_up}"
    # Without knowing what was shown, the judge would credit the pasted feedback: the test can fail.
    assert OfflineJudge().grade_sync(question, revision).total > 0.5
    await core.answer(answer(thread, "m2", ALICE, revision, core))
    await core.worker.drain()
    async with core.ctx.sessions() as s:
        second = (await s.scalars(select(Score).order_by(Score.id.desc()))).first()
    assert second is not None and second.answer_id != first.answer_id
    assert second.total == 0 or not second.counts
    assert not [c for c in second.criteria if c["verdict"] == "met"]


async def test_channel_round_hints_go_to_the_person_privately(make_core, platform: FakePlatform) -> None:  # type: ignore[no-untyped-def]
    """Issue 13: in a thread-mode round the thread shows the score and the criteria; the hints and the
    follow-up go to the person alone, on the fresh and the resend path."""
    from scoring.offline import OfflineJudge

    core: Core = await make_core(OfflineJudge())
    thread = await setup_round(core)
    await core.answer(answer(thread, "m1", ALICE, "I would think about it carefully and then decide what to do "
                                                  "next with the team.", core))
    await core.worker.drain()
    async with core.ctx.sessions() as s:
        score = await s.scalar(select(Score))
    assert score is not None and "To strengthen it" in score.feedback and score.follow_up
    hint = score.feedback.splitlines()[-1].lstrip("- ")

    def check() -> None:
        public = [s for s in platform.sent if s.kind == "reply" and s.message.kind == "score"]
        notes = [s for s in platform.sent if s.kind == "private"]
        assert len(public) == 1 and len(notes) == 1
        shown = public[0].message.text + " ".join(f.value for f in public[0].message.fields)
        assert public[0].message.title.endswith("0.0/10") and public[0].message.fields
        assert hint not in shown and score.follow_up not in shown
        assert notes[0].target == thread and notes[0].user == ALICE
        assert hint in notes[0].message.text and score.follow_up in notes[0].message.text

    check()
    async with core.ctx.sessions.begin() as s:
        await s.execute(update(Answer).values(reply_sent=False, reply_claimed_at=None))
    platform.sent.clear()
    await core.worker.deliver_unsent()
    check()


async def _resend_after_a_crash(core: Core) -> None:
    """As if the process died after recording the score and before its reply went out."""
    async with core.ctx.sessions.begin() as s:
        await s.execute(update(Answer).values(reply_sent=False, reply_claimed_at=None))
    await core.worker.deliver_unsent()


async def test_a_resent_reply_equals_the_fresh_one(core: Core, platform: FakePlatform) -> None:
    thread = await setup_round(core)
    await core.answer(answer(thread, "m1", ALICE, "a great answer", core))
    await core.worker.drain()
    fresh = list(platform.sent)
    assert "Streak: 1 day" in platform.of_kind("score")[0].message.plain()
    await _resend_after_a_crash(core)
    resent = platform.sent[len(fresh):]
    assert [(x.kind, x.target, x.message, x.user) for x in resent] == \
        [(x.kind, x.target, x.message, x.user) for x in fresh if x.kind != "post"]


async def test_a_resent_practice_reply_repeats_the_model_answer(core: Core, platform: FakePlatform) -> None:
    await core.command(CommandContext(ALICE, "alice", None, is_dm=True), "practice")
    start = len(platform.sent)
    await core.answer(AnswerEvent("test:W1:D1:p1", f"{ALICE}:dm", ALICE, "a great answer", core.ctx.clock.now(),
                                  "alice", True))
    await core.worker.drain()
    fresh = platform.sent[start:]
    assert len(fresh) == 2 and fresh[0].message.kind == "score"  # the score, then the model answer
    await _resend_after_a_crash(core)
    assert [x.message for x in platform.sent[start + 2:]] == [x.message for x in fresh]
