"""Repositories: the named queries services ask the store, one method per question, over one session.

A rule a query filters by ("a counted answer", "pending work", "a round open for a thread") is a
condition in `bot.store.queries`; the statement that asks it lives here, once. Services reach them through
a unit of work (`bot.store.uow`), never by writing SQL of their own. Hot-path statements are built once
(`@cache`) and bound to their values: building one costs about as much as running it on SQLite.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    Boolean,
    Integer,
    Select,
    and_,
    bindparam,
    case,
    delete,
    exists,
    func,
    insert,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql.dml import ReturningInsert, ReturningUpdate, Update

from bot.store.models import (
    Answer,
    CategoryStatRow,
    Channel,
    Digest,
    Dispute,
    InboxEvent,
    InterviewSession,
    InterviewTurn,
    Member,
    Notification,
    PracticeSession,
    QuestionRow,
    ReviewItem,
    Round,
    RoundPoints,
    Score,
    Streak,
    Workspace,
)
from bot.store.queries import (
    channel_people,
    counted,
    dispute_open,
    due_for_scoring,
    first_channel_zone,
    held,
    live,
    received_since,
    reply_unsent,
    review_due,
    round_due_to_close,
    round_in_week,
    round_open_at,
    scored,
    scores_since,
    scoring_work,
)
from bot.store.score_effects import ScoreEffects
from bot.store.team_figures import TeamFigures

SHOWN_TRIES = 5  # how many earlier scored tries' feedback a revision is checked against

# Columns an intake insert sets, in the order `insert_within_limit` binds them.
ANSWER_COLUMNS = ("message_key", "member_id", "round_id", "practice_id", "question_id", "thread_key", "text",
                  "revision_of", "day", "submitted_at", "received_at", "status", "attempts", "next_attempt_at",
                  "pending_notice_sent", "reply_sent", "deleted")


@cache
def _round_and_seen() -> Select[Any]:
    """Core statements on the tables (rows, not entities): loading an ORM entity cost more than the query."""
    rounds, answers = Round.__table__.c, Answer.__table__.c
    seen = select(answers.id).where(answers.message_key == bindparam("message_key")).limit(1).scalar_subquery()
    return select(*rounds, seen.label("seen_id")).where(rounds.thread_key == bindparam("thread_key"))


@cache
def _insert_within_limit() -> ReturningInsert[tuple[int, bool]]:
    """INSERT … SELECT the answer's values WHERE the person has fewer than `limit` answers received since
    `since`, RETURNING its id (the hourly limit checked by the insert itself) and whether the person has a
    scored earlier try at the question (any version of it): without one there is no earlier feedback
    (`shown_before`) to read."""
    table = Answer.__table__
    cols = table.c
    # Written out: SQLAlchemy renders a RETURNING clause's columns unqualified, so a subquery built from
    # the tables would not correlate with the inserted row.
    a, q, sc = table.name, QuestionRow.__table__.name, Score.__table__.name
    tried = literal_column(
        f"EXISTS (SELECT 1 FROM {a} AS other JOIN {sc} ON {sc}.answer_id = other.id "
        f"JOIN {q} AS other_q ON other_q.id = other.question_id JOIN {q} AS this_q ON this_q.id = {a}.question_id "
        f"WHERE other.member_id = {a}.member_id AND other.id != {a}.id AND other_q.qid = this_q.qid)", Boolean)
    recent = (select(cols.id)
              .where(*received_since(bindparam("member_id"), bindparam("since", type_=cols.received_at.type)))
              .limit(bindparam("limit", type_=Integer)).subquery())
    under_limit = select(func.count()).select_from(recent).scalar_subquery() < bindparam("limit", type_=Integer)
    row = select(*(bindparam(name, type_=cols[name].type) for name in ANSWER_COLUMNS)).where(under_limit)
    # The table, not the mapped class: a core statement, so the session sends it as it is (no ORM bulk path).
    return (insert(table).from_select(list(ANSWER_COLUMNS), row, include_defaults=False)
            .returning(cols.id, tried.label("tried_before")))


@cache
def _claim() -> ReturningUpdate[Any]:
    """Built once (bound to now, the lease's end and the batch size): it runs on every pass."""
    now = bindparam("now", type_=Answer.next_attempt_at.type)
    due = (
        select(Answer.id)
        .where(*due_for_scoring(now))
        .order_by(Answer.next_attempt_at, Answer.id)
        .limit(bindparam("limit", type_=Integer))
        .with_for_update(skip_locked=True)
    )
    return (
        update(Answer).where(Answer.id.in_(due.scalar_subquery()))
        .values(status="scoring", next_attempt_at=bindparam("until", type_=Answer.next_attempt_at.type))
        .returning(Answer.id, Answer.member_id, Answer.question_id, Answer.text)
        .execution_options(synchronize_session=False)
    )


@cache
def _shown() -> Select[Any]:
    """Built once (bound to a list of answer ids): building it costs more than running it. A core
    statement on the tables: the ORM's handling of a select cost more than running it."""
    answer, question, score = Answer.__table__, QuestionRow.__table__, Score.__table__
    target, target_q = answer.alias("target"), question.alias("target_q")
    newest = func.row_number().over(partition_by=target.c.id, order_by=score.c.id.desc()).label("n")
    tries = (
        select(target.c.id.label("for_id"), score.c.feedback, score.c.follow_up, newest)
        .join(target_q, target_q.c.id == target.c.question_id)
        .join(question, question.c.qid == target_q.c.qid)
        .join(answer, and_(answer.c.question_id == question.c.id, answer.c.member_id == target.c.member_id,
                           answer.c.id != target.c.id))
        .join(score, score.c.answer_id == answer.c.id)
        .where(target.c.id.in_(bindparam("answer_ids", expanding=True)))
        .subquery()
    )
    return (select(tries.c.for_id, tries.c.feedback, tries.c.follow_up)
            .where(tries.c.n <= SHOWN_TRIES).order_by(tries.c.for_id, tries.c.n))


@cache
def _lock_member() -> ReturningUpdate[Any]:
    """A core statement returning the row's columns: the ORM's UPDATE … RETURNING an entity cost more
    than the update."""
    members = Member.__table__.c
    return (Member.__table__.update().where(members.user_key == bindparam("key"))
            .values(display_name=members.display_name).returning(*members))


@cache
def _settle() -> tuple[Update, Update]:
    """Built once (bound to a list of answer ids): one runs for every reply sent. Core statements on the
    table: the ORM's bulk-update path costs more than the update."""
    cols = Answer.__table__.c
    ids = cols.id.in_(bindparam("answer_ids", expanding=True))
    return (Answer.__table__.update().where(ids).values(reply_sent=True),
            Answer.__table__.update().where(ids).values(reply_claimed_at=None))


@dataclass
class Repository:
    session: AsyncSession


class Answers(Repository):
    """Stored answers: intake's lookups and insert, the scoring queue (pending work, leases), revisions."""

    async def round_and_seen(self, message_key: str, thread_key: str) -> tuple[Row[Any] | None, bool | None]:
        """The round whose thread this is (a row of its columns, read like a `Round`) and whether this
        message is stored already, in one statement; (None, None) when no round has this thread (then
        ask `seen`)."""
        found = (await self.session.execute(_round_and_seen(), {"message_key": message_key,
                                                                 "thread_key": thread_key})).first()
        return (found, found.seen_id is not None) if found else (None, None)

    async def seen(self, message_key: str) -> bool:
        return await self.session.scalar(select(Answer.id).where(Answer.message_key == message_key)) is not None

    async def by_message_key(self, message_key: str) -> Answer | None:
        return await self.session.scalar(select(Answer).where(Answer.message_key == message_key))

    async def revision_texts(self, original_id: int) -> list[str]:
        return list((await self.session.scalars(select(Answer.text).where(Answer.revision_of == original_id))).all())

    async def revision_count(self, original_id: int) -> int:
        return await self.session.scalar(
            select(func.count(Answer.id)).where(Answer.revision_of == original_id)) or 0

    async def with_revisions(self, original_id: int) -> list[Answer]:
        return list((await self.session.scalars(select(Answer).where(
            (Answer.id == original_id) | (Answer.revision_of == original_id)))).all())

    async def insert_within_limit(self, values: Mapping[str, Any], since: datetime, limit: int
                                  ) -> tuple[int, bool] | None:
        """Store an answer (`ANSWER_COLUMNS`) unless its person already has `limit` answers received since
        `since`; its id and whether the person tried the question before (a scored earlier answer to any
        version of it), or None when the limit refused it. One statement: the hourly limit cannot be
        passed by two answers arriving together (the caller holds the person's lock)."""
        row = (await self.session.execute(_insert_within_limit(), {**values, "since": since, "limit": limit})).first()
        return (row.id, bool(row.tried_before)) if row is not None else None

    async def received_since(self, member_id: int, since: datetime, limit: int) -> list[datetime]:
        """Arrival times of the person's answers received after `since`, newest first, at most `limit`."""
        return list((await self.session.scalars(
            select(Answer.received_at).where(*received_since(member_id, since))
            .order_by(Answer.received_at.desc()).limit(limit)
        )).all())

    async def counted_round_bests(self, member_id: int, round_id: int | None = None) -> Sequence[Row[Any]]:
        """The person's counted round answers (of one round, or all), best first per round: highest total,
        then the earliest submitted. Rows: round_id, id, total, submitted_at."""
        query = (select(Answer.round_id, Answer.id, Score.total, Answer.submitted_at)
                 .join(Score, Score.answer_id == Answer.id)
                 .where(Answer.member_id == member_id, Answer.round_id.is_not(None), *counted())
                 .order_by(Score.total.desc(), Answer.submitted_at.asc(), Answer.id.asc()))
        if round_id is not None:
            query = query.where(Answer.round_id == round_id)
        return (await self.session.execute(query)).all()

    async def counted_totals_by_question(self) -> dict[str, list[float]]:
        """The totals of every counted answer, per question id (all versions of a question together)."""
        rows = (await self.session.execute(
            select(QuestionRow.qid, Score.total)
            .join(Answer, Answer.question_id == QuestionRow.id)
            .join(Score, Score.answer_id == Answer.id)
            .where(*counted())
        )).all()
        out: dict[str, list[float]] = {}
        for qid, total in rows:
            out.setdefault(qid, []).append(float(total))
        return out

    async def claim_due(self, now: datetime, until: datetime, limit: int) -> Sequence[Row[Any]]:
        """Lease up to `limit` answers due for the judge until `until`, in one statement; on PostgreSQL
        FOR UPDATE SKIP LOCKED lets processes claim disjoint batches. Rows: id, member_id, question_id, text."""
        return (await self.session.execute(_claim(), {"now": now, "until": until, "limit": limit})).all()

    async def claimed(self, answer_id: int) -> Answer | None:
        """The answer if it is still leased for scoring (by us: a lease is only re-read by its holder)."""
        row = await self.session.get(Answer, answer_id)
        return row if row is not None and row.status == "scoring" else None

    async def release_expired(self, now: datetime, *, all_claims: bool = False) -> int:
        """Leases that ran out (or all of them) go back to pending; with `all_claims`, reply claims too."""
        stale = Answer.status == "scoring"
        if not all_claims:
            stale = stale & (Answer.next_attempt_at <= now)
        result = await self.session.execute(
            update(Answer).where(stale)
            .values(status="pending", next_attempt_at=now).execution_options(synchronize_session=False)
        )
        if all_claims:
            await self.session.execute(
                update(Answer).where(Answer.reply_sent.is_(False), Answer.reply_claimed_at.is_not(None))
                .values(reply_claimed_at=None).execution_options(synchronize_session=False))
        return result.rowcount or 0  # type: ignore[attr-defined]

    async def has_score(self, answer_id: int) -> bool:
        return await self.session.scalar(select(Score.id).where(Score.answer_id == answer_id)) is not None

    async def requeue(self, answer_id: int, now: datetime) -> None:
        """A leased answer goes straight back to pending."""
        await self.session.execute(update(Answer).where(Answer.id == answer_id, Answer.status == "scoring")
                                   .values(status="pending", next_attempt_at=now)
                                   .execution_options(synchronize_session=False))

    async def retry_failed(self, now: datetime) -> int:
        res = await self.session.execute(update(Answer).where(Answer.status == "failed")
                                         .values(status="pending", attempts=0, next_attempt_at=now)
                                         .execution_options(synchronize_session=False))
        return res.rowcount or 0  # type: ignore[attr-defined]

    async def pending_work(self) -> int:
        """How many live answers are not scored yet (waiting for the judge or being scored)."""
        return await self.session.scalar(select(func.count(Answer.id)).where(*scoring_work())) or 0

    async def status_counts(self, submitted_since: datetime) -> dict[str, int]:
        """How many answers submitted since then are in each status (deleted ones too: an operator view)."""
        return {status: n for status, n in (await self.session.execute(
            select(Answer.status, func.count(Answer.id))
            .where(Answer.submitted_at >= submitted_since).group_by(Answer.status))).all()}

    async def blank_text_before(self, cutoff: datetime) -> int:
        """Retention: blank the raw text of answers submitted before `cutoff` that are done with (scored or
        failed); how many were blanked. Their scores and stats stay."""
        result = await self.session.execute(
            update(Answer).where(Answer.submitted_at < cutoff, Answer.text != "",
                                 Answer.status.in_(("scored", "failed")))
            .values(text="").execution_options(synchronize_session=False))
        return result.rowcount or 0  # type: ignore[attr-defined]

    async def shown_before(self, answer_ids: Sequence[int]) -> dict[int, list[str]]:
        """For each answer, the feedback and follow-ups of its person's latest SHOWN_TRIES scored tries at
        the same question (any version of it), newest first: one statement for a whole batch."""
        if not answer_ids:
            return {}
        rows = (await self.session.execute(_shown(), {"answer_ids": list(answer_ids)})).all()
        out: dict[int, list[str]] = {answer_id: [] for answer_id in answer_ids}
        for row in rows:
            out[row.for_id].extend(text for text in (row.feedback, row.follow_up) if text)
        return out


class Rounds(Repository):
    async def get(self, round_id: int) -> Round | None:
        return await self.session.get(Round, round_id)

    async def on_day(self, channel_id: int, day: date) -> Round | None:
        """The channel's round of a local day (at most one: unique per channel and day)."""
        return await self.session.scalar(select(Round).where(Round.channel_id == channel_id, Round.local_date == day))

    async def asked(self, channel_id: int) -> Sequence[Row[Any]]:
        """Every question the channel was asked. Rows: qid, category, local_date."""
        return (await self.session.execute(
            select(QuestionRow.qid, QuestionRow.category, Round.local_date)
            .join(QuestionRow, QuestionRow.id == Round.question_id)
            .where(Round.channel_id == channel_id)
        )).all()

    async def category_means(self, channel_id: int) -> Sequence[Row[Any]]:
        """The channel's mean round points per category. Rows: category, mean."""
        return (await self.session.execute(
            select(QuestionRow.category, func.avg(RoundPoints.points))
            .join(Round, Round.id == RoundPoints.round_id)
            .join(QuestionRow, QuestionRow.id == Round.question_id)
            .where(RoundPoints.channel_id == channel_id)
            .group_by(QuestionRow.category)
        )).all()

    async def reserve(self, channel_id: int, question_row: int, day: date, opens_at: datetime,
                      closes_at: datetime) -> int:
        """Insert the day's round before it is posted (status `posting`); raises IntegrityError if the
        channel has one for that day already."""
        rnd = Round(channel_id=channel_id, question_id=question_row, local_date=day, status="posting",
                    opens_at=opens_at, closes_at=closes_at)
        self.session.add(rnd)
        await self.session.flush()
        return rnd.id

    async def answers_to(self, round_id: int) -> int:
        """How many answers the round got (revisions not counted again)."""
        return await self.session.scalar(select(func.count(Answer.id)).where(
            Answer.round_id == round_id, Answer.revision_of.is_(None))) or 0

    async def open_with_reminders(self, now: datetime) -> Sequence[Row[Any]]:
        """Rounds open at `now` and their channel's reminder lead. Rows: id, channel_id, thread_key,
        closes_at, reminder_minutes."""
        return (await self.session.execute(
            select(Round.id, Round.channel_id, Round.thread_key, Round.closes_at, Channel.reminder_minutes)
            .join(Channel, Channel.id == Round.channel_id)
            .where(*round_open_at(now))
        )).all()

    async def any_in_week(self, channel_id: int, monday: date) -> bool:
        """Whether the channel had a round in the local week starting on `monday`."""
        return await self.session.scalar(select(Round.id).where(Round.channel_id == channel_id,
                                                                 *round_in_week(monday)).limit(1)) is not None

    async def due_to_close(self, now: datetime) -> list[int]:
        return list((await self.session.scalars(select(Round.id).where(*round_due_to_close(now)))).all())

    async def open_for_channel(self, channel_key: str, at: datetime) -> Round | None:
        """The newest round of the channel still taking answers at `at`."""
        return await self.session.scalar(
            select(Round).join(Channel, Channel.id == Round.channel_id)
            .where(Channel.key == channel_key, *round_open_at(at))
            .order_by(Round.local_date.desc()).limit(1)
        )


class Notices(Repository):
    async def reserve(self, kind: str, key: str, member_id: int) -> None:
        """Reserve a notice before sending it; raises IntegrityError if it was reserved before."""
        self.session.add(Notification(kind=kind, key=key, member_id=member_id))
        await self.session.flush()

    async def mark_sent(self, kind: str, key: str, at: datetime) -> None:
        row = await self.session.scalar(select(Notification).where(Notification.kind == kind,
                                                                    Notification.key == key))
        if row is not None:
            row.sent_at = at


class Practice(Repository):
    async def open_for_thread(self, thread_key: str) -> PracticeSession | None:
        """The newest practice session waiting for an answer in this thread."""
        return await self.session.scalar(
            select(PracticeSession)
            .where(PracticeSession.thread_key == thread_key, PracticeSession.status == "open")
            .order_by(PracticeSession.id.desc()).limit(1)
        )

    async def mark_answered(self, practice_id: int) -> None:
        await self.session.execute(update(PracticeSession).where(PracticeSession.id == practice_id)
                                   .values(status="answered").execution_options(synchronize_session=False))

    async def supersede_open(self, member_id: int) -> None:
        """The person's open practice questions are done: a new one replaces them."""
        await self.session.execute(update(PracticeSession).where(PracticeSession.member_id == member_id,
                                                                 PracticeSession.status == "open")
                                   .values(status="done"))

    async def reserve(self, member_id: int, question_row: int, category: str | None, at: datetime) -> int:
        """Store a practice question before its DM goes out (status `sending`): a `next` pressed meanwhile
        already sees it as the latest."""
        row = PracticeSession(member_id=member_id, question_id=question_row, thread_key="", status="sending",
                              started_at=at, category=category)
        self.session.add(row)
        await self.session.flush()
        return row.id

    async def drop(self, practice_id: int) -> None:
        await self.session.execute(delete(PracticeSession).where(PracticeSession.id == practice_id))

    async def open_sent(self, practice_id: int, member_id: int, thread_key: str) -> None:
        """The DM went out: open the question in its thread, unless a newer one superseded it meanwhile.
        One statement: a read-then-write transaction would have to upgrade its SQLite lock, which fails at
        once when busy."""
        other = aliased(PracticeSession)  # another row of the table being updated, not the row itself
        newer = exists().where(other.member_id == member_id, other.id > practice_id)
        await self.session.execute(update(PracticeSession).where(PracticeSession.id == practice_id).values(
            thread_key=thread_key, status=case((newer, "done"), else_="open")))

    async def open_question(self, user_key: str) -> str | None:
        """The question id of the person's open practice question, newest first (None: none open)."""
        return await self.session.scalar(
            select(QuestionRow.qid).join(PracticeSession, PracticeSession.question_id == QuestionRow.id)
            .join(Member, Member.id == PracticeSession.member_id)
            .where(Member.user_key == user_key, PracticeSession.status == "open")
            .order_by(PracticeSession.id.desc()).limit(1))

    async def latest_category(self, user_key: str) -> str | None:
        """The category the person chose for their latest practice question (None: any, or no practice yet)."""
        return await self.session.scalar(
            select(PracticeSession.category).join(Member, Member.id == PracticeSession.member_id)
            .where(Member.user_key == user_key).order_by(PracticeSession.id.desc()).limit(1))

    async def seen_questions(self, member_id: int) -> list[str]:
        """Question ids the person has answered (in rounds or practice)."""
        return list((await self.session.scalars(
            select(QuestionRow.qid).join(Answer, Answer.question_id == QuestionRow.id)
            .where(Answer.member_id == member_id).distinct()
        )).all())

    async def recent_questions(self, member_id: int, limit: int) -> list[str]:
        """Question ids of the person's latest `limit` practice questions, newest first."""
        return list((await self.session.scalars(
            select(QuestionRow.qid).join(PracticeSession, PracticeSession.question_id == QuestionRow.id)
            .where(PracticeSession.member_id == member_id).order_by(PracticeSession.id.desc())
            .limit(limit))).all())


class People(Repository):
    async def lock(self, user_key: str) -> Row[Any] | None:
        """The person's row (its columns, read like a `Member`), locked for this transaction (PostgreSQL:
        the row; SQLite: the write lock), so their hourly count and the insert after it are one step;
        None if the person is new."""
        return (await self.session.execute(_lock_member(), {"key": user_key})).first()

    async def to_remind(self, round_id: int, channel_id: int) -> Sequence[Row[Any]]:
        """People who opted in to reminders, answered a round of the channel before and not this one.
        Rows: id, user_key."""
        return (await self.session.execute(
            select(Member.id, Member.user_key).where(
                Member.reminders_opt_in.is_(True),
                exists().where(Answer.member_id == Member.id, Answer.round_id.in_(
                    select(Round.id).where(Round.channel_id == channel_id))),
                ~exists().where(Answer.member_id == Member.id, Answer.round_id == round_id),
            )
        )).all()

    async def weekly_summary_readers(self, channel_id: int) -> Sequence[Row[Any]]:
        """People of the channel (they have round points in it) who opted in to the weekly summary.
        Rows: id, user_key."""
        return (await self.session.execute(
            select(Member.id, Member.user_key).where(
                Member.weekly_summary_opt_in.is_(True),
                Member.id.in_(channel_people(channel_id)))
        )).all()

    async def get(self, member_id: int) -> Member | None:
        return await self.session.get(Member, member_id)

    async def names(self, member_ids: Sequence[int]) -> Sequence[Row[Any]]:
        """What others may see of these people. Rows: id, display_name, leaderboard_opt_out."""
        return (await self.session.execute(select(Member.id, Member.display_name, Member.leaderboard_opt_out)
                                           .where(Member.id.in_(list(member_ids))))).all()

    async def of_channel(self, channel_id: int) -> list[int]:
        """Ids of the channel's people (`queries.channel_people`), ascending."""
        return sorted(set((await self.session.scalars(channel_people(channel_id))).all()))

    async def channel_zone(self, member_id: int) -> str | None:
        """The time zone of the first channel (lowest id) this person answered a round in: the local-day
        fallback after their own zone (`bot.services.days`)."""
        return await self.session.scalar(first_channel_zone(member_id))


class Outbox(Repository):
    """Score replies waiting to be sent: each answer's reply is claimed by one sender, marked sent, or
    found again by the unsent-reply sweep."""

    async def claim(self, answer_id: int, now: datetime, stale_before: datetime) -> bool:
        """Claim an unsent reply (a claim made before `stale_before` may be retaken); True if ours."""
        res = await self.session.execute(
            update(Answer).where(Answer.id == answer_id, Answer.reply_sent.is_(False),
                                 or_(Answer.reply_claimed_at.is_(None), Answer.reply_claimed_at <= stale_before))
            .values(reply_claimed_at=now).execution_options(synchronize_session=False)
        )
        return res.rowcount == 1  # type: ignore[attr-defined]

    async def settle(self, acks: Mapping[int, bool]) -> None:
        """Record posted replies (answer id -> sent) in at most two statements: sent ones are done; a
        failed one's claim is released so the sweep tries again."""
        sent = [answer_id for answer_id, ok in acks.items() if ok]
        failed = [answer_id for answer_id, ok in acks.items() if not ok]
        mark_sent, release = _settle()
        for ids, statement in ((sent, mark_sent), (failed, release)):
            if ids:
                await self.session.execute(statement, {"answer_ids": ids})

    async def unsent(self, limit: int) -> list[int]:
        """Scored answers whose reply was never sent (platform down, process died while posting)."""
        return list((await self.session.scalars(select(Answer.id).where(*reply_unsent()).limit(limit))).all())

    async def settled(self, answer_id: int) -> bool:
        """The answer has a sent reply or a sent "score coming" notice (or is gone)."""
        row = (await self.session.execute(select(Answer.reply_sent, Answer.pending_notice_sent)
                                          .where(Answer.id == answer_id))).first()
        return row is None or bool(row.reply_sent or row.pending_notice_sent)

    async def route(self, answer_id: int) -> Row[Any] | None:
        """Where replies about the answer go. Row: thread_key, message_key, user_key, feedback_mode (None
        outside a channel round)."""
        return (await self.session.execute(
            select(Answer.thread_key, Answer.message_key, Member.user_key, Channel.feedback_mode)
            .join(Member, Member.id == Answer.member_id)
            .outerjoin(Round, Round.id == Answer.round_id)
            .outerjoin(Channel, Channel.id == Round.channel_id)
            .where(Answer.id == answer_id)
        )).first()

    async def stored_score(self, answer_id: int) -> Row[Any] | None:
        """What a resent reply is built from. Row: practice_id, question_id, Score, display_name."""
        return (await self.session.execute(
            select(Answer.practice_id, Answer.question_id, Score, Member.display_name)
            .join(Score, Score.answer_id == Answer.id)
            .join(Member, Member.id == Answer.member_id).where(Answer.id == answer_id)
        )).first()

    async def author(self, answer_id: int) -> Row[Any] | None:
        """Row: display_name, practice_id."""
        return (await self.session.execute(select(Member.display_name, Answer.practice_id).join(Answer)
                                           .where(Answer.id == answer_id))).first()


class Reviews(Repository):
    """The person's spaced-review items."""

    async def due(self, member_id: int, today: date) -> list[str]:
        """Question ids due for review on `today`, soonest first (leeches excluded)."""
        return list((await self.session.scalars(
            select(ReviewItem.qid).where(ReviewItem.member_id == member_id, *review_due(today))
            .order_by(ReviewItem.due, ReviewItem.qid)
        )).all())

    async def leeches(self, member_id: int) -> list[str]:
        """Question ids the person keeps failing: review no longer brings them back."""
        return list((await self.session.scalars(
            select(ReviewItem.qid).where(ReviewItem.member_id == member_id, ReviewItem.leech.is_(True))
        )).all())


class Inbox(Repository):
    async def add(self, key: str, kind: str, payload: dict[str, Any], at: datetime) -> int:
        """Store an event; raises IntegrityError when this platform id was stored before."""
        row = InboxEvent(key=key[:300], kind=kind, payload=payload, received_at=at)
        self.session.add(row)
        await self.session.flush()
        return row.id

    async def get(self, inbox_id: int) -> InboxEvent | None:
        return await self.session.get(InboxEvent, inbox_id)

    async def mark_done(self, inbox_id: int) -> None:
        """Processed: the text now lives in the answer (or was refused), so the row keeps only the key."""
        await self.session.execute(update(InboxEvent).where(InboxEvent.id == inbox_id)
                                   .values(done=True, payload={}).execution_options(synchronize_session=False))

    async def unprocessed_ids(self, received_by: datetime | None, limit: int) -> list[int]:
        """Ids of rows not processed yet, oldest first (only those received by `received_by`, if given)."""
        query = select(InboxEvent.id).where(InboxEvent.done.is_(False))
        if received_by is not None:
            query = query.where(InboxEvent.received_at <= received_by)
        return list((await self.session.scalars(query.order_by(InboxEvent.id).limit(limit))).all())

    async def unprocessed(self) -> list[InboxEvent]:
        return list((await self.session.scalars(select(InboxEvent).where(InboxEvent.done.is_(False)))).all())

    async def delete(self, row: InboxEvent) -> None:
        await self.session.delete(row)


class Directory(Repository):
    """Workspaces, channels and people by their platform keys, and their first insert."""

    async def workspace(self, key: str) -> Workspace | None:
        return await self.session.scalar(select(Workspace).where(Workspace.key == key))

    async def channel(self, key: str) -> Channel | None:
        return await self.session.scalar(select(Channel).where(Channel.key == key))

    async def member(self, user_key: str) -> Member | None:
        return await self.session.scalar(select(Member).where(Member.user_key == user_key))

    async def channels(self, key: str | None = None, *, enabled_only: bool = False) -> list[Channel]:
        """Every channel (or the one with this key), or only those posting rounds."""
        query = select(Channel)
        if key is not None:
            query = query.where(Channel.key == key)
        if enabled_only:
            query = query.where(Channel.enabled.is_(True))
        return list((await self.session.scalars(query)).all())

    async def add_unless_taken(self, row: Workspace | Channel | Member) -> bool:
        """Insert a row in a savepoint; False (and nothing kept) when its key was taken meanwhile by
        another task, whose row the caller then reads."""
        try:
            async with self.session.begin_nested():
                self.session.add(row)
            return True
        except IntegrityError:
            return False

    async def home_workspace(self, user_key: str) -> str | None:
        """The key of the workspace a known person is filed under."""
        return await self.session.scalar(select(Workspace.key).join(Member, Member.workspace_id == Workspace.id)
                                         .where(Member.user_key == user_key))

    async def members_named(self, workspace_key: str, name: str, limit: int) -> list[str]:
        """User keys of the workspace's people with this display name (case-insensitive), oldest first."""
        return list((await self.session.scalars(
            select(Member.user_key).join(Workspace, Workspace.id == Member.workspace_id)
            .where(Workspace.key == workspace_key, func.lower(Member.display_name) == name.lower())
            .order_by(Member.id).limit(limit))).all())


def _in_workspace(query: Select[Any], workspace_key: str) -> Select[Any]:
    """Only answers to rounds of the workspace's channels (admins see their own channels' rounds)."""
    return (query.join(Round, Round.id == Answer.round_id).join(Channel, Channel.id == Round.channel_id)
            .join(Workspace, Workspace.id == Channel.workspace_id).where(Workspace.key == workspace_key))


class Review(Repository):
    """Scores held for an admin's review (flagged round answers), scoped to a workspace."""

    async def held_in(self, workspace_key: str, limit: int) -> Sequence[Row[Any]]:
        """The workspace's held round answers, oldest first. Rows: id, display_name, flags, total, text."""
        return (await self.session.execute(_in_workspace(
            select(Answer.id, Member.display_name, Score.flags, Score.total, Answer.text)
            .join(Score, Score.answer_id == Answer.id).join(Member, Member.id == Answer.member_id),
            workspace_key).where(*held()).order_by(Answer.id).limit(limit))).all()

    async def answer_in(self, answer_id: int, workspace_key: str) -> Row[Any] | None:
        """A round answer of the workspace with its score. Row: Answer, Score."""
        return (await self.session.execute(_in_workspace(
            select(Answer, Score).join(Score, Score.answer_id == Answer.id), workspace_key)
            .where(Answer.id == answer_id))).first()


class Disputes(Repository):
    """Disputed scores: raised by their person, ruled on by their workspace's admins, exported as labels."""

    async def latest_scored(self, member_id: int, answer_id: int | None = None) -> Row[Any] | None:
        """The person's most recently scored live answer (or the one named, if it is theirs and scored).
        Row: id, total, judge_id, qid, channel_key (None outside a round)."""
        query = (select(Answer.id, Score.total, Score.judge_id, QuestionRow.qid, Channel.key.label("channel_key"))
                 .join(Score, Score.answer_id == Answer.id).join(QuestionRow, QuestionRow.id == Answer.question_id)
                 .outerjoin(Round, Round.id == Answer.round_id).outerjoin(Channel, Channel.id == Round.channel_id)
                 .where(Answer.member_id == member_id, *scored()))
        if answer_id is not None:
            query = query.where(Answer.id == answer_id)
        return (await self.session.execute(query.order_by(Score.created_at.desc(), Answer.id.desc()).limit(1))).first()

    async def of_answer(self, answer_id: int) -> Dispute | None:
        return await self.session.scalar(select(Dispute).where(Dispute.answer_id == answer_id))

    async def open_count(self, member_id: int) -> int:
        return await self.session.scalar(select(func.count(Dispute.id)).where(Dispute.member_id == member_id,
                                                                              dispute_open())) or 0

    async def add(self, row: Dispute) -> int:
        self.session.add(row)
        await self.session.flush()
        return row.id

    async def open_in(self, workspace_key: str, limit: int) -> Sequence[Row[Any]]:
        """The workspace's open disputes, oldest first. Rows: Dispute, display_name, total, criteria, flags,
        text, qid."""
        return (await self.session.execute(
            select(Dispute, Member.display_name, Score.total, Score.criteria, Score.flags, Answer.text, QuestionRow.qid)
            .join(Answer, Answer.id == Dispute.answer_id).join(Score, Score.answer_id == Answer.id)
            .join(Member, Member.id == Dispute.member_id).join(QuestionRow, QuestionRow.id == Answer.question_id)
            .where(dispute_open(), Dispute.workspace_key == workspace_key).order_by(Dispute.id).limit(limit)
        )).all()

    async def to_rule(self, dispute_id: int, workspace_key: str) -> Row[Any] | None:
        """A dispute of the workspace with what a ruling changes. Row: Dispute, Answer, Score, user_key."""
        return (await self.session.execute(
            select(Dispute, Answer, Score, Member.user_key).join(Answer, Answer.id == Dispute.answer_id)
            .join(Score, Score.answer_id == Answer.id).join(Member, Member.id == Dispute.member_id)
            .where(Dispute.id == dispute_id, Dispute.workspace_key == workspace_key)
        )).first()

    async def rulings(self) -> Sequence[Row[Any]]:
        """Resolved disputes with the admin's score, oldest first. Rows: answer_id, admin_total, text, qid,
        data (the question as graded)."""
        return (await self.session.execute(
            select(Dispute.answer_id, Dispute.admin_total, Answer.text, QuestionRow.qid, QuestionRow.data)
            .join(Answer, Answer.id == Dispute.answer_id).join(QuestionRow, QuestionRow.id == Answer.question_id)
            .where(~dispute_open(), Dispute.admin_total.is_not(None)).order_by(Dispute.id)
        )).all()

    async def cleared_undisputed(self) -> Sequence[Row[Any]]:
        """Live answers whose held score an admin cleared outside a dispute. Rows: id, total, text, qid, data."""
        return (await self.session.execute(
            select(Answer.id, Score.total, Answer.text, QuestionRow.qid, QuestionRow.data)
            .join(Score, Score.answer_id == Answer.id).join(QuestionRow, QuestionRow.id == Answer.question_id)
            .where(Score.review_state == "cleared", live(),
                   Answer.id.not_in(select(Dispute.answer_id))).order_by(Answer.id)
        )).all()

    async def raised_since(self, since: datetime | None) -> Sequence[Row[Any]]:
        """Disputes created since `since` (all when None), oldest first. Rows: judge_id, status, judge_total,
        admin_total."""
        query = select(Dispute.judge_id, Dispute.status, Dispute.judge_total, Dispute.admin_total).order_by(Dispute.id)
        if since is not None:
            query = query.where(Dispute.created_at >= since)
        return (await self.session.execute(query)).all()


class Scores(Repository):
    """Recorded judge calls: counts, tokens and cost since a time."""

    async def count_by_judge(self, since: datetime | None) -> dict[str, int]:
        """How many scores each judge recorded since `since` (all when None)."""
        query = select(Score.judge_id, func.count(Score.id)).group_by(Score.judge_id)
        if since is not None:
            query = query.where(*scores_since(since))
        return {judge_id: n for judge_id, n in (await self.session.execute(query)).all()}

    async def calls_since(self, start: datetime) -> Sequence[Row[Any]]:
        """Every judge call recorded since `start`. Rows: judge_id, input_tokens, cached_tokens,
        output_tokens, cost_usd, latency_ms, flags."""
        return (await self.session.execute(
            select(Score.judge_id, Score.input_tokens, Score.cached_tokens, Score.output_tokens, Score.cost_usd,
                   Score.latency_ms, Score.flags).where(*scores_since(start)))).all()

    async def cost_since(self, start: datetime) -> float:
        """What the judge calls recorded since `start` cost, in USD (the daily budget's spend)."""
        return float(await self.session.scalar(select(func.sum(Score.cost_usd)).where(*scores_since(start))) or 0.0)


class Erasure(Repository):
    """Forget-me: every row tied to a person, counted and deleted."""

    async def counts(self, member_id: int) -> tuple[int, int, int]:
        """What the person has stored: (answers, scores, category stats)."""
        answers = await self.session.scalar(select(func.count(Answer.id)).where(Answer.member_id == member_id)) or 0
        scores = await self.session.scalar(select(func.count(Score.id)).where(
            Score.answer_id.in_(_answer_ids(member_id)))) or 0
        stats = await self.session.scalar(select(func.count(CategoryStatRow.id))
                                          .where(CategoryStatRow.member_id == member_id)) or 0
        return answers, scores, stats

    async def erase(self, member_id: int) -> None:
        """Delete the person and everything of theirs. Explicit deletes in dependency order: SQLite only
        cascades with foreign keys on."""
        s = self.session
        await s.execute(delete(RoundPoints).where(RoundPoints.member_id == member_id))
        await s.execute(delete(Dispute).where(Dispute.member_id == member_id))
        await s.execute(delete(InterviewTurn).where(InterviewTurn.session_id.in_(
            select(InterviewSession.id).where(InterviewSession.member_id == member_id).scalar_subquery())))
        await s.execute(delete(InterviewSession).where(InterviewSession.member_id == member_id))
        await s.execute(delete(Score).where(Score.answer_id.in_(_answer_ids(member_id))))
        await s.execute(delete(Answer).where(Answer.member_id == member_id, Answer.revision_of.is_not(None)))
        await s.execute(delete(Answer).where(Answer.member_id == member_id))
        for model in (CategoryStatRow, ReviewItem, PracticeSession, Streak):
            await s.execute(delete(model).where(model.member_id == member_id))
        await s.execute(delete(Member).where(Member.id == member_id))


def _answer_ids(member_id: int) -> Any:
    return select(Answer.id).where(Answer.member_id == member_id).scalar_subquery()


class Probe(Repository):
    async def ping(self) -> None:
        """One round trip to the database (readiness): raises if it does not answer."""
        await self.session.execute(select(1))

    async def totals(self) -> Row[Any]:
        """Whole-database counts for a summary (the demo). Row: rounds, answers, scores, first_channel."""
        row = (await self.session.execute(select(
            select(func.count(Round.id)).scalar_subquery().label("rounds"),
            select(func.count(Answer.id)).scalar_subquery().label("answers"),
            select(func.count(Score.id)).scalar_subquery().label("scores"),
            select(func.min(Round.channel_id)).scalar_subquery().label("first_channel"),
        ))).one()
        return row

    async def streaks_by_name(self) -> Sequence[Row[Any]]:
        """Everyone's current streak with their name. Rows: display_name, current."""
        return (await self.session.execute(
            select(Member.display_name, Streak.current).join(Streak, Streak.member_id == Member.id))).all()


def _channel_points_by_question(query: Select[Any], channel_id: int) -> Select[Any]:
    """The channel's round points joined to their rounds' questions. The redundant Round.channel_id lets the
    planner read the channel's rounds by index instead of hashing every round (7 ms -> 1 ms at 26,000 rounds
    on PostgreSQL)."""
    return (query.join(Round, Round.id == RoundPoints.round_id).join(QuestionRow, QuestionRow.id == Round.question_id)
            .where(RoundPoints.channel_id == channel_id, Round.channel_id == channel_id))


class Digests(Repository):
    """One weekly digest per channel and ISO week, reserved before it is posted."""

    async def reserve(self, channel_id: int, week: str) -> None:
        """Raises IntegrityError if the week's digest was reserved before."""
        self.session.add(Digest(channel_id=channel_id, iso_week=week))
        await self.session.flush()

    async def of_week(self, channel_id: int, week: str) -> Digest | None:
        return await self.session.scalar(select(Digest).where(Digest.channel_id == channel_id,
                                                              Digest.iso_week == week))

    async def participation(self, channel_id: int, monday: date) -> tuple[int, int]:
        """People and live answers in the channel's rounds of the local week starting on `monday`."""
        row = (await self.session.execute(
            select(func.count(func.distinct(Answer.member_id)), func.count(Answer.id))
            .join(Round, Round.id == Answer.round_id)
            .where(Round.channel_id == channel_id, live(), *round_in_week(monday))
        )).one()
        return row[0], row[1]

    async def category_means(self, channel_id: int, weeks: Sequence[str]) -> Sequence[Row[Any]]:
        """The channel's mean round points per ISO week and category. Rows: iso_week, category, mean, n."""
        points = select(RoundPoints.iso_week, QuestionRow.category, func.avg(RoundPoints.points),
                        func.count(RoundPoints.id))
        return (await self.session.execute(
            _channel_points_by_question(points, channel_id).where(RoundPoints.iso_week.in_(list(weeks)))
            .group_by(RoundPoints.iso_week, QuestionRow.category)
        )).all()

    async def hardest(self, channel_id: int, week: str) -> Row[Any] | None:
        """The week's question with the lowest mean round points (ties: by question id). Row: qid, mean."""
        return (await self.session.execute(_channel_points_by_question(
            select(QuestionRow.qid, func.avg(RoundPoints.points).label("mean")), channel_id)
            .where(RoundPoints.iso_week == week)
            .group_by(QuestionRow.qid).order_by(func.avg(RoundPoints.points).asc(), QuestionRow.qid).limit(1)
        )).first()

    async def member_means(self, channel_id: int, weeks: Sequence[str]) -> Sequence[Row[Any]]:
        """Each person's mean round points in the channel per ISO week. Rows: member_id, iso_week, mean."""
        return (await self.session.execute(
            select(RoundPoints.member_id, RoundPoints.iso_week, func.avg(RoundPoints.points))
            .where(RoundPoints.channel_id == channel_id, RoundPoints.iso_week.in_(list(weeks)))
            .group_by(RoundPoints.member_id, RoundPoints.iso_week)
        )).all()


STREAK_CHUNK = 5000  # ids per statement: far below both drivers' bind-parameter limits


class Progress(Repository):
    """The named reads of one person's progress: every view of it (the card, App Home, `stats`, `streak`,
    the weekly summary, the digest's longest streaks) asks these, so a figure means one thing everywhere."""

    async def week_points(self, member_id: int, week: str) -> float:
        """A person's points in an ISO week: the sum of their best counted score per round, all channels."""
        return float(await self.session.scalar(select(func.sum(RoundPoints.points)).where(
            RoundPoints.member_id == member_id, RoundPoints.iso_week == week)) or 0.0)

    async def streaks(self, member_ids: Sequence[int], *, running_only: bool = False) -> list[Row[Any]]:
        """People's streaks by primary key (`running_only`: only streaks above zero). By key, not by a join:
        joining streaks made PostgreSQL hash or sort every streak in the database (190 ms at 100,000
        people). Rows: member_id, current, longest, freezes."""
        ids = list(member_ids)
        found: list[Row[Any]] = []
        for i in range(0, len(ids), STREAK_CHUNK):
            q = select(Streak.member_id, Streak.current, Streak.longest, Streak.freezes).where(
                Streak.member_id.in_(ids[i:i + STREAK_CHUNK]))
            if running_only:
                q = q.where(Streak.current > 0)
            found += (await self.session.execute(q)).all()
        return found

    async def category_stats(self, member_id: int) -> list[CategoryStatRow]:
        """The person's per-category stats, by category."""
        return list((await self.session.scalars(select(CategoryStatRow).where(CategoryStatRow.member_id == member_id)
                                                .order_by(CategoryStatRow.category))).all())

    async def answer_counts(self, member_id: int) -> tuple[int, int]:
        """The person's live answers and how many of them have a score: (answers, scored)."""
        answers = await self.session.scalar(select(func.count(Answer.id)).where(Answer.member_id == member_id,
                                                                                live())) or 0
        scored = await self.session.scalar(select(func.count(Score.id)).join(Answer).where(
            Answer.member_id == member_id, live())) or 0
        return answers, scored

    async def leaderboard(self, *, channel_id: int | None = None, workspace_id: int | None = None,
                          week: str | None = None, limit: int = 10) -> Sequence[Row[Any]]:
        """Each person's sum of best round scores (of a channel, a workspace, an ISO week), highest first;
        ties go to whoever answered first. Rows: member_id, points, first_at, display_name,
        leaderboard_opt_out."""
        q = (select(RoundPoints.member_id, func.sum(RoundPoints.points).label("points"),
                    func.min(RoundPoints.answered_at).label("first_at"), Member.display_name,
                    Member.leaderboard_opt_out)
             .join(Member, Member.id == RoundPoints.member_id)
             .group_by(RoundPoints.member_id, Member.display_name, Member.leaderboard_opt_out))
        if channel_id is not None:
            q = q.where(RoundPoints.channel_id == channel_id)
        if workspace_id is not None:
            q = q.where(RoundPoints.workspace_id == workspace_id)
        if week is not None:
            q = q.where(RoundPoints.iso_week == week)
        q = q.order_by(func.sum(RoundPoints.points).desc(), func.min(RoundPoints.answered_at).asc()).limit(limit)
        return (await self.session.execute(q)).all()

    async def counted_days_since(self, member_id: int, since: datetime) -> Sequence[Row[Any]]:
        """The streak day and total of each counted answer submitted since `since` (through the
        (member_id, submitted_at) index). Rows: day, total."""
        return (await self.session.execute(
            select(Answer.day, Score.total).join(Score, Score.answer_id == Answer.id)
            .where(Answer.member_id == member_id, Answer.submitted_at >= since, *counted())
        )).all()

    async def recent_feedback(self, member_id: int, limit: int) -> Sequence[Row[Any]]:
        """The person's latest scored live answers, newest first. Rows: qid, total, day, feedback."""
        return (await self.session.execute(
            select(QuestionRow.qid, Score.total, Answer.day, Score.feedback)
            .join(Score, Score.answer_id == Answer.id).join(QuestionRow, QuestionRow.id == Answer.question_id)
            .where(Answer.member_id == member_id, live())
            .order_by(Answer.submitted_at.desc(), Answer.id.desc()).limit(limit)
        )).all()

    async def open_disputes(self, member_id: int, limit: int) -> Sequence[Row[Any]]:
        """The person's disputes still waiting for an admin, newest first. Rows: id, qid, status."""
        return (await self.session.execute(
            select(Dispute.id, QuestionRow.qid, Dispute.status)
            .join(Answer, Answer.id == Dispute.answer_id).join(QuestionRow, QuestionRow.id == Answer.question_id)
            .where(Dispute.member_id == member_id, dispute_open())
            .order_by(Dispute.id.desc()).limit(limit))).all()


class Interviews(Repository):
    """Mock-interview sessions and their turns (prompts and answers, stored before they are sent or graded)."""

    async def get(self, session_id: int) -> InterviewSession | None:
        return await self.session.get(InterviewSession, session_id)

    async def add(self, row: InterviewSession) -> int:
        self.session.add(row)
        await self.session.flush()
        return row.id

    async def end_active(self, member_id: int, at: datetime) -> None:
        """The person's active sessions end (a new one replaces them)."""
        await self.session.execute(update(InterviewSession).where(InterviewSession.member_id == member_id,
                                                                  InterviewSession.status == "active")
                                   .values(status="ended", ended_at=at))

    async def active_in(self, member_id: int, thread_key: str) -> InterviewSession | None:
        """The person's newest active session in this thread."""
        return await self.session.scalar(select(InterviewSession).where(
            InterviewSession.member_id == member_id, InterviewSession.thread_key == thread_key,
            InterviewSession.status == "active").order_by(InterviewSession.id.desc()).limit(1))

    async def has_active(self, member_id: int) -> bool:
        return await self.session.scalar(select(InterviewSession.id).where(
            InterviewSession.member_id == member_id, InterviewSession.status == "active").limit(1)) is not None

    async def owner(self, session_id: int) -> int | None:
        """The id of the person the session belongs to."""
        return await self.session.scalar(select(InterviewSession.member_id).where(InterviewSession.id == session_id))

    async def user_key(self, session_id: int) -> str | None:
        """The user key of the person the session belongs to (where its messages go)."""
        return await self.session.scalar(select(Member.user_key).join(
            InterviewSession, InterviewSession.member_id == Member.id).where(InterviewSession.id == session_id))

    async def turn(self, turn_id: int) -> InterviewTurn | None:
        return await self.session.get(InterviewTurn, turn_id)

    async def add_turn(self, row: InterviewTurn) -> None:
        self.session.add(row)

    async def current_turn(self, session_id: int) -> InterviewTurn | None:
        """The session's latest turn (the prompt waiting for, or holding, the person's answer)."""
        return await self.session.scalar(select(InterviewTurn).where(InterviewTurn.session_id == session_id)
                                         .order_by(InterviewTurn.seq.desc()).limit(1))

    async def take_answer(self, turn_id: int, text: str, message_key: str) -> bool:
        """Store the answer to a turn still waiting for one; False if it was answered meanwhile (a
        redelivered or concurrent message). Raises IntegrityError if the message answered another turn."""
        taken = await self.session.execute(
            update(InterviewTurn).where(InterviewTurn.id == turn_id, InterviewTurn.status == "asked")
            .values(status="answered", text=text, message_key=message_key)
            .execution_options(synchronize_session=False))
        return taken.rowcount == 1  # type: ignore[attr-defined]

    async def turns(self, session_id: int, number: int | None = None) -> list[InterviewTurn]:
        """The session's turns (of one question, if `number` is given), in order."""
        query = select(InterviewTurn).where(InterviewTurn.session_id == session_id)
        if number is not None:
            query = query.where(InterviewTurn.number == number)
        return list((await self.session.scalars(query.order_by(InterviewTurn.seq))).all())

    async def prompts(self, session_id: int, number: int) -> list[str]:
        """What was asked about one question of the session (its prompt and follow-ups)."""
        return list((await self.session.scalars(select(InterviewTurn.prompt).where(
            InterviewTurn.session_id == session_id, InterviewTurn.number == number))).all())

    async def asked_questions(self, session_id: int) -> list[str]:
        return list((await self.session.scalars(select(InterviewTurn.qid).where(
            InterviewTurn.session_id == session_id).distinct())).all())

    async def ungraded_answers(self) -> Sequence[Row[Any]]:
        """Answers stored but not graded in active sessions (a restart grades them). Rows: id, session_id,
        seq."""
        return (await self.session.execute(
            select(InterviewTurn.id, InterviewTurn.session_id, InterviewTurn.seq).join(
                InterviewSession, InterviewSession.id == InterviewTurn.session_id)
            .where(InterviewSession.status == "active", InterviewTurn.status == "answered")
        )).all()

    async def add_scored_answer(self, answer: Answer, score: Score) -> int:
        """Store an answer scored outside the scoring queue, with its score; the answer's id."""
        self.session.add(answer)
        await self.session.flush()
        score.answer_id = answer.id
        self.session.add(score)
        await self.session.flush()
        return answer.id


class Questions(Repository):
    """The question catalog's version rows (bot/services/catalog.py)."""

    async def row(self, row_id: int) -> QuestionRow | None:
        return await self.session.get(QuestionRow, row_id)

    async def versions(self) -> list[QuestionRow]:
        return list((await self.session.scalars(select(QuestionRow))).all())

    async def retire(self, qid: str) -> None:
        """No version of the question is current any more (one is about to be)."""
        await self.session.execute(update(QuestionRow).where(QuestionRow.qid == qid).values(current=False))

    async def add(self, row: QuestionRow) -> QuestionRow:
        self.session.add(row)
        await self.session.flush()  # the row's id: rounds refer to it
        return row


class Repositories:
    """The repositories over one session. `UnitOfWork` owns the session's transaction; code that already
    holds a session (a service not moved onto the unit of work yet) wraps it with `Repositories(session)`."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.answers = Answers(session)
        self.rounds = Rounds(session)
        self.practice = Practice(session)
        self.people = People(session)
        self.reviews = Reviews(session)
        self.notices = Notices(session)
        self.outbox = Outbox(session)
        self.inbox = Inbox(session)
        self.directory = Directory(session)
        self.review = Review(session)
        self.disputes = Disputes(session)
        self.scores = Scores(session)
        self.erasure = Erasure(session)
        self.probe = Probe(session)
        self.digests = Digests(session)
        self.progress = Progress(session)
        self.team = TeamFigures(session)
        self.interviews = Interviews(session)
        self.questions = Questions(session)
        self.effects = ScoreEffects(session)
