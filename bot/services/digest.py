"""The weekly digest for a channel: leaderboard, participation, streaks, hardest question, category chart.

One digest per channel per ISO week (unique row, reserved before posting).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy.exc import IntegrityError

from bank.schema import category_label
from bot.messages import Field, Message, person_name
from bot.rules.timing import iso_week, local_date, week_start
from bot.services import directory, progress_view
from bot.services.context import Context
from bot.services.reports import leaderboard_rows, standing_name


@dataclass
class DigestData:
    week: str
    top: list[tuple[str, float]] = field(default_factory=list)
    participants: int = 0
    answers: int = 0
    participants_prev: int = 0
    answers_prev: int = 0
    streaks: list[tuple[str, int]] = field(default_factory=list)
    most_improved: tuple[str, float] | None = None
    hardest: tuple[str, float] | None = None
    categories: dict[str, float] = field(default_factory=dict)
    categories_prev: dict[str, float] = field(default_factory=dict)
    category_counts: dict[str, int] = field(default_factory=dict)  # this week's answers behind each mean
    prev_weeks: int = 0  # how many of the previous 4 weeks had scores (the chart's legend says so)


def weeks_back(start: date, n: int) -> list[str]:
    return [iso_week(start - timedelta(weeks=i)) for i in range(1, n + 1)]


async def build(ctx: Context, channel_id: int, week_day: date) -> DigestData:
    """Digest data for the ISO week containing `week_day` (without the chart)."""
    monday = week_start(week_day)
    week, prev4 = iso_week(monday), weeks_back(monday, 4)
    data = DigestData(week)
    data.top = [(standing_name(r), r.points) for r in await leaderboard_rows(ctx, channel_id=channel_id, week=week)]
    async with ctx.uow() as uow:
        data.participants, data.answers = await uow.digests.participation(channel_id, monday)
        data.participants_prev, data.answers_prev = await uow.digests.participation(channel_id,
                                                                                    week_start_of(prev4[0]))
        cat_rows = await uow.digests.category_means(channel_id, [week, *prev4])
        prev_sum: dict[str, list[float]] = defaultdict(list)
        prev_seen: set[str] = set()
        for w, category, mean, n in cat_rows:
            if w == week:
                data.categories[category] = round(float(mean), 2)
                data.category_counts[category] = int(n)
            else:
                prev_sum[category].append(float(mean))
                prev_seen.add(w)
        data.prev_weeks = len(prev_seen)
        data.categories_prev = {c: round(sum(v) / len(v), 2) for c, v in prev_sum.items()}
        hardest = await uow.digests.hardest(channel_id, week)
        if hardest:
            data.hardest = (hardest.qid, round(float(hardest.mean), 1))
        # The channel's people, then their running streaks through the progress model's named query (by
        # primary key; a DISTINCT subquery made SQLite walk all of round_points in member order). Names are
        # read only for the top three and anyone tied with them.
        people = await uow.people.of_channel(channel_id)
        ranked = [(member_id, st.current) for member_id, st in
                  (await progress_view.streaks(uow, people, running_only=True)).items()]
        ranked.sort(key=lambda r: -r[1])
        if ranked:
            floor = ranked[min(2, len(ranked) - 1)][1]
            days = {member_id: n for member_id, n in ranked if n >= floor}
            named = await uow.people.names(list(days))
            top = sorted(named, key=lambda r: (-days[r.id], r.display_name))[:3]
            data.streaks = [(person_name(r.display_name, r.leaderboard_opt_out), days[r.id]) for r in top]
        means: dict[int, dict[str, float]] = defaultdict(dict)
        for member_id, w, mean in await uow.digests.member_means(channel_id, [week, prev4[0]]):
            means[member_id][w] = float(mean)
        gains = [(m, v[week] - v[prev4[0]]) for m, v in means.items() if week in v and prev4[0] in v]
        if gains:
            member_id, gain = max(gains, key=lambda g: (g[1], -g[0]))
            if gain > 0 and (found := await uow.people.names([member_id])):
                data.most_improved = (person_name(found[0].display_name, found[0].leaderboard_opt_out), round(gain, 1))
    return data


def week_start_of(week: str) -> date:
    year, w = week.split("-W")
    return date.fromisocalendar(int(year), int(w), 1)


def chart_title(week: str) -> str:
    monday = week_start_of(week)
    sunday = monday + timedelta(days=6)
    return f"Team scores by category · {monday:%d %b} – {sunday:%d %b %Y}"


def previous_label(weeks: int) -> str:
    return "1 earlier week" if weeks == 1 else f"{weeks} earlier weeks"


def render_digest(data: DigestData, chart: bytes | None) -> Message:
    top = "\n".join(f"{i + 1}. {name} · {pts:.1f} pts" for i, (name, pts) in enumerate(data.top)) or "No points."
    fields = [
        Field("Top 10", top),
        Field("Participation", f"{data.participants} people, {data.answers} answers "
                               f"(last week: {data.participants_prev}, {data.answers_prev})", True),
    ]
    if data.streaks:
        fields.append(Field("Longest streaks", ", ".join(f"{n} ({d} d)" for n, d in data.streaks), True))
    if data.most_improved:
        fields.append(Field("Most improved", f"{data.most_improved[0]} (+{data.most_improved[1]:.1f})", True))
    if data.hardest:
        fields.append(Field("Hardest question", f"{data.hardest[0]} (mean {data.hardest[1]:.1f})", True))
    if data.categories:
        profile = ", ".join(f"{category_label(c)} {v:.1f}" for c, v in sorted(data.categories.items(),
                                                                             key=lambda kv: kv[1]))
        fields.append(Field("Team profile (weakest first)", profile))
    return Message(title=f"Weekly digest · {data.week}", text="How the team practised this week.",
                   fields=fields, image=chart, image_name=f"digest-{data.week}.png", kind="digest")


@dataclass
class DigestResult:
    posted: bool
    week: str
    image: bytes | None = None
    reason: str = ""


async def post_digest(ctx: Context, channel_key: str, *, week_day: date | None = None) -> DigestResult:
    """Post the digest for the week containing `week_day` (default: the week before today)."""
    async with ctx.uow() as uow:
        ch = await directory.find_channel(uow, channel_key)
    if ch is None:
        return DigestResult(False, "", reason="channel not configured")
    day = week_day or local_date(ctx.clock.now(), ch.timezone) - timedelta(days=7)
    week = iso_week(day)
    try:
        async with ctx.uow() as uow:
            await uow.digests.reserve(ch.id, week)
    except IntegrityError:
        return DigestResult(False, week, reason="already posted")
    data = await build(ctx, ch.id, day)
    # matplotlib costs ~40 MB of RSS: load it on the first digest, not at start.
    from bot.chart import category_chart

    chart = category_chart(data.categories, data.categories_prev, chart_title(week), counts=data.category_counts,
                           previous_label=previous_label(data.prev_weeks))
    posted = await ctx.platform_for(channel_key).post(channel_key, render_digest(data, chart))
    async with ctx.uow() as uow:
        row = await uow.digests.of_week(ch.id, week)
        if row is not None:
            row.posted_at, row.thread_key = ctx.clock.now(), posted.thread_key
    return DigestResult(True, week, chart)
