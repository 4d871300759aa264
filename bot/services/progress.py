"""What a score changes: round points, streak, category stats, review schedule.

Points, streaks and stats are recomputed from the answers table (not incremented), so a retried,
deleted or re-reviewed answer can never leave them out of step with the history.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import as_utc
from bot.rules import category_stats as catrules
from bot.rules import review as reviewrules
from bot.rules.streaks import STREAK_MIN_POINTS, StreakState, compute_streak, scheduled_from
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


def counted():  # type: ignore[no-untyped-def]
    return (Answer.status == "scored", Answer.deleted.is_(False), Score.counts.is_(True))


@dataclass
class StreakChange:
    state: StreakState
    freezes_used_now: int


async def refresh_round_points(session: AsyncSession, round_id: int, member_id: int) -> None:
    best = (await session.execute(
        select(Answer.id, Score.total, Answer.submitted_at)
        .join(Score, Score.answer_id == Answer.id)
        .where(Answer.round_id == round_id, Answer.member_id == member_id, *counted())
        .order_by(Score.total.desc(), Answer.submitted_at.asc(), Answer.id.asc())
        .limit(1)
    )).first()
    # Update the one row in place (or add it) instead of delete + insert: fewer statements per score.
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
                                points=best.total, answer_id=best.id, answered_at=best.submitted_at))
        return
    if (row.answer_id, row.points) != (best.id, best.total) or as_utc(row.answered_at) != as_utc(best.submitted_at):
        row.points, row.answer_id, row.answered_at = best.total, best.id, best.submitted_at


async def refresh_streak(ctx: Context, session: AsyncSession, member_id: int) -> StreakChange:
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
    # The person's local day (bot/services/days.py), with the channel already at hand.
    tz = zone(member.timezone, channel_rows[0].timezone if channel_rows else None, ctx.settings.timezone)
    state = compute_streak(days, scheduled_from(round_days, every_day=not channel_ids),
                           local_date(ctx.clock.now(), tz))
    row = await session.get(Streak, member_id)
    if row is None:
        row = Streak(member_id=member_id, freezes_used=0, updated_at=ctx.clock.now())
        session.add(row)
    used_before = row.freezes_used or 0
    row.current, row.longest, row.freezes = state.current, state.longest, state.freezes
    row.last_day, row.freezes_used, row.updated_at = state.last_day, len(state.freezes_used), ctx.clock.now()
    return StreakChange(state, max(0, len(state.freezes_used) - used_before))


async def refresh_category_stats(session: AsyncSession, member_id: int) -> None:
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
    existing = {r.category: r for r in (await session.scalars(
        select(CategoryStatRow).where(CategoryStatRow.member_id == member_id))).all()}
    for category, row in existing.items():
        if category not in scores:
            await session.delete(row)
    for category, totals in scores.items():
        stat = catrules.from_scores(category, totals)
        row = existing.get(category) or CategoryStatRow(member_id=member_id, category=category)
        row.attempts, row.mean, row.weighted_mean, row.last_score = (
            stat.attempts, stat.mean, stat.weighted_mean, stat.last_score)
        session.add(row)


async def record_review(session: AsyncSession, member_id: int, qid: str, score: float, today: date) -> None:
    item = await session.scalar(select(ReviewItem).where(ReviewItem.member_id == member_id, ReviewItem.qid == qid))
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
