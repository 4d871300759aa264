"""Read models: a person's stats and streak, and the leaderboard."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bank.schema import category_label
from bot import render
from bot.clock import as_utc
from bot.messages import Field, Message, person_name, user_text
from bot.rules.timing import iso_week, local_date
from bot.services import directory, practice, progress_view
from bot.services.context import Context
from bot.services.days import local_day
from bot.store.models import Channel


@dataclass
class Standing:
    member_id: int
    name: str
    points: float
    first_at: datetime
    anonymous: bool


async def leaderboard_rows(ctx: Context, *, channel_id: int | None = None, workspace_id: int | None = None,
                           week: str | None = None, limit: int = 10) -> list[Standing]:
    """Sum of each person's best round scores; ties go to whoever answered first."""
    async with ctx.uow() as uow:
        rows = await uow.progress.leaderboard(channel_id=channel_id, workspace_id=workspace_id, week=week,
                                              limit=limit)
    return [Standing(r.member_id, r.display_name, round(r.points, 1), as_utc(r.first_at), r.leaderboard_opt_out)
            for r in rows]


def standing_name(st: Standing) -> str:
    return person_name(st.name, st.anonymous)


async def leaderboard(ctx: Context, channel_key: str | None, period: str = "week") -> Message:
    if period not in ("week", "all"):
        return render.error(f"Unknown period “{user_text(period, 20)}”.", "Use `leaderboard week` or "
                            "`leaderboard all`.")
    async with ctx.uow() as uow:
        ch = await directory.find_channel(uow, channel_key) if channel_key else None
    if ch is None:
        return render.error("The leaderboard belongs to a channel with daily questions.",
                            "Run this command in that channel.")
    week = iso_week(local_date(ctx.clock.now(), ch.timezone)) if period == "week" else None
    rows = await leaderboard_rows(ctx, channel_id=ch.id, week=week)
    title = f"Leaderboard · {'this week (' + week + ')' if week else 'all time'}"
    if not rows:
        return Message(title=title, text="No points yet. Answer today's question in its thread to get on the board.",
                       kind="leaderboard")
    medals = ["🥇", "🥈", "🥉"]
    lines = [f"{medals[i] if i < 3 else f'{i + 1}.'} {standing_name(r)} · {r.points:.1f} pts"
             for i, r in enumerate(rows)]
    return Message(title=title, text="\n".join(lines), kind="leaderboard",
                   footer="Points: your best score per round. Ties go to the earlier answer.")


async def streak(ctx: Context, user_key: str) -> Message:
    async with ctx.uow() as uow:
        m = await directory.find_member(uow, user_key)
        row = await progress_view.streak(uow, m.id) if m else None
    if row is None:
        return Message(title="Streak", text="No streak yet: answer a daily question or a practice question.",
                       kind="stats")
    return Message(title="Streak", kind="stats", text=(
        f"Current: {row.current} day(s) · longest: {row.longest} · freezes held: {row.freezes} of 2.\n"
        "A freeze is earned every 7 counted days and covers one missed posting day automatically."))


async def stats(ctx: Context, user_key: str, *, about_self: bool = True) -> Message:
    async with ctx.uow() as uow:
        m = await directory.find_member(uow, user_key)
        # Opting out of the leaderboard makes your results private: others get the reply they would get
        # for someone with no answers, so the opt-out itself is not revealed either.
        if m is None or (m.leaderboard_opt_out and not about_self):
            return Message(title="Stats", text="No answers yet." if about_self else "No answers from them yet.",
                           kind="stats")
        st = await progress_view.streak(uow, m.id)
        cats = await progress_view.category_strengths(uow, m.id)
        answers, scored = await uow.progress.answer_counts(m.id)
        week = iso_week(await local_day(ctx, uow, m))
        week_points = await progress_view.week_points(uow, m.id, week)
        leeches = await uow.reviews.leeches(m.id)
        name, member_id = m.display_name, m.id
    weak = await practice.weak_for(ctx, member_id)
    fields = [Field("Streak", f"{st.current if st else 0} day(s), longest {st.longest if st else 0}", True),
              Field("This week", f"{week_points:.1f} pts", True),
              Field("Answers", f"{answers} ({scored} scored)", True)]
    if cats:
        rows = [("category", "tries", "mean", "recent")] + [
            (category_label(c.category), str(c.attempts), f"{c.mean:.1f}", f"{c.recent:.1f}") for c in cats]
        fields.append(Field("By category", render.table(rows)))
    if weak:
        fields.append(Field("Practise next", ", ".join(category_label(c) for c in weak[:3])))
    if leeches:
        fields.append(Field("Stuck on", ", ".join(leeches) + " (kept out of review; read the model answers)"))
    who = "Your stats" if about_self else f"Stats for {user_text(name or 'them', 40)}"
    return Message(title=who, text="", fields=fields, kind="stats")


async def channel_of(ctx: Context, channel_key: str) -> Channel | None:
    async with ctx.uow() as uow:
        return await directory.find_channel(uow, channel_key)
