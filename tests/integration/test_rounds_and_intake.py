"""Rounds, intake and scoring through the real core and a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, select

from bot.core import Core
from bot.events import AnswerEvent
from bot.store.models import Answer, Round, RoundPoints, Score
from tests.fakes.judges import ScriptedJudge
from tests.fakes.platform import FakePlatform

CH = "test:W1:C1"
ALICE, BOB = "test:W1:alice", "test:W1:bob"


async def setup_round(core: Core) -> str:
    await core.configure_channel(CH, "general", weekdays="mon-sun")
    result = await core.post_round(CH)
    assert result.posted and result.thread_key
    return result.thread_key


def answer(thread: str, msg: str, user: str, text: str, core: Core) -> AnswerEvent:
    return AnswerEvent(f"test:W1:C1:{msg}", thread, user, text, core.ctx.clock.now(), user.rsplit(":", 1)[1])


async def count(core: Core, model: type, *where: object) -> int:
    async with core.ctx.sessions() as s:
        return await s.scalar(select(func.count()).select_from(model).where(*where)) or 0  # type: ignore[arg-type]


async def test_posts_one_round_per_channel_per_day(core: Core, platform: FakePlatform) -> None:
    await setup_round(core)
    again = await core.post_round(CH)
    assert not again.posted and again.reason == "already posted today"
    racers = await asyncio.gather(*(core.post_round(CH, force=True) for _ in range(5)))
    assert not any(r.posted for r in racers)
    assert len(platform.posts()) == 1
    assert await count(core, Round) == 1


async def test_weekday_channel_does_not_post_on_weekends(core: Core, platform: FakePlatform) -> None:
    await core.configure_channel(CH, "general", weekdays="mon-fri")
    core.ctx.clock.advance(timedelta(days=5))  # Saturday
    result = await core.post_round(CH)
    assert not result.posted and result.reason == "not a posting day"
    assert platform.posts() == []


async def test_answer_is_stored_scored_and_replied_in_thread(core: Core, platform: FakePlatform) -> None:
    thread = await setup_round(core)
    result = await core.answer(answer(thread, "m1", ALICE, "a great answer", core))
    assert result.outcome == "accepted"
    assert await count(core, Answer, Answer.status == "pending") == 1
    await core.worker.drain()
    replies = [s for s in platform.sent if s.kind == "reply"]
    assert len(replies) == 1 and replies[0].target == thread and replies[0].reply_to == "test:W1:C1:m1"
    assert replies[0].message.title == "alice: 10.0/10"
    assert "Streak: 1 day" in replies[0].message.text


async def test_duplicate_delivery_never_scores_twice(core: Core, judge: ScriptedJudge) -> None:
    thread = await setup_round(core)
    event = answer(thread, "m1", ALICE, "a great answer", core)
    outcomes = await asyncio.gather(*(core.answer(event) for _ in range(4)))
    assert sorted(o.outcome for o in outcomes).count("accepted") == 1
    await core.worker.drain()
    await core.answer(event)
    await core.worker.drain()
    assert judge.calls == 1
    assert await count(core, Score) == 1


async def test_bad_input_is_rejected_with_a_reason_and_changes_nothing(core: Core) -> None:
    thread = await setup_round(core)
    empty = await core.answer(answer(thread, "m1", ALICE, "   \n ", core))
    assert empty.outcome == "rejected" and "empty" in empty.reply.text  # type: ignore[union-attr]
    # Only invisible characters (zero-width spaces, a byte-order mark, NUL) is empty too, not a 0.0 to hold.
    invisible = await core.answer(answer(thread, "m4", ALICE, "\u200b\u200b \ufeff\x00", core))
    assert invisible.outcome == "rejected" and "empty" in invisible.reply.text  # type: ignore[union-attr]
    long = await core.answer(answer(thread, "m2", ALICE, "x" * 4001, core))
    assert long.outcome == "rejected" and "4,000" in long.reply.text  # type: ignore[union-attr]
    unknown = await core.answer(answer("test:W1:C1:nope", "m3", ALICE, "hello", core))
    assert unknown.outcome == "ignored" and unknown.reply is None  # someone else's thread: stay silent
    assert await count(core, Answer) == 0


async def test_answer_to_closed_round_is_refused(core: Core, platform: FakePlatform) -> None:
    thread = await setup_round(core)
    core.ctx.clock.advance(timedelta(hours=25))
    assert await core.close_due_rounds() == 1
    assert platform.sent[-1].message.kind == "reveal"
    assert platform.sent[-1].message.footer.endswith("Keep practising in DM with /drill practice.")
    late = await core.answer(answer(thread, "m1", ALICE, "a great answer", core))
    assert late.outcome == "rejected" and "closed" in late.reply.text  # type: ignore[union-attr]
    assert await count(core, Answer) == 0


async def test_best_score_per_round_counts_and_edits_are_revisions(core: Core) -> None:
    thread = await setup_round(core)
    await core.answer(answer(thread, "m1", ALICE, "an ok answer", core))
    await core.worker.drain()
    await core.edit(answer(thread, "m1", ALICE, "a great answer now", core))
    await core.answer(answer(thread, "m2", ALICE, "nothing useful", core))
    await core.worker.drain()
    async with core.ctx.sessions() as s:
        points = (await s.scalars(select(RoundPoints.points))).all()
    assert points == [10.0]
    assert await count(core, Answer, Answer.revision_of.is_not(None)) == 1


async def test_edit_before_original_is_taken_as_the_answer(core: Core) -> None:
    thread = await setup_round(core)
    result = await core.edit(answer(thread, "m9", ALICE, "a great answer", core))
    assert result.outcome == "accepted"
    late_original = await core.answer(answer(thread, "m9", ALICE, "draft", core))
    assert late_original.outcome == "duplicate"


async def test_deleting_an_answer_removes_it_from_the_leaderboard(core: Core) -> None:
    thread = await setup_round(core)
    await core.answer(answer(thread, "m1", ALICE, "a great answer", core))
    await core.answer(answer(thread, "m2", BOB, "an ok answer", core))
    await core.worker.drain()
    assert await core.delete("test:W1:C1:m1") == 1
    async with core.ctx.sessions() as s:
        rows = (await s.execute(select(RoundPoints.points))).all()
    assert [r.points for r in rows] == [5.0]


async def test_flagged_answer_keeps_score_but_earns_nothing_until_cleared(core: Core, platform: FakePlatform) -> None:
    thread = await setup_round(core)
    await core.answer(answer(thread, "m1", ALICE, "a great answer inject", core))
    await core.worker.drain()
    reply = [s for s in platform.sent if s.kind == "reply"][0].message
    assert reply.title.endswith("10.0/10") and "Held for review" in reply.text
    assert await count(core, RoundPoints) == 0
    platform.admins.add(BOB)
    from bot.events import CommandContext

    listing = await core.command(CommandContext(BOB, "bob", CH), "review")
    assert "injection_suspected" in listing.plain()
    async with core.ctx.sessions() as s:
        answer_id = await s.scalar(select(Answer.id))
    done = await core.command(CommandContext(BOB, "bob", CH), f"review clear {answer_id}")
    assert "cleared" in done.text
    assert await count(core, RoundPoints) == 1


async def test_hourly_limit_holds_under_concurrent_answers_from_two_processes(make_core) -> None:  # type: ignore[no-untyped-def]
    """Issue 20.5: the count and the insert were separate, so 40 concurrent answers were all stored."""
    first: Core = await make_core(answers_per_hour=5)
    second: Core = await make_core(answers_per_hour=5)  # its own engine and pool, as another process
    thread = await setup_round(first)
    await first.answer(answer(thread, "warm", ALICE, "a first answer", first))  # the person exists
    events = [answer(thread, f"burst{i}", ALICE, f"answer number {i}", first) for i in range(16)]
    outcomes = await asyncio.gather(*((first if i % 2 else second).answer(e) for i, e in enumerate(events)))
    assert [o.outcome for o in outcomes].count("accepted") == 4
    assert await count(first, Answer) == 5


async def test_edits_count_toward_the_hourly_limit_by_arrival_and_are_capped(make_core) -> None:  # type: ignore[no-untyped-def]
    """Issue 20.6: revisions carried the original message's time, so 35 edits of an old answer were all
    stored and scored."""
    core: Core = await make_core(answers_per_hour=6)
    thread = await setup_round(core)
    await core.answer(answer(thread, "m1", ALICE, "version 0", core))
    core.ctx.clock.advance(timedelta(hours=2))  # the original is now outside the hourly window
    outcomes = []
    for i in range(1, 10):
        edited = answer(thread, "m1", ALICE, f"version {i}", core)
        outcomes.append(await core.edit(AnswerEvent(edited.message_key, thread, ALICE, edited.text,
                                                    core.ctx.clock.now() - timedelta(hours=2), "alice")))
    assert [o.outcome for o in outcomes].count("accepted") == 5  # at most 5 revisions per answer
    refused = [o for o in outcomes if o.outcome == "rejected"]
    assert refused and "edit" in refused[0].reply.text.lower()  # type: ignore[union-attr]
    # the 5 revisions arrived in this hour, so with a limit of 6 one more answer fits, not two
    assert (await core.answer(answer(thread, "n1", ALICE, "a fresh answer", core))).outcome == "accepted"
    assert (await core.answer(answer(thread, "n2", ALICE, "another fresh one", core))).outcome == "rejected"


async def test_an_event_stored_but_never_processed_is_processed_at_the_next_start(make_core, judge) -> None:  # type: ignore[no-untyped-def]
    """Issue 20.1: adapters store the raw event before acknowledging it; a process that died before
    processing it leaves the row, and the next start turns it into an answer (once)."""
    core: Core = await make_core(judge)
    thread = await setup_round(core)
    event = answer(thread, "inbox1", ALICE, "a great answer", core)
    assert await core.receive("answer", event.message_key, event) is not None
    assert await core.receive("answer", event.message_key, event) is None  # a redelivery: stored once
    assert await count(core, Answer) == 0  # ...and the process dies here
    restarted: Core = await make_core(judge)
    assert await count(restarted, Answer) == 1
    # stored for the queue, not claimed for this core's worker (it has not run; a command's core never does)
    assert await count(restarted, Answer, Answer.status == "pending") == 1
    await restarted.worker.drain()
    assert await count(restarted, Score) == 1
    assert await restarted.process_leftover() == 0


async def test_closed_round_refusal_names_practice_as_the_person_types_it(core: Core, platform: FakePlatform) -> None:
    # The terminal types `/practice`, not `/drill practice`: the refusal's hint goes through bot.syntax too.
    platform.command_prefix = "/"  # type: ignore[attr-defined]
    thread = await setup_round(core)
    core.ctx.clock.advance(timedelta(hours=25))
    assert await core.close_due_rounds() == 1
    late = await core.answer(answer(thread, "m1", ALICE, "a great answer", core))
    assert late.outcome == "rejected"
    assert "`/practice`" in late.reply.text and "/drill" not in late.reply.text  # type: ignore[union-attr]
