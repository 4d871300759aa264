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

from bot.clock import as_utc
from bot.rules import category_stats as catrules
from bot.rules import review as reviewrules
from bot.rules.streaks import STREAK_MIN_POINTS, StreakState, advance, compute_streak, resume_day, scheduled_from
from bot.rules.timing import iso_week, local_date, zone
from bot.services.context import Context
from bot.store.models import Answer, CategoryStatRow, Channel, Member, ReviewItem, Round, RoundPoints, Score, Streak
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

async def best_per_round(uow: Repositories, member_id: int, round_id: int | None = None) -> dict[int, Best]:
    best: dict[int, Best] = {}
    for r in await uow.answers.counted_round_bests(member_id, round_id):
        best.setdefault(r.round_id, Best(r.id, r.total, r.submitted_at))
    return best


async def refresh_round_points(uow: Repositories, round_id: int, member_id: int) -> None:
    best = (await best_per_round(uow, member_id, round_id)).get(round_id)
    rows = await uow.effects.round_points(member_id, round_id)
    row = rows[0] if rows else None
    if best is None:
        if row is not None:
            await uow.effects.remove(row)
        return
    if row is None:
        place = await uow.effects.round_place(round_id)
        if place is None:
            return
        uow.effects.add(RoundPoints(round_id=round_id, member_id=member_id, channel_id=place.id,
                                    workspace_id=place.workspace_id, iso_week=iso_week(place.local_date),
                                    points=best.points, answer_id=best.answer_id, answered_at=best.answered_at))
        return
    _set_best(row, best)


def _set_best(row: RoundPoints, best: Best) -> None:
    if (row.answer_id, row.points) != (best.answer_id, best.points) or \
            as_utc(row.answered_at) != as_utc(best.answered_at):
        row.points, row.answer_id, row.answered_at = best.points, best.answer_id, best.answered_at


async def history_streak(ctx: Context, uow: Repositories, member_id: int, today: date | None = None, *,
                         member: Member | None = None) -> tuple[StreakState, date]:
    """The streak recomputed from every counted day, as of `today` (default: the person's today now).
    `member`: the person's row when the caller has it."""
    member = member or await uow.people.get(member_id)
    assert member is not None
    days = await uow.effects.streak_days(member_id, STREAK_MIN_POINTS)
    # The person's channels and their time zones in one statement (the time zone is the fallback for
    # "today" when the person has none of their own).
    channel_rows = await uow.effects.channels_with_zones(member_id)
    channel_ids = [r.channel_id for r in channel_rows]
    round_days: set[date] = set()
    if channel_ids and days:
        round_days = await uow.effects.round_days(channel_ids, min(days))
    if today is None:
        # The person's local day (bot/services/days.py), with the channel already at hand.
        tz = zone(member.timezone, channel_rows[0].timezone if channel_rows else None, ctx.settings.timezone)
        today = local_date(ctx.clock.now(), tz)
    return compute_streak(days, scheduled_from(round_days, every_day=not channel_ids), today), today


async def refresh_streak(ctx: Context, uow: Repositories, member_id: int, *,
                         got: ScoreInputs | None = None) -> StreakChange:
    """`got`: the scoring path's read of the person and their streak row, which is written with core
    statements (`ScoreEffects.write`); otherwise the row is read and written through the session."""
    state, today = await history_streak(ctx, uow, member_id, member=got.member if got else None)
    row = got.streak if got else await uow.effects.streak(member_id)
    if row is None:
        row = Streak(member_id=member_id, freezes_used=0, updated_at=ctx.clock.now())
        (uow.effects.insert if got else uow.effects.add)(row)
    used_before = row.freezes_used or 0
    row.current, row.longest, row.freezes = state.current, state.longest, state.freezes
    row.last_day, row.freezes_used, row.updated_at = state.last_day, len(state.freezes_used), ctx.clock.now()
    row.through_day = today
    return StreakChange(state, max(0, len(state.freezes_used) - used_before))


async def history_category_stats(uow: Repositories, member_id: int) -> dict[str, catrules.CategoryStat]:
    scores: dict[str, list[float]] = defaultdict(list)
    for category, total in await uow.effects.category_scores(member_id):
        scores[category].append(total)
    return {category: catrules.from_scores(category, totals) for category, totals in scores.items()}


async def refresh_category_stats(uow: Repositories, member_id: int) -> None:
    stats = await history_category_stats(uow, member_id)
    existing = {r.category: r for r in await uow.effects.category_rows(member_id)}
    for category, row in existing.items():
        if category not in stats:
            await uow.effects.remove(row)
    for category, stat in stats.items():
        row = existing.get(category) or CategoryStatRow(member_id=member_id, category=category)
        _set_stat(row, stat)
        uow.effects.add(row)


def _set_stat(row: CategoryStatRow, stat: catrules.CategoryStat) -> None:
    row.attempts, row.mean, row.weighted_mean, row.last_score = (
        stat.attempts, stat.mean, stat.weighted_mean, stat.last_score)


async def record_review(uow: Repositories, member_id: int, qid: str, score: float, today: date) -> None:
    review_item(uow, await uow.effects.review_item(member_id, qid), member_id, qid, score, today)


def review_item(uow: Repositories, item: ReviewItem | None, member_id: int, qid: str, score: float,
                today: date, *, core: bool = False) -> None:
    """The SM-2 step for one score, on the person's row for the question (None: a first try). `core`: the
    scoring path, whose rows are written with core statements (`ScoreEffects.insert`)."""
    state = reviewrules.ReviewState()
    if item is None:
        item = ReviewItem(member_id=member_id, qid=qid)
        (uow.effects.insert if core else uow.effects.add)(item)
    else:
        state = reviewrules.ReviewState(item.repetitions, item.interval_days, item.ease, item.due,
                                        item.low_scores, item.leech)
    new = reviewrules.review(state, score, today)
    item.repetitions, item.interval_days, item.ease = new.repetitions, new.interval_days, new.ease
    item.due, item.low_scores, item.leech = new.due, new.low_scores, new.leech


# The scoring path: update from the new score ---------------------------------------------------------

@dataclass
class ScoreInputs:
    """Everything a new score changes, read in one statement while the person's row is locked. The rows
    are their column values (`bot.store.score_effects.Values`), read like the models named here; the
    last four are written with core statements once changed (`apply_score`)."""

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


async def load_for_scores(uow: Repositories, answer_ids: Sequence[int], now: datetime) -> dict[int, ScoreInputs]:
    """Mark the claimed answers scored (and their replies claimed) as the transaction's first statement,
    which takes SQLite's write lock; on PostgreSQL also lock their people's rows, in id order so two
    processes' batches never deadlock, and so no two processes update the same person's figures from the
    same old state. Then read each answer, where it goes and the rows its score updates, all in one
    statement. The answers must belong to different people (one person's scores are applied in order).
    Answers no longer claimed for scoring are left out."""
    if not answer_ids:
        return {}
    marked = await uow.effects.mark_scored(answer_ids, now)
    if not marked:
        return {}
    rows = await uow.effects.score_inputs([row.id for row in marked])
    return {row[0].id: ScoreInputs(*row) for row in rows}  # type: ignore[arg-type]


async def apply_score(ctx: Context, uow: Repositories, got: ScoreInputs, score: Score) -> StreakChange:
    """Update round points, review schedule, category stats and streak from one new score (already given
    to `uow.effects.insert`, the answer marked scored). The rows `load_for_scores` read are changed in
    place and new ones given to `uow.effects.insert`: written with core statements before commit. Falls
    back to recomputing this person where only that is exact; the fallback needs the score written
    (`flush`), the common path writes nothing until commit."""
    answer, counts = got.answer, score.counts
    flushed = False

    async def flush() -> None:
        nonlocal flushed
        if not flushed:
            await uow.effects.flush()
            flushed = True

    if counts:
        review_item(uow, got.review, answer.member_id, got.qid, score.total, answer.day, core=True)
        if got.round is not None and got.channel is not None:
            new = Best(answer.id, score.total, answer.submitted_at)
            if got.points is None:
                uow.effects.insert(RoundPoints(
                    round_id=got.round.id, member_id=answer.member_id, channel_id=got.channel.id,
                    workspace_id=got.channel.workspace_id, iso_week=iso_week(got.round.local_date),
                    points=new.points, answer_id=new.answer_id, answered_at=new.answered_at))
            elif _better(new, got.points):
                _set_best(got.points, new)
        if got.later_in_category:  # the running mean and EWMA depend on the order of answers
            await flush()
            await refresh_category_stats(uow, answer.member_id)
        else:
            row = got.stat or CategoryStatRow(member_id=answer.member_id, category=got.category)
            before = catrules.CategoryStat(got.category, row.attempts, row.mean, row.weighted_mean,
                                           row.last_score) if got.stat else catrules.CategoryStat(got.category)
            _set_stat(row, catrules.update(before, score.total))
            if got.stat is None:
                uow.effects.insert(row)
    return await _streak_after(ctx, uow, got, score, flush)


def _better(new: Best, row: RoundPoints) -> bool:
    old = Best(row.answer_id, row.points, row.answered_at)
    return (-new.points, as_utc(new.answered_at), new.answer_id) < (-old.points, as_utc(old.answered_at), old.answer_id)


async def _streak_after(ctx: Context, uow: Repositories, got: ScoreInputs, score: Score, flush) -> StreakChange:  # type: ignore[no-untyped-def]
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
        return await refresh_streak(ctx, uow, answer.member_id, got=got)
    walk = [start + timedelta(days=i) for i in range((today - start).days)]
    is_scheduled = scheduled_from(())
    if any(day != new_day for day in walk):  # a day that could be missed: which days had rounds
        is_scheduled = await _schedule(uow, answer.member_id, start, today)
    new = advance(state, [new_day] if new_day else [], is_scheduled, start, today)
    if (new, today) != (state, row.through_day):  # a second answer the same day changes nothing here
        row.current, row.longest, row.freezes, row.last_day = new.current, new.longest, new.freezes, new.last_day
        row.freezes_used = (row.freezes_used or 0) + len(new.freezes_used)
        row.through_day, row.updated_at = today, now
    return StreakChange(new, len(new.freezes_used))


async def _schedule(uow: Repositories, member_id: int, start: date, today: date):  # type: ignore[no-untyped-def]
    """The days in [start, today) with a round in any of the person's channels (every day if none)."""
    days = await uow.effects.scheduled_days(member_id, start, today)
    return scheduled_from((), every_day=True) if days is None else scheduled_from(days)


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


async def verify_member(ctx: Context, uow: Repositories, member: Member) -> list[Drift]:
    """Compare a person's stored points, category stats and streak with a recomputation from history.
    The streak is recomputed as of the day it was last walked (`through_day`), as that is what it says."""
    drift: list[Drift] = []

    def add(what: str, stored: object, expected: object) -> None:
        drift.append(Drift(member.id, member.user_key, what, stored, expected))

    best = await best_per_round(uow, member.id)
    stored_points = {r.round_id: r for r in await uow.effects.round_points(member.id)}
    for round_id in sorted(set(best) | set(stored_points)):
        b, r = best.get(round_id), stored_points.get(round_id)
        got = (r.points, r.answer_id) if r else None
        want = (b.points, b.answer_id) if b else None
        if got != want:
            add(f"points round {round_id}", got, want)
    stats = await history_category_stats(uow, member.id)
    stored_stats = {r.category: r for r in await uow.effects.category_rows(member.id)}
    for category in sorted(set(stats) | set(stored_stats)):
        st, row = stats.get(category), stored_stats.get(category)
        got_stat = catrules.CategoryStat(category, row.attempts, row.mean, row.weighted_mean, row.last_score) \
            if row else None
        if st is None or got_stat is None or st.attempts != got_stat.attempts or not all(
                _close(x, y) for x, y in ((st.mean, got_stat.mean), (st.weighted_mean, got_stat.weighted_mean),
                                          (st.last_score, got_stat.last_score))):
            add(f"category {category}", got_stat, st)
    row = await uow.effects.streak(member.id)
    state, _today = await history_streak(ctx, uow, member.id, row.through_day if row else None)
    want_streak = (state.current, state.longest, state.freezes, state.last_day, len(state.freezes_used))
    got_streak = (row.current, row.longest, row.freezes, row.last_day, row.freezes_used) if row else (0, 0, 0, None, 0)
    if got_streak != want_streak:
        add("streak (current, longest, freezes, last day, freezes used)", got_streak, want_streak)
    return drift


async def verify(ctx: Context, member_ids: list[int] | None = None) -> list[Drift]:
    """Drift of every person with an answer (or the given people), each in a unit of work of its own."""
    async with ctx.uow() as uow:
        members = await uow.effects.people_with_answers(member_ids)
    drift: list[Drift] = []
    for member in members:
        async with ctx.uow() as uow:
            drift += await verify_member(ctx, uow, member)
    return drift


async def people_with_answers(ctx: Context) -> int:
    """How many people have an answer (what `drillbot db verify` checks)."""
    async with ctx.uow() as uow:
        return await uow.effects.count_people_with_answers()


async def refresh_member(ctx: Context, uow: Repositories, member_id: int, *,
                         round_id: int | None = None) -> StreakChange:
    if round_id is not None:
        await refresh_round_points(uow, round_id, member_id)
    await refresh_category_stats(uow, member_id)
    return await refresh_streak(ctx, uow, member_id)


def streak_note(change: StreakChange) -> str:
    s = change.state
    note = f"Streak: {s.current} day{'s' if s.current != 1 else ''}"
    if s.freezes:
        note += f" · {s.freezes} freeze{'s' if s.freezes != 1 else ''} held"
    if change.freezes_used_now:
        day = s.freezes_used[-1]
        note += f". A streak freeze covered {day:%a %d %b}, so your streak kept going"
    return note + "."
