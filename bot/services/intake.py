"""Answer intake: find the round or practice session a message belongs to, validate, store, dedupe.

An answer is stored before it is scored, and the platform message id is unique, so a redelivered
event never creates a second answer.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import Integer, bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select
from sqlalchemy.sql.dml import ReturningInsert, ReturningUpdate

from bot import render, syntax
from bot.clock import as_utc
from bot.events import AnswerEvent, IntakeResult
from bot.messages import Message, user_text, valid_unicode
from bot.services import directory, progress
from bot.services.context import Context
from bot.services.days import local_day
from bot.store.models import Answer, Channel, Member, PracticeSession, Round
from bot.store.queries import received_since, round_accepts, round_open_at

log = logging.getLogger(__name__)

HOURLY_WINDOW = timedelta(hours=1)  # settings.answers_per_hour counts the answers that arrived in this window
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
    # One session and transaction: the lookups (no lock yet: SQLite begins at the first write) and the
    # insert, so an answer costs one checkout, one commit and, on PostgreSQL, one pool ping.
    try:
        async with ctx.sessions.begin() as s:
            result = await _submit(ctx, s, event, revision_of)
    except IntegrityError:
        return IntakeResult("duplicate")
    if result.outcome == "accepted":
        log.info("answer stored", extra={"answer": result.answer_id, "thread_key": event.thread_key})
    return result


async def _submit(ctx: Context, s: AsyncSession, event: AnswerEvent, revision_of: int | None) -> IntakeResult:
    text = storable(event.text).strip()
    # The round and whether this message was already stored, in one statement.
    found = (await s.execute(_round_and_seen(), {"message_key": event.message_key,
                                                  "thread_key": event.thread_key})).first()
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
    # The first write: lock the person's row (PostgreSQL) or take SQLite's write lock, so the hourly
    # count and the insert below are one atomic step for this person. It returns the person's row: a
    # known person with an unchanged name needs no other lookup.
    m = await s.scalar(_lock_member(), {"key": event.user_key})
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
    if revision_of is not None and (limited := await too_many_revisions(s, revision_of)) is not None:
        return IntakeResult("rejected", limited)
    values = {
        "message_key": event.message_key, "member_id": m.id,
        "round_id": rnd.id if rnd else None, "practice_id": practice.id if practice else None,
        "question_id": question_id, "thread_key": event.thread_key, "text": text,
        "revision_of": revision_of, "day": day, "submitted_at": event.at, "received_at": now,
        "status": "pending", "attempts": 0, "next_attempt_at": now, "pending_notice_sent": False,
        "reply_sent": False, "deleted": False,
    }
    # The hourly limit is the insert's own condition (one statement, under the person's lock);
    # only a refused answer reads its history again, to say when the person may answer next.
    answer_id = await s.scalar(_insert_within_limit(), {
        **values, "since": now - HOURLY_WINDOW, "limit": ctx.settings.answers_per_hour})
    if answer_id is None:
        limited = await rate_limited(ctx, s, m.id, now)
        assert limited is not None  # the insert and this count see the same rows
        return IntakeResult("rejected", limited)
    if practice is not None:
        await s.execute(update(PracticeSession).where(PracticeSession.id == practice.id)
                        .values(status="answered").execution_options(synchronize_session=False))
    return IntakeResult("accepted", answer_id=answer_id)


# The hot path's statements are built once, bound to their values: building one costs about as much as
# running it on SQLite.
@cache
def _round_and_seen() -> Select[tuple[Round, int | None]]:
    seen = select(Answer.id).where(Answer.message_key == bindparam("message_key")).limit(1).scalar_subquery()
    return select(Round, seen).where(Round.thread_key == bindparam("thread_key"))


@cache
def _lock_member() -> ReturningUpdate[tuple[Member]]:
    return (update(Member).where(Member.user_key == bindparam("key"))
            .values(display_name=Member.display_name).returning(Member)
            .execution_options(synchronize_session=False))


_INSERTED = ("message_key", "member_id", "round_id", "practice_id", "question_id", "thread_key", "text",
             "revision_of", "day", "submitted_at", "received_at", "status", "attempts", "next_attempt_at",
             "pending_notice_sent", "reply_sent", "deleted")


@cache
def _insert_within_limit() -> ReturningInsert[tuple[int]]:
    """INSERT … SELECT the answer's values WHERE the person has fewer than `limit` answers received since
    `since`, RETURNING its id: the hourly limit of `rate_limited`, checked by the insert itself. Built once,
    bound to the column values, `since` and `limit`."""
    table = Answer.__table__
    cols = table.c
    recent = (select(cols.id)
              .where(*received_since(bindparam("member_id"), bindparam("since", type_=cols.received_at.type)))
              .limit(bindparam("limit", type_=Integer)).subquery())
    under_limit = select(func.count()).select_from(recent).scalar_subquery() < bindparam("limit", type_=Integer)
    row = select(*(bindparam(name, type_=cols[name].type) for name in _INSERTED)).where(under_limit)
    # The table, not the mapped class: a core statement, so the session sends it as it is (no ORM bulk path).
    return insert(table).from_select(list(_INSERTED), row, include_defaults=False).returning(cols.id)


async def rate_limited(ctx: Context, s: AsyncSession, member_id: int, now: datetime) -> Message | None:
    """At most `answers_per_hour` judged answers per person per rolling hour, counted by arrival (an
    edit of an old message arrives now); say when to come back. Runs inside the insert's transaction."""
    limit = ctx.settings.answers_per_hour
    recent = (await s.scalars(
        select(Answer.received_at).where(*received_since(member_id, now - HOURLY_WINDOW))
        .order_by(Answer.received_at.desc()).limit(limit)
    )).all()
    if len(recent) < limit:
        return None
    free_at = as_utc(recent[-1]) + HOURLY_WINDOW  # type: ignore[arg-type]
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
