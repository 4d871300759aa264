"""The team report for admins: participation, category trends, who improved, which questions are too
easy or too hard, flags, disputes and what the judge costs. Platform-neutral tables; bot/report_html.py
renders them as one self-contained HTML page, and as CSV files.

Every aggregate runs in SQL, grouped by day x question x judge or by person x week, so what reaches
Python is proportional to days x questions plus the ten most improved, not to answers.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from bot.messages import ANONYMOUS, person_name
from bot.rules.timing import iso_week, local_date, week_start
from bot.services.context import Context
from bot.store.team_figures import Period

TOO_EASY, TOO_HARD = 0.85, 0.15  # hit rates that mark a question as not discriminating
MIN_ANSWERS = 3  # fewer answers say nothing about a question


@dataclass
class Table:
    name: str  # file name for CSV, id in HTML
    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)


@dataclass
class TeamReport:
    first_day: date
    last_day: date
    weeks: list[str]
    participation: Table
    category_trend: Table  # one row per category, one column per week (mean score or "")
    most_improved: Table
    questions: Table
    flags: Table
    judges: Table
    disputes: Table
    agreement: str  # judge-vs-admin agreement, or why it is not available

    def tables(self) -> list[Table]:
        return [self.participation, self.category_trend, self.most_improved, self.questions, self.flags,
                self.judges, self.disputes]


async def build(ctx: Context, weeks_back: int = 8) -> TeamReport:
    """Two set-based passes over the period's answers (see BENCHMARKS.md, 3b): per day x question x
    judge, and per person x week (participation and most improved); the judges' p95 latencies and the
    flagged answers read a few rows through their own indexes (`uow.team`)."""
    today = local_date(ctx.clock.now(), ctx.settings.timezone)
    first = week_start(today) - timedelta(weeks=weeks_back - 1)
    weeks = [iso_week(first + timedelta(weeks=i)) for i in range(weeks_back)]
    period = Period(first, today, tuple(weeks))

    async def by_question_and_judge() -> tuple[list[Any], dict[int, tuple[str, str]], dict[str, float],
                                               list[Any], dict[str, int]]:
        async with ctx.uow() as uow:
            grouped = await uow.team.by_day_question_judge(period)
            questions = await uow.team.questions(sorted({r[1] for r in grouped}))
            judged: dict[str, int] = defaultdict(int)
            for row in grouped:
                if row[2] is not None:
                    judged[row[2]] += row[5]
            p95 = await uow.team.latency_p95(period, judged)
            flagged = await uow.team.under_review(period)
            return list(grouped), questions, p95, list(flagged), await uow.team.disputes_by_status(first)

    async def by_person() -> tuple[dict[str, int], list[tuple[int, str, float, str, float]], dict[int, str]]:
        async with ctx.uow() as uow:
            rows = await uow.team.people_by_week(period, top=10)
            people = {r[2]: int(r[1]) for r in rows if r[0] == "active"}
            gains = [(int(r[1]), r[2], float(r[3]), r[4], float(r[5])) for r in rows if r[0] == "gain"]
            gains.sort(key=lambda g: (-(g[4] - g[2]), g[0]))
            names = {}
            if gains:
                names = {r.id: person_name(r.display_name, r.leaderboard_opt_out)
                         for r in await uow.people.names([g[0] for g in gains])}
            return people, gains, names

    # The two passes are independent: each on its own connection, so PostgreSQL (two backends) and SQLite
    # (WAL readers in two threads) run them side by side on two cores.
    (grouped, questions, p95, flagged, disputes), (people, gains, names) = await asyncio.gather(
        by_question_and_judge(), by_person())

    participation = Table("participation", "Participation per week", ["week", "people", "answers"])
    week_of = {first + timedelta(days=d): weeks[d // 7] for d in range(7 * weeks_back)}
    answers: dict[str, int] = defaultdict(int)
    for row in grouped:
        answers[week_of[row[0]]] += row[4]
    participation.rows = [[w, people.get(w, 0), answers.get(w, 0)] for w in weeks]

    # Counted sums per (week, category), per (question, category) and per judge, from the one grouping.
    by_cat: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(lambda: [0, 0.0]))
    by_q: dict[tuple[str, str], list[Any]] = {}
    by_judge: dict[str, list[float]] = {}
    for day, qrow, judge_id, is_counted, _a, n, total, total_sq, hits, lo, hi, cost, lat, lat_max, tok in grouped:
        qid, category = questions[qrow]
        if is_counted:
            c = by_cat[category][week_of[day]]
            c[0], c[1] = c[0] + n, c[1] + float(total)
            q = by_q.setdefault((qid, category), [0, 0.0, 0.0, 0, lo, hi])
            q[0], q[1], q[2], q[3] = q[0] + n, q[1] + float(total), q[2] + float(total_sq), q[3] + hits
            q[4], q[5] = min(q[4], lo), max(q[5], hi)
        if judge_id is not None:
            j = by_judge.setdefault(judge_id, [0, 0.0, 0.0, 0.0, 0])
            j[0], j[1], j[2] = j[0] + n, j[1] + float(cost or 0), j[2] + float(lat or 0)
            j[3], j[4] = max(j[3], float(lat_max or 0)), j[4] + int(tok or 0)

    trend = Table("category_trend", "Team mean score per category and week", ["category", *weeks])
    trend.rows = [[c, *[round(by_cat[c][w][1] / by_cat[c][w][0], 2) if w in by_cat[c] else "" for w in weeks]]
                  for c in sorted(by_cat)]

    improved = Table("most_improved", "Most improved (first active week against the last)",
                     ["person", "first_week", "mean_then", "last_week", "mean_now", "gain"])
    improved.rows = [[names.get(m, ANONYMOUS), w0, round(b, 2), w1, round(a, 2), round(a - b, 2)]
                     for m, w0, b, w1, a in gains]

    qtable = Table("questions", "Questions: hit rate (score >= 7) and score spread",
                   ["question", "category", "answers", "mean", "stdev", "min", "max", "hit_rate", "verdict"])
    for (qid, category), (n, total, total_sq, hits, lo, hi) in sorted(by_q.items()):
        mean, var = total / n, max(0.0, total_sq / n - (total / n) ** 2)
        rate = hits / n
        verdict = ("too few answers" if n < MIN_ANSWERS else "too easy" if rate >= TOO_EASY
                   else "too hard" if rate <= TOO_HARD else "ok")
        qtable.rows.append([qid, category, n, round(mean, 2), round(var ** 0.5, 2), lo, hi, round(rate, 2), verdict])
    qtable.rows.sort(key=lambda r: (r[8] == "ok", r[8] == "too few answers", r[7]))

    ftable = Table("flags", "Flagged answers by flag and admin decision", ["flag", "waiting", "cleared", "confirmed"])
    fcount: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for flags, state in flagged:
        for flag in flags or ["(none)"]:
            fcount[flag][state] += 1
    ftable.rows = [[f, c["flagged"], c["cleared"], c["confirmed"]] for f, c in sorted(fcount.items())]

    jtable = Table("judges", "Judge cost and latency per model",
                   ["judge", "answers", "cost_usd", "cost_per_answer_usd", "latency_ms_mean", "latency_ms_p95",
                    "latency_ms_max", "tokens"])
    jtable.rows = [[j, n, round(cost, 6), round(cost / n, 6), round(lat / n, 1), round(p95[j], 1), round(mx, 1), tok]
                   for j, (n, cost, lat, mx, tok) in sorted(by_judge.items())]

    dtable = Table("disputes", "Disputes by status", ["status", "count"], [[k, v] for k, v in disputes.items()])
    agreement = _agreement(disputes)
    return TeamReport(first, today, weeks, participation, trend, improved, qtable, ftable, jtable, dtable, agreement)


def _agreement(disputes: dict[str, int]) -> str:
    # An upheld dispute means the admin changed the score; a rejected one kept the judge's.
    kept, changed = disputes.get("rejected", 0), disputes.get("upheld", 0)
    if kept + changed == 0:
        return "no decided disputes yet"
    decided = kept + changed
    return f"{kept / decided:.0%} of decided disputes kept the judge's score ({kept} of {decided})"
