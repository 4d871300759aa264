"""One person's progress, platform-neutral: the model behind Slack's App Home, `/drill me` and `/me`.

Every view of a person's progress (stats, App Home, the personal card) reads it through the named
queries here, so "points this week" or "due reviews" cannot mean two different things on two screens.
"""

from __future__ import annotations

import asyncio
import threading
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.messages import Button, Field, Message, user_text
from bot.rules.timing import iso_week, week_start
from bot.services import directory
from bot.services.context import Context
from bot.services.days import local_day
from bot.store.repositories import Repositories

TREND_WEEKS = 8
RECENT_FEEDBACK = 3
DUE_SHOWN = 5


@dataclass
class CategoryStrength:
    category: str
    attempts: int
    mean: float
    recent: float  # exponentially weighted mean: what the person can do now


@dataclass
class TrendWeek:
    week: str
    mean: float | None  # None: no counted answers that week
    answers: int


@dataclass
class Feedback:
    qid: str
    total: float
    day: date
    text: str


@dataclass
class Dispute:
    id: int
    qid: str
    status: str


@dataclass
class ProgressView:
    member_id: int
    user_key: str
    name: str
    today: date
    week: str
    streak: int = 0
    longest: int = 0
    freezes: int = 0
    points_week: float = 0.0
    categories: list[CategoryStrength] = field(default_factory=list)
    trend: list[TrendWeek] = field(default_factory=list)
    due: list[str] = field(default_factory=list)
    due_total: int = 0
    feedback: list[Feedback] = field(default_factory=list)
    disputes: list[Dispute] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.categories and not self.feedback and self.streak == 0


# Named queries: every view of a person's progress reads these (the card, App Home, `stats`, `streak`,
# the personal weekly summary, and the channel digest's longest streaks), through `uow.progress` ----------
async def week_points(uow: Repositories, member_id: int, week: str) -> float:
    """A person's points in an ISO week: the sum of their best counted score per round, all channels."""
    return await uow.progress.week_points(member_id, week)


@dataclass
class StreakNow:
    current: int
    longest: int
    freezes: int


async def streaks(uow: Repositories, member_ids: Sequence[int], *, running_only: bool = False
                  ) -> dict[int, StreakNow]:
    """People's streaks by primary key (`running_only`: only streaks above zero)."""
    return {r.member_id: StreakNow(r.current, r.longest, r.freezes)
            for r in await uow.progress.streaks(member_ids, running_only=running_only)}


async def streak(uow: Repositories, member_id: int) -> StreakNow | None:
    return (await streaks(uow, [member_id])).get(member_id)


async def category_strengths(uow: Repositories, member_id: int) -> list[CategoryStrength]:
    return [CategoryStrength(r.category, r.attempts, r.mean, r.weighted_mean)
            for r in await uow.progress.category_stats(member_id)]


async def due_reviews(uow: Repositories, member_id: int, today: date) -> list[str]:
    """Questions due for spaced review today (leeches excluded), soonest first: the same rule `practice` uses."""
    return await uow.reviews.due(member_id, today)


def trend_weeks(today: date, n: int = TREND_WEEKS) -> list[str]:
    """The last n ISO weeks, oldest first, ending with the week containing `today`."""
    monday = week_start(today)
    return [iso_week(monday - timedelta(weeks=i)) for i in range(n - 1, -1, -1)]


async def score_trend(uow: Repositories, member_id: int, today: date, n: int = TREND_WEEKS) -> list[TrendWeek]:
    """Mean counted score per ISO week (rounds and practice), by the streak day each answer counts for."""
    first = week_start(today) - timedelta(weeks=n - 1)
    # submitted_at bounds the scan through the (member_id, submitted_at) index; a day can only be a
    # little earlier than the submission instant (time zones), so start a day early and filter by day.
    since = datetime.combine(first - timedelta(days=1), time(0), ZoneInfo("UTC"))
    rows = await uow.progress.counted_days_since(member_id, since)
    by_week: dict[str, list[float]] = defaultdict(list)
    for day, total in rows:
        if day >= first:
            by_week[iso_week(day)].append(total)
    return [TrendWeek(w, round(sum(v) / len(v), 2) if (v := by_week.get(w)) else None, len(by_week.get(w, [])))
            for w in trend_weeks(today, n)]


async def recent_feedback(uow: Repositories, member_id: int, limit: int = RECENT_FEEDBACK) -> list[Feedback]:
    return [Feedback(r.qid, r.total, r.day, user_text(r.feedback or "", 280))
            for r in await uow.progress.recent_feedback(member_id, limit)]


async def open_disputes(uow: Repositories, member_id: int) -> list[Dispute]:
    """The person's disputes still waiting for an admin, newest first."""
    return [Dispute(r.id, r.qid, r.status) for r in await uow.progress.open_disputes(member_id, 10)]


# The model ----------------------------------------------------------------------------------------
async def load(ctx: Context, user_key: str) -> ProgressView | None:
    """The person's progress now, or None if drillbot has never seen them."""
    async with ctx.uow() as uow:
        m = await directory.find_member(uow, user_key)
        if m is None:
            return None
        today = await local_day(ctx, uow, m)
        week = iso_week(today)
        view = ProgressView(m.id, m.user_key, user_text(m.display_name or "you", 80), today, week)
        st = await streak(uow, m.id)
        if st is not None:
            view.streak, view.longest, view.freezes = st.current, st.longest, st.freezes
        view.points_week = await week_points(uow, m.id, week)
        view.categories = await category_strengths(uow, m.id)
        view.trend = await score_trend(uow, m.id, today)
        due = await due_reviews(uow, m.id, today)
        view.due, view.due_total = due[:DUE_SHOWN], len(due)
        view.feedback = await recent_feedback(uow, m.id)
        view.disputes = await open_disputes(uow, m.id)
    return view


# The personal card (`/drill me`, `/me`) -------------------------------------------------------------
# A fresh practice question (due reviews first), not `next`, which keeps the category chosen last.
PRACTISE_NOW = "practice:start"


_CHART_LOCK = threading.Lock()  # pyplot keeps global state: one chart at a time


def chart(view: ProgressView, fmt: str = "png") -> bytes:
    # matplotlib costs ~40 MB of RSS: load it on the first chart, not at start.
    from bot.chart import progress_chart

    with _CHART_LOCK:
        return progress_chart({c.category: c.recent for c in view.categories},
                              [(t.week, t.mean) for t in view.trend], f"Progress of {view.name} · {view.week}", fmt)


async def chart_off_loop(view: ProgressView) -> bytes:
    """The chart drawn in a worker thread: ~100 ms of CPU must not stall scoring and chat events."""
    return await asyncio.to_thread(chart, view)


def trend_text(view: ProgressView) -> str:
    return " · ".join(f"{t.week.split('-')[1]} {t.mean:.1f}" if t.mean is not None else
                      f"{t.week.split('-')[1]} –" for t in view.trend)


def render_card(view: ProgressView, image: bytes | None) -> Message:
    from bank.schema import category_label

    fields = [
        Field("Streak", f"{view.streak} day(s), longest {view.longest}", True),
        Field("Freezes", f"{view.freezes} of 2", True),
        Field("This week", f"{view.points_week:.1f} pts ({view.week})", True),
    ]
    if view.categories:
        weakest = sorted(view.categories, key=lambda c: c.recent)
        fields.append(Field("Strength (recent, weakest first)", ", ".join(
            f"{category_label(c.category)} {c.recent:.1f}" for c in weakest)))
    fields.append(Field(f"Trend, last {len(view.trend)} weeks", trend_text(view)))
    if view.due_total:
        more = f" and {view.due_total - len(view.due)} more" if view.due_total > len(view.due) else ""
        fields.append(Field("Due for review", ", ".join(view.due) + more))
    if view.disputes:
        fields.append(Field("Open disputes", ", ".join(f"#{d.id} {d.qid}".strip() for d in view.disputes)))
    for fb in view.feedback:
        fields.append(Field(f"{fb.qid} · {fb.total:.1f}/10 · {fb.day:%d %b}", fb.text or "(no feedback text)"))
    buttons = [Button(PRACTISE_NOW, "Practise now")] if view.due_total else []
    text = ("Your streak, points, strengths and trend." if not view.empty else
            "Nothing scored yet: answer today's question or start a practice question.")
    return Message(title="Your progress", text=text, fields=fields, image=image,
                   image_name=f"progress-{view.week}.png", buttons=buttons, kind="stats")


async def card(ctx: Context, user_key: str) -> Message:
    view = await load(ctx, user_key)
    if view is None:
        return Message(title="Your progress", kind="stats",
                       text="Nothing yet: answer today's question or start a practice question.")
    return render_card(view, await chart_off_loop(view))
