"""What a score changes: round points, streak, category stats, review schedule.

A new score updates them from the score itself, in the transaction that records it (`apply_score`):
best of the round, the streak walked on from its stored state, the category's running figures. Where
that cannot be exact (an answer scored out of order, a first answer in a new channel, a row from before
migration 0011) it recomputes that person from the answers table, as deletes and admin decisions always
do (`refresh_member`). `verify` recomputes everyone from history and reports any drift from the stored
figures (`drillbot db verify`, and the soak test).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Select, Update, and_, bindparam, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.clock import as_utc
from bot.rules import category_stats as catrules
from bot.rules import review as reviewrules
from bot.rules.streaks import STREAK_MIN_POINTS, StreakState, advance, compute_streak, resume_day, scheduled_from
from bot.rules.timing import iso_week, local_date, zone
from bot.services.context import Context
from bot.store.models import (
    Answer,
    CategoryStatRow,
    Channel,
    Member,
    QuestionRow,
    ReviewItem,
    Round,
    RoundPoints,
    Score,
    Streak,
)
from bot.store.queries import counted, first_channel_zone
from bot.store.repositories import Repositories


@dataclass
class StreakChange:
    state: StreakState
    freezes_used_now: int


@dataclass(frozen=True)
class Best:
    """A person's best counted answer in a round: most points, then the earliest."""

    answer_id: int
    points: float
    answered_at: datetime


# Recomputation from history -----------------------------------------------------------------------

async def best_per_round(session: AsyncSession, member_id: int, round_id: int | None = None) -> dict[int, Best]:
    best: dict[int, Best] = {}
    for r in await Repositories(session).answers.counted_round_bests(member_id, round_id):
        best.setdefault(r.round_id, Best(r.id, r.total, r.submitted_at))
    return best


async def refresh_round_points(session: AsyncSession, round_id: int, member_id: int) -> None:
    best = (await best_per_round(session, member_id, round_id)).get(round_id)
    row = await session.scalar(select(RoundPoints).where(RoundPoints.round_id == round_id,
                                                         RoundPoints.member_id == member_id))
    if best is None:
        if row is not None:
            await session.delete(row)
        return
    if row is None:
        place = (await session.execute(
            select(Round.local_date, Channel.id, Channel.workspace_id)
            .join(Channel, Channel.id == Round.channel_id).where(Round.id == round_id)
        )).first()
        if place is None:
            return
        session.add(RoundPoints(round_id=round_id, member_id=member_id, channel_id=place.id,
                                workspace_id=place.workspace_id, iso_week=iso_week(place.local_date),
                                points=best.points, answer_id=best.answer_id, answered_at=best.answered_at))
        return
    _set_best(row, best)


def _set_best(row: RoundPoints, best: Best) -> None:
    if (row.answer_id, row.points) != (best.answer_id, best.points) or \
            as_utc(row.answered_at) != as_utc(best.answered_at):
        row.points, row.answer_id, row.answered_at = best.points, best.answer_id, best.answered_at


async def history_streak(ctx: Context, session: AsyncSession, member_id: int,
                         today: date | None = None) -> tuple[StreakState, date]:
    """The streak recomputed from every counted day, as of `today` (default: the person's today now)."""
    member = await session.get(Member, member_id)
    assert member is not None
    days = set((await session.scalars(
        select(Answer.day).join(Score, Score.answer_id == Answer.id)
        .where(Answer.member_id == member_id, *counted(), Score.total > STREAK_MIN_POINTS).distinct()
    )).all())
    # The person's channels and their time zones in one statement (the time zone is the fallback for
    # "today" when the person has none of their own).
    channel_rows = (await session.execute(
        select(Round.channel_id, Channel.timezone).join(Answer, Answer.round_id == Round.id)
        .join(Channel, Channel.id == Round.channel_id)
        .where(Answer.member_id == member_id).distinct().order_by(Round.channel_id)
    )).all()
    channel_ids = [r.channel_id for r in channel_rows]
    round_days: set[date] = set()
    if channel_ids and days:
        round_days = set((await session.scalars(
            select(Round.local_date).where(Round.channel_id.in_(channel_ids), Round.local_date >= min(days),
                                           Round.status != "skipped").distinct()
        )).all())
    if today is None:
        # The person's local day (bot/services/days.py), with the channel already at hand.
        tz = zone(member.timezone, channel_rows[0].timezone if channel_rows else None, ctx.settings.timezone)
        today = local_date(ctx.clock.now(), tz)
    return compute_streak(days, scheduled_from(round_days, every_day=not channel_ids), today), today


async def refresh_streak(ctx: Context, session: AsyncSession, member_id: int) -> StreakChange:
    state, today = await history_streak(ctx, session, member_id)
    row = await session.get(Streak, member_id)
    if row is None:
        row = Streak(member_id=member_id, freezes_used=0, updated_at=ctx.clock.now())
        session.add(row)
    used_before = row.freezes_used or 0
    row.current, row.longest, row.freezes = state.current, state.longest, state.freezes
    row.last_day, row.freezes_used, row.updated_at = state.last_day, len(state.freezes_used), ctx.clock.now()
    row.through_day = today
    return StreakChange(state, max(0, len(state.freezes_used) - used_before))


async def history_category_stats(session: AsyncSession, member_id: int) -> dict[str, catrules.CategoryStat]:
    rows = (await session.execute(
        select(QuestionRow.category, Score.total)
        .join(Answer, Answer.question_id == QuestionRow.id)
        .join(Score, Score.answer_id == Answer.id)
        .where(Answer.member_id == member_id, *counted())
        .order_by(Answer.submitted_at, Answer.id)
    )).all()
    scores: dict[str, list[float]] = defaultdict(list)
    for category, total in rows:
        scores[category].append(total)
    return {category: catrules.from_scores(category, totals) for category, totals in scores.items()}


async def refresh_category_stats(session: AsyncSession, member_id: int) -> None:
    stats = await history_category_stats(session, member_id)
    existing = {r.category: r for r in (await session.scalars(
        select(CategoryStatRow).where(CategoryStatRow.member_id == member_id))).all()}
    for category, row in existing.items():
        if category not in stats:
            await session.delete(row)
    for category, stat in stats.items():
        row = existing.get(category) or CategoryStatRow(member_id=member_id, category=category)
        _set_stat(row, stat)
        session.add(row)


def _set_stat(row: CategoryStatRow, stat: catrules.CategoryStat) -> None:
    row.attempts, row.mean, row.weighted_mean, row.last_score = (
        stat.attempts, stat.mean, stat.weighted_mean, stat.last_score)


async def record_review(session: AsyncSession, member_id: int, qid: str, score: float, today: date) -> None:
    item = await session.scalar(select(ReviewItem).where(ReviewItem.member_id == member_id, ReviewItem.qid == qid))
    review_item(session, item, member_id, qid, score, today)


def review_item(session: AsyncSession, item: ReviewItem | None, member_id: int, qid: str, score: float,
                today: date) -> None:
    """The SM-2 step for one score, on the person's row for the question (None: a first try)."""
    state = reviewrules.ReviewState()
    if item is None:
        item = ReviewItem(member_id=member_id, qid=qid)
        session.add(item)
    else:
        state = reviewrules.ReviewState(item.repetitions, item.interval_days, item.ease, item.due,
                                        item.low_scores, item.leech)
    new = reviewrules.review(state, score, today)
    item.repetitions, item.interval_days, item.ease = new.repetitions, new.interval_days, new.ease
    item.due, item.low_scores, item.leech = new.due, new.low_scores, new.leech


# The scoring path: update from the new score ---------------------------------------------------------

@dataclass
class ScoreInputs:
    """Everything a new score changes, read in one statement while the person's row is locked."""

    answer: Answer
    member: Member
    round: Round | None
    channel: Channel | None
    qid: str
    category: str
    streak: Streak | None
    points: RoundPoints | None
    stat: CategoryStatRow | None
    review: ReviewItem | None
    later_in_category: bool  # a counted answer in this category submitted after this one
    known_channel: bool  # the person answered in this round's channel before
    channel_zone: str | None  # the person's first channel's time zone (the local-day fallback)


@cache
def _score_inputs_query() -> Select[Any]:
    """Built once: building a statement of this size costs more than running it."""
    # Aliases: the subqueries read other rows of the tables the outer query joins.
    other, other_q, other_r, other_c = aliased(Answer), aliased(QuestionRow), aliased(Round), aliased(Channel)
    later = exists().where(
        other.member_id == Answer.member_id, *counted(other), Score.answer_id == other.id,
        other_q.id == other.question_id, other_q.category == QuestionRow.category,
        or_(other.submitted_at > Answer.submitted_at,
            and_(other.submitted_at == Answer.submitted_at, other.id > Answer.id)))
    known = exists().where(other.member_id == Answer.member_id, other.id != Answer.id,
                           other_r.id == other.round_id, other_r.channel_id == Round.channel_id)
    first_zone = first_channel_zone(Answer.member_id, other, other_r, other_c).scalar_subquery()
    return (
        select(Answer, Member, Round, Channel, QuestionRow.qid, QuestionRow.category, Streak, RoundPoints,
               CategoryStatRow, ReviewItem, later, known, first_zone)
        .join(Member, Member.id == Answer.member_id)
        .join(QuestionRow, QuestionRow.id == Answer.question_id)
        .outerjoin(Round, Round.id == Answer.round_id)
        .outerjoin(Channel, Channel.id == Round.channel_id)
        .outerjoin(Streak, Streak.member_id == Answer.member_id)
        .outerjoin(RoundPoints, and_(RoundPoints.round_id == Answer.round_id,
                                     RoundPoints.member_id == Answer.member_id))
        .outerjoin(CategoryStatRow, and_(CategoryStatRow.member_id == Answer.member_id,
                                         CategoryStatRow.category == QuestionRow.category))
        .outerjoin(ReviewItem, and_(ReviewItem.member_id == Answer.member_id, ReviewItem.qid == QuestionRow.qid))
        .where(Answer.id.in_(bindparam("answer_ids", expanding=True)))
    )


@cache
def _mark_scored_statements() -> tuple[Update, Select[Any]]:
    """Built once, like the read: mark a batch scored (and its replies claimed), lock people in id order."""
    now = bindparam("now", type_=Answer.reply_claimed_at.type)
    mark = (update(Answer)
            .where(Answer.id.in_(bindparam("answer_ids", expanding=True)), Answer.status == "scoring")
            .values(status="scored", last_error=None, reply_claimed_at=now)
            .returning(Answer.id, Answer.member_id).execution_options(synchronize_session=False))
    lock = (select(Member.id).where(Member.id.in_(bindparam("member_ids", expanding=True)))
            .order_by(Member.id).with_for_update())
    return mark, lock


async def load_for_scores(session: AsyncSession, answer_ids: Sequence[int], now: datetime) -> dict[int, ScoreInputs]:
    """Mark the claimed answers scored (and their replies claimed) as the transaction's first statement,
    which takes SQLite's write lock; on PostgreSQL also lock their people's rows, in id order so two
    processes' batches never deadlock, and so no two processes update the same person's figures from the
    same old state. Then read each answer, where it goes and the rows its score updates, all in one
    statement. The answers must belong to different people (one person's scores are applied in order).
    Answers no longer claimed for scoring are left out."""
    if not answer_ids:
        return {}
    mark, lock = _mark_scored_statements()
    marked = (await session.execute(mark, {"answer_ids": list(answer_ids), "now": now})).all()
    if not marked:
        return {}
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        await session.execute(lock, {"member_ids": sorted({row.member_id for row in marked})})
    rows = (await session.execute(_score_inputs_query(), {"answer_ids": [row.id for row in marked]})).all()
    return {row[0].id: ScoreInputs(*row) for row in rows}


async def apply_score(ctx: Context, session: AsyncSession, got: ScoreInputs, score: Score) -> StreakChange:
    """Update round points, review schedule, category stats and streak from one new score (already in
    the session, the answer marked scored). Falls back to recomputing this person where only that is
    exact; the fallback needs the score flushed, the common path writes nothing until commit."""
    answer, counts = got.answer, score.counts
    flushed = False

    async def flush() -> None:
        nonlocal flushed
        if not flushed:
            await session.flush()
            flushed = True

    if counts:
        review_item(session, got.review, answer.member_id, got.qid, score.total, answer.day)
        if got.round is not None and got.channel is not None:
            new = Best(answer.id, score.total, answer.submitted_at)
            if got.points is None:
                session.add(RoundPoints(round_id=got.round.id, member_id=answer.member_id, channel_id=got.channel.id,
                                        workspace_id=got.channel.workspace_id, iso_week=iso_week(got.round.local_date),
                                        points=new.points, answer_id=new.answer_id, answered_at=new.answered_at))
            elif _better(new, got.points):
                _set_best(got.points, new)
        if got.later_in_category:  # the running mean and EWMA depend on the order of answers
            await flush()
            await refresh_category_stats(session, answer.member_id)
        else:
            row = got.stat or CategoryStatRow(member_id=answer.member_id, category=got.category)
            before = catrules.CategoryStat(got.category, row.attempts, row.mean, row.weighted_mean,
                                           row.last_score) if got.stat else catrules.CategoryStat(got.category)
            _set_stat(row, catrules.update(before, score.total))
            session.add(row)
    return await _streak_after(ctx, session, got, score, flush)


def _better(new: Best, row: RoundPoints) -> bool:
    old = Best(row.answer_id, row.points, row.answered_at)
    return (-new.points, as_utc(new.answered_at), new.answer_id) < (-old.points, as_utc(old.answered_at), old.answer_id)


async def _streak_after(ctx: Context, session: AsyncSession, got: ScoreInputs, score: Score, flush) -> StreakChange:  # type: ignore[no-untyped-def]
    row, answer = got.streak, got.answer
    now = ctx.clock.now()
    today = local_date(now, zone(got.member.timezone, got.channel_zone, ctx.settings.timezone))
    new_day = answer.day if score.counts and score.total > STREAK_MIN_POINTS else None
    start = None
    if row is not None and row.through_day is not None and (got.round is None or got.known_channel):
        state = StreakState(row.current, row.longest, row.freezes, row.last_day)
        start = resume_day(state, row.through_day, today, new_day)
    if row is None or start is None:  # a new channel changes which days are scheduled: recompute
        await flush()
        return await refresh_streak(ctx, session, answer.member_id)
    walk = [start + timedelta(days=i) for i in range((today - start).days)]
    is_scheduled = scheduled_from(())
    if any(day != new_day for day in walk):  # a day that could be missed: which days had rounds
        is_scheduled = await _schedule(session, answer.member_id, start, today)
    new = advance(state, [new_day] if new_day else [], is_scheduled, start, today)
    if (new, today) != (state, row.through_day):  # a second answer the same day changes nothing here
        row.current, row.longest, row.freezes, row.last_day = new.current, new.longest, new.freezes, new.last_day
        row.freezes_used = (row.freezes_used or 0) + len(new.freezes_used)
        row.through_day, row.updated_at = today, now
    return StreakChange(new, len(new.freezes_used))


async def _schedule(session: AsyncSession, member_id: int, start: date, today: date):  # type: ignore[no-untyped-def]
    """The days in [start, today) with a round in any of the person's channels (every day if none)."""
    channels = select(Round.channel_id).join(Answer, Answer.round_id == Round.id).where(
        Answer.member_id == member_id).distinct()
    if not await session.scalar(select(channels.exists())):
        return scheduled_from((), every_day=True)
    days = (await session.scalars(select(Round.local_date).where(
        Round.channel_id.in_(channels), Round.local_date >= start, Round.local_date < today,
        Round.status != "skipped").distinct())).all()
    return scheduled_from(days)


# The verifier ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Drift:
    member_id: int
    user_key: str
    what: str  # "points round 12", "category rag", "streak"
    stored: object
    expected: object


def _close(a: float | None, b: float | None) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and abs(a - b) < 1e-6)


async def verify_member(ctx: Context, session: AsyncSession, member: Member) -> list[Drift]:
    """Compare a person's stored points, category stats and streak with a recomputation from history.
    The streak is recomputed as of the day it was last walked (`through_day`), as that is what it says."""
    drift: list[Drift] = []

    def add(what: str, stored: object, expected: object) -> None:
        drift.append(Drift(member.id, member.user_key, what, stored, expected))

    best = await best_per_round(session, member.id)
    stored_points = {r.round_id: r for r in (await session.scalars(
        select(RoundPoints).where(RoundPoints.member_id == member.id))).all()}
    for round_id in sorted(set(best) | set(stored_points)):
        b, r = best.get(round_id), stored_points.get(round_id)
        got = (r.points, r.answer_id) if r else None
        want = (b.points, b.answer_id) if b else None
        if got != want:
            add(f"points round {round_id}", got, want)
    stats = await history_category_stats(session, member.id)
    stored_stats = {r.category: r for r in (await session.scalars(
        select(CategoryStatRow).where(CategoryStatRow.member_id == member.id))).all()}
    for category in sorted(set(stats) | set(stored_stats)):
        st, row = stats.get(category), stored_stats.get(category)
        got_stat = catrules.CategoryStat(category, row.attempts, row.mean, row.weighted_mean, row.last_score) \
            if row else None
        if st is None or got_stat is None or st.attempts != got_stat.attempts or not all(
                _close(x, y) for x, y in ((st.mean, got_stat.mean), (st.weighted_mean, got_stat.weighted_mean),
                                          (st.last_score, got_stat.last_score))):
            add(f"category {category}", got_stat, st)
    row = await session.get(Streak, member.id)
    state, _today = await history_streak(ctx, session, member.id, row.through_day if row else None)
    want_streak = (state.current, state.longest, state.freezes, state.last_day, len(state.freezes_used))
    got_streak = (row.current, row.longest, row.freezes, row.last_day, row.freezes_used) if row else (0, 0, 0, None, 0)
    if got_streak != want_streak:
        add("streak (current, longest, freezes, last day, freezes used)", got_streak, want_streak)
    return drift


async def verify(ctx: Context, member_ids: list[int] | None = None) -> list[Drift]:
    """Drift of every person with an answer (or the given people), each in its own read-only session."""
    async with ctx.sessions() as s:
        query = select(Member).where(exists().where(Answer.member_id == Member.id)).order_by(Member.id)
        if member_ids is not None:
            query = query.where(Member.id.in_(member_ids))
        members = (await s.scalars(query)).all()
    drift: list[Drift] = []
    for member in members:
        async with ctx.sessions() as s:
            drift += await verify_member(ctx, s, member)
    return drift


async def refresh_member(ctx: Context, session: AsyncSession, member_id: int, *,
                         round_id: int | None = None) -> StreakChange:
    if round_id is not None:
        await refresh_round_points(session, round_id, member_id)
    await refresh_category_stats(session, member_id)
    return await refresh_streak(ctx, session, member_id)


def streak_note(change: StreakChange) -> str:
    s = change.state
    note = f"Streak: {s.current} day{'s' if s.current != 1 else ''}"
    if s.freezes:
        note += f" · {s.freezes} freeze{'s' if s.freezes != 1 else ''} held"
    if change.freezes_used_now:
        day = s.freezes_used[-1]
        note += f". A streak freeze covered {day:%a %d %b}, so your streak kept going"
    return note + "."
