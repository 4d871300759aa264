"""The weekly digest on in-memory SQLite: participation counts live answers to the week's rounds, most
improved compares a person's mean with the week before, an opted-out person is anonymous, and a week's
digest is posted once."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FakeClock
from bot.services import digest, intake, privacy
from bot.services.context import Context
from tests.fakes.judges import ScriptedJudge
from tests.service.test_store_rules import ALICE, BOB, CH, answer, open_round, score_all


async def week_of_answers(ctx: Context, texts: dict[str, str], tag: str) -> None:
    thread = await open_round(ctx)
    for user, text in texts.items():
        assert (await intake.submit(ctx, answer(ctx, thread, f"{tag}-{user[-3:]}", text, user))).outcome == "accepted"
    await score_all(ctx, ScriptedJudge())


async def test_digest_counts_the_week_and_who_improved(ctx: Context) -> None:
    assert isinstance(ctx.clock, FakeClock)
    await week_of_answers(ctx, {ALICE: "an ok answer", BOB: "a great answer"}, "w1")
    ctx.clock.advance(timedelta(days=7))
    await week_of_answers(ctx, {ALICE: "a great answer", BOB: "an ok answer", "test:W1:carol": "a great one"}, "w2")
    assert await intake.delete(ctx, f"{CH}:w2-rol") == 1  # Carol's answer is deleted: she took no part
    await privacy.set_option(ctx, ALICE, "alice", "leaderboard", False)
    async with ctx.uow() as uow:
        ch = await uow.directory.channel(CH)
        assert ch is not None

    data = await digest.build(ctx, ch.id, ctx.clock.now().date())
    assert (data.week, data.participants, data.answers) == ("2026-W46", 2, 2)
    assert (data.participants_prev, data.answers_prev) == (2, 2)
    assert data.most_improved == ("(anonymous)", 5.0)
    assert data.top[0] == ("(anonymous)", 10.0) and data.prev_weeks == 1
    assert data.hardest is not None and data.hardest[1] == 7.5
    assert {name for name, _ in data.streaks} == {"(anonymous)", "bob"}

    first = await digest.post_digest(ctx, CH, week_day=ctx.clock.now().date())
    again = await digest.post_digest(ctx, CH, week_day=ctx.clock.now().date())
    assert (first.posted, again.posted, again.reason) == (True, False, "already posted")
    async with ctx.uow() as uow:
        row = await uow.digests.of_week(ch.id, "2026-W46")
        assert row is not None and row.posted_at is not None and row.thread_key
    assert (await digest.post_digest(ctx, "test:W1:nowhere")).reason == "channel not configured"


async def test_a_person_without_a_name_is_someone_in_every_list(ctx: Context) -> None:
    """The digest showed an empty name where the leaderboard and team report say "someone"."""
    from sqlalchemy import update

    from bot.store.models import Member

    assert isinstance(ctx.clock, FakeClock)
    await week_of_answers(ctx, {ALICE: "an ok answer", BOB: "a great answer"}, "w1")
    ctx.clock.advance(timedelta(days=7))
    await week_of_answers(ctx, {ALICE: "a great answer", BOB: "an ok answer"}, "w2")
    async with ctx.uow() as uow:
        await uow.session.execute(update(Member).where(Member.user_key == ALICE).values(display_name=""))
        ch = await uow.directory.channel(CH)
        assert ch is not None

    data = await digest.build(ctx, ch.id, ctx.clock.now().date())
    assert data.most_improved == ("someone", 5.0)
    assert data.top[0] == ("someone", 10.0)
    assert {name for name, _ in data.streaks} == {"someone", "bob"}
