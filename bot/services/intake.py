"""Answer intake: find the round or practice session a message belongs to, validate, store, dedupe.

An answer is stored before it is scored, and the platform message id is unique, so a redelivered
event never creates a second answer.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot import render, syntax
from bot.clock import as_utc
from bot.events import AnswerEvent, IntakeResult
from bot.messages import Message, user_text, valid_unicode
from bot.services import directory, progress
from bot.services.context import Context
from bot.services.days import local_day
from bot.store.models import Answer, Channel, Member, PracticeSession, Round
from bot.store.queries import round_accepts, round_open_at

log = logging.getLogger(__name__)

# Each edit of an answer is scored as a revision; beyond this many the edit is refused (issue 20.6).
MAX_REVISIONS = 5


def storable(text: str) -> str:
    """NUL characters carry nothing a reader can see, and PostgreSQL text columns refuse them; lone
    surrogates cannot be encoded at all."""
    return valid_unicode(text.replace("\x00", ""))


def is_blank(text: str) -> bool:
    """Nothing a reader can see: whitespace, zero-width or other invisible characters, NUL. Such an
    answer is refused as empty (round, practice and interview alike), never stored and scored 0.0."""
    return not user_text(text)


async def submit(ctx: Context, event: AnswerEvent, *, revision_of: int | None = None) -> IntakeResult:
    text = storable(event.text).strip()
    async with ctx.sessions() as s:
        # The round and whether this message was already stored, in one statement.
        seen = select(Answer.id).where(Answer.message_key == event.message_key).limit(1).scalar_subquery()
        found = (await s.execute(select(Round, seen).where(Round.thread_key == event.thread_key))).first()
        rnd, duplicate = (found[0], found[1] is not None) if found else (None, None)
        practice = None
        if rnd is None:
            practice = await s.scalar(
                select(PracticeSession)
                .where(PracticeSession.thread_key == event.thread_key, PracticeSession.status == "open")
                .order_by(PracticeSession.id.desc())
                .limit(1)
            )
        if rnd is None and practice is None:
            # Not a drillbot thread: in a channel that is someone else's conversation, so stay silent.
            return IntakeResult("ignored")
        if duplicate is None:
            duplicate = await s.scalar(select(Answer.id).where(Answer.message_key == event.message_key)) is not None
        if duplicate:
            return IntakeResult("duplicate")
        if rnd is not None and not round_accepts(rnd, event.at):
            return IntakeResult("rejected", render.error(
                "This round is closed, so this answer was not scored. The model answer is in the thread.",
                f"Practise the same category privately with `{syntax.usage_for(ctx, event.user_key, 'practice')}`, "
                "or answer today's question."))
    if is_blank(text):
        return IntakeResult("rejected", render.error("That answer is empty.", "Reply with your answer in text."))
    limit = ctx.settings.max_answer_chars
    if len(text) > limit:
        return IntakeResult("rejected", render.error(
            f"That answer is {len(text):,} characters; the limit is {limit:,}. Nothing was saved.",
            "Trim it to the key points, as you would in an interview, and post it again."))

    now = ctx.clock.now()
    try:
        async with ctx.sessions.begin() as s:
            # First statement of the transaction: lock the person's row (PostgreSQL) or take SQLite's
            # write lock, so the hourly count below and the insert are one atomic step for this person.
            # It returns the person's row: a known person with an unchanged name needs no other lookup.
            m = await s.scalar(update(Member).where(Member.user_key == event.user_key)
                               .values(display_name=Member.display_name).returning(Member)
                               .execution_options(synchronize_session=False))
            if m is None or (event.display_name and m.display_name != event.display_name[:200]):
                m = await directory.member(ctx, s, event.user_key, event.display_name,
                                           directory.acting_in(ctx, event.workspace_key, event.place_key))
            if rnd is not None:
                question_id, day = rnd.question_id, rnd.local_date
            else:
                assert practice is not None
                if practice.member_id != m.id:
                    return IntakeResult("ignored")
                question_id = practice.question_id
                day = await local_day(ctx, s, m, event.at)
            limited = await rate_limited(ctx, s, m.id, now)
            if limited is None and revision_of is not None:
                limited = await too_many_revisions(s, revision_of)
            if limited is not None:
                return IntakeResult("rejected", limited)
            answer = Answer(
                message_key=event.message_key, member_id=m.id,
                round_id=rnd.id if rnd else None, practice_id=practice.id if practice else None,
                question_id=question_id, thread_key=event.thread_key, text=text, revision_of=revision_of,
                day=day, submitted_at=event.at, received_at=now, status="pending", next_attempt_at=now,
            )
            s.add(answer)
            if practice is not None:
                (await s.get(PracticeSession, practice.id)).status = "answered"  # type: ignore[union-attr]
            await s.flush()
            answer_id = answer.id
    except IntegrityError:
        return IntakeResult("duplicate")
    log.info("answer stored", extra={"answer": answer_id, "thread_key": event.thread_key})
    return IntakeResult("accepted", answer_id=answer_id)


async def rate_limited(ctx: Context, s: AsyncSession, member_id: int, now: datetime) -> Message | None:
    """At most `answers_per_hour` judged answers per person per rolling hour, counted by arrival (an
    edit of an old message arrives now); say when to come back. Runs inside the insert's transaction."""
    limit = ctx.settings.answers_per_hour
    recent = (await s.scalars(
        select(Answer.received_at)
        .where(Answer.member_id == member_id, Answer.received_at > now - timedelta(hours=1))
        .order_by(Answer.received_at.desc()).limit(limit)
    )).all()
    if len(recent) < limit:
        return None
    free_at = as_utc(recent[-1]) + timedelta(hours=1)  # type: ignore[arg-type]
    minutes = max(1, int((free_at - now).total_seconds() // 60) + 1)
    return render.error(
        f"You have sent {limit} answers in the last hour, the most drillbot scores per hour. Nothing was saved.",
        f"You can answer again in about {minutes} minute(s), at {free_at:%H:%M} UTC.")


async def too_many_revisions(s: AsyncSession, original_id: int) -> Message | None:
    n = await s.scalar(select(func.count(Answer.id)).where(Answer.revision_of == original_id)) or 0
    if n < MAX_REVISIONS:
        return None
    return render.error(
        f"That answer has been edited and re-scored {MAX_REVISIONS} times, the most drillbot scores. "
        "This edit was not scored.", "Post a new reply in the thread if you want another score.")


async def edit(ctx: Context, event: AnswerEvent) -> IntakeResult:
    """An edited message is a revision: a new answer linked to the original, scored on its own."""
    async with ctx.sessions() as s:
        original = await s.scalar(select(Answer).where(Answer.message_key == event.message_key))
        if original is None:
            # The edit arrived before (or instead of) the original: treat it as the answer itself.
            return await submit(ctx, event)
        texts = (await s.scalars(select(Answer.text).where(Answer.revision_of == original.id))).all()
        n = len(texts)
        # The same text as the original or a revision already stored: a redelivered edit, not a new one.
        if storable(event.text).strip() in {t.strip() for t in (original.text, *texts)}:
            return IntakeResult("duplicate")
    revision_key = f"{event.message_key}#edit{n + 1}"
    revised = AnswerEvent(revision_key, event.thread_key, event.user_key, event.text, event.at,
                          event.display_name, event.is_dm)
    return await submit(ctx, revised, revision_of=original.id)


async def delete(ctx: Context, message_key: str) -> int:
    """A deleted message leaves the leaderboard (with its revisions); returns answers affected."""
    async with ctx.sessions.begin() as s:
        original = await s.scalar(select(Answer).where(Answer.message_key == message_key))
        if original is None:
            return 0
        answers = (await s.scalars(select(Answer).where(
            (Answer.id == original.id) | (Answer.revision_of == original.id)))).all()
        for a in answers:
            a.deleted = True
        await s.flush()
        await progress.refresh_member(ctx, s, original.member_id, round_id=original.round_id)
        return len(answers)


async def open_round_for_channel(ctx: Context, channel_key: str, at: datetime) -> Round | None:
    async with ctx.sessions() as s:
        return await s.scalar(
            select(Round).join(Channel, Channel.id == Round.channel_id)
            .where(Channel.key == channel_key, *round_open_at(at))
            .order_by(Round.local_date.desc()).limit(1)
        )
