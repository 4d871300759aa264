"""Answer intake: find the round or practice session a message belongs to, validate, store, dedupe.

An answer is stored before it is scored, and the platform message id is unique, so a redelivered
event never creates a second answer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError

from bot import render, syntax
from bot.clock import as_utc
from bot.events import AnswerEvent, IntakeResult
from bot.messages import Message, user_text, valid_unicode
from bot.services import directory, progress
from bot.services.context import Context
from bot.services.days import local_day
from bot.services.scoring.lease import LEASE, Claimed
from bot.store.models import Round
from bot.store.queries import round_accepts
from bot.store.repositories import Repositories
from bot.store.uow import UnitOfWork

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


async def submit(ctx: Context, event: AnswerEvent, *, revision_of: int | None = None,
                 adopt: Callable[[Claimed], None] | None = None) -> IntakeResult:
    """Store an answer. With `adopt` (the local worker has a free grading slot), the answer is stored
    already claimed for scoring, under the same lease a claim takes, and handed to `adopt` once committed:
    the worker grades it without a claim transaction of its own. A process that dies holding it leaves a
    lease that runs out like any claim's (SQLite releases every claim at start)."""
    # One unit of work: the lookups (no lock yet: SQLite begins at the first write) and the insert, so
    # an answer costs one checkout, one commit and, on PostgreSQL, one pool ping.
    try:
        async with ctx.uow() as uow:
            result, claimed = await _submit(ctx, uow, event, revision_of, adopt is not None)
    except IntegrityError:
        return IntakeResult("duplicate")
    if result.outcome == "accepted":
        log.info("answer stored", extra={"answer": result.answer_id, "thread_key": event.thread_key})
        if adopt is not None and claimed is not None:
            adopt(claimed)
    return result


async def _submit(ctx: Context, uow: UnitOfWork, event: AnswerEvent, revision_of: int | None, claim: bool
                  ) -> tuple[IntakeResult, Claimed | None]:
    result = await _store(ctx, uow, event, revision_of, claim)
    if not isinstance(result, tuple):
        return result, None
    answer_id, member_id, question_id, text, tried_before = result
    # Claimed at intake: what grading needs, as the worker's claim reads it (feedback shown for this
    # person's earlier tries at the question, if they have any), in the same transaction.
    shown = await uow.answers.shown_before([answer_id]) if claim and tried_before else {}
    claimed = Claimed(answer_id, member_id, question_id, text, tuple(shown.get(answer_id, ()))) if claim else None
    return IntakeResult("accepted", answer_id=answer_id), claimed


async def _store(ctx: Context, uow: UnitOfWork, event: AnswerEvent, revision_of: int | None, claim: bool
                 ) -> IntakeResult | tuple[int, int, int, str, bool]:
    """The checks and the insert; the stored answer's id, person, question and text and whether the
    person has a scored earlier try at the question, or why not."""
    text = storable(event.text).strip()
    # The round and whether this message was already stored, in one statement.
    rnd, duplicate = await uow.answers.round_and_seen(event.message_key, event.thread_key)
    practice = None
    if rnd is None:
        practice = await uow.practice.open_for_thread(event.thread_key)
    if rnd is None and practice is None:
        # Not a drillbot thread: in a channel that is someone else's conversation, so stay silent.
        return IntakeResult("ignored")
    if duplicate is None:
        duplicate = await uow.answers.seen(event.message_key)
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
    m = await uow.people.lock(event.user_key)
    if m is None or (event.display_name and m.display_name != event.display_name[:200]):
        m = await directory.member(ctx, uow, event.user_key, event.display_name,
                                   directory.acting_in(ctx, event.workspace_key, event.place_key))
    if rnd is not None:
        question_id, day = rnd.question_id, rnd.local_date
    else:
        assert practice is not None
        if practice.member_id != m.id:
            return IntakeResult("ignored")
        question_id = practice.question_id
        day = await local_day(ctx, uow, m, event.at)
    if revision_of is not None and (limited := await too_many_revisions(uow, revision_of)) is not None:
        return IntakeResult("rejected", limited)
    values = {
        "message_key": event.message_key, "member_id": m.id,
        "round_id": rnd.id if rnd else None, "practice_id": practice.id if practice else None,
        "question_id": question_id, "thread_key": event.thread_key, "text": text,
        "revision_of": revision_of, "day": day, "submitted_at": event.at, "received_at": now,
        # Claimed at intake: leased for scoring like the worker's claim (`lease.claim`).
        "status": "scoring" if claim else "pending", "attempts": 0,
        "next_attempt_at": now + LEASE if claim else now, "pending_notice_sent": False,
        "reply_sent": False, "deleted": False,
    }
    # The hourly limit is the insert's own condition (one statement, under the person's lock);
    # only a refused answer reads its history again, to say when the person may answer next.
    stored = await uow.answers.insert_within_limit(values, now - HOURLY_WINDOW, ctx.settings.answers_per_hour)
    if stored is None:
        limited = await rate_limited(ctx, uow, m.id, now)
        assert limited is not None  # the insert and this count see the same rows
        return IntakeResult("rejected", limited)
    if practice is not None:
        await uow.practice.mark_answered(practice.id)
    return stored[0], m.id, question_id, text, stored[1]


async def rate_limited(ctx: Context, store: Repositories, member_id: int, now: datetime) -> Message | None:
    """At most `answers_per_hour` judged answers per person per rolling hour, counted by arrival (an
    edit of an old message arrives now); say when to come back. Runs inside the insert's transaction."""
    limit = ctx.settings.answers_per_hour
    recent = await store.answers.received_since(member_id, now - HOURLY_WINDOW, limit)
    if len(recent) < limit:
        return None
    free_at = as_utc(recent[-1]) + HOURLY_WINDOW  # type: ignore[arg-type]
    minutes = max(1, int((free_at - now).total_seconds() // 60) + 1)
    return render.error(
        f"You have sent {limit} answers in the last hour, the most drillbot scores per hour. Nothing was saved.",
        f"You can answer again in about {minutes} minute(s), at {free_at:%H:%M} UTC.")


async def too_many_revisions(store: Repositories, original_id: int) -> Message | None:
    n = await store.answers.revision_count(original_id)
    if n < MAX_REVISIONS:
        return None
    return render.error(
        f"That answer has been edited and re-scored {MAX_REVISIONS} times, the most drillbot scores. "
        "This edit was not scored.", "Post a new reply in the thread if you want another score.")


async def edit(ctx: Context, event: AnswerEvent) -> IntakeResult:
    """An edited message is a revision: a new answer linked to the original, scored on its own."""
    async with ctx.uow() as uow:
        original = await uow.answers.by_message_key(event.message_key)
        texts = await uow.answers.revision_texts(original.id) if original is not None else []
    if original is None:
        # The edit arrived before (or instead of) the original: treat it as the answer itself.
        return await submit(ctx, event)
    # The same text as the original or a revision already stored: a redelivered edit, not a new one.
    if storable(event.text).strip() in {t.strip() for t in (original.text, *texts)}:
        return IntakeResult("duplicate")
    revision_key = f"{event.message_key}#edit{len(texts) + 1}"
    revised = AnswerEvent(revision_key, event.thread_key, event.user_key, event.text, event.at,
                          event.display_name, event.is_dm)
    return await submit(ctx, revised, revision_of=original.id)


async def delete(ctx: Context, message_key: str) -> int:
    """A deleted message leaves the leaderboard (with its revisions); returns answers affected."""
    async with ctx.uow() as uow:
        original = await uow.answers.by_message_key(message_key)
        if original is None:
            return 0
        answers = await uow.answers.with_revisions(original.id)
        for a in answers:
            a.deleted = True
        await uow.flush()
        await progress.refresh_member(ctx, uow, original.member_id, round_id=original.round_id)
        return len(answers)


async def open_round_for_channel(ctx: Context, channel_key: str, at: datetime) -> Round | None:
    async with ctx.uow() as uow:
        return await uow.rounds.open_for_channel(channel_key, at)
