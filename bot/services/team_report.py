"""The team report for admins: participation, category trends, who improved, which questions are too
easy or too hard, flags, disputes and what the judge costs. Platform-neutral tables; bot/report_html.py
renders them as one self-contained HTML page, and as CSV files.

Every aggregate runs in SQL grouped by week bucket (a CASE over the answer's streak day), so the work
in Python is proportional to weeks x categories, not to answers.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, case, func, select

from bot.messages import user_text
from bot.rules.timing import iso_week, local_date, week_start
from bot.services.context import Context
from bot.services.progress import counted
from bot.store.models import Answer, Member, QuestionRow, Score
from bot.store.models import Dispute as DisputeRow

HIT = 7.0  # a score from 7/10 up is a "hit": the answer met most of the rubric
TOO_EASY, TOO_HARD = 0.85, 0.15  # hit rates that mark a question as not discriminating
MIN_ANSWERS = 3  # fewer answers say nothing about a question
ANONYMOUS = "(anonymous)"


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


def _week_bucket(weeks: list[str], first_day: date) -> Any:
    """A SQL expression naming the ISO week of Answer.day (portable across SQLite and PostgreSQL)."""
    whens = []
    for i, w in enumerate(weeks):
        start = first_day + timedelta(weeks=i)
        whens.append((and_(Answer.day >= start, Answer.day < start + timedelta(days=7)), w))
    return case(*whens, else_=None)


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


async def build(ctx: Context, weeks_back: int = 8) -> TeamReport:
    today = local_date(ctx.clock.now(), ctx.settings.timezone)
    first = week_start(today) - timedelta(weeks=weeks_back - 1)
    weeks = [iso_week(first + timedelta(weeks=i)) for i in range(weeks_back)]
    bucket = _week_bucket(weeks, first).label("week")
    in_range = (Answer.day >= first, Answer.day <= today, Answer.deleted.is_(False))
    async with ctx.sessions() as s:
        part = (await s.execute(
            select(bucket, func.count(func.distinct(Answer.member_id)), func.count(Answer.id))
            .where(*in_range).group_by(bucket))).all()
        cats = (await s.execute(
            select(bucket, QuestionRow.category, func.avg(Score.total), func.count(Score.id))
            .join(Score, Score.answer_id == Answer.id).join(QuestionRow, QuestionRow.id == Answer.question_id)
            .where(*in_range, *counted()).group_by(bucket, QuestionRow.category))).all()
        # Most improved: each person's first active week against their last one.
        people = (await s.execute(
            select(Answer.member_id, bucket, func.avg(Score.total), func.count(Score.id))
            .join(Score, Score.answer_id == Answer.id)
            .where(*in_range, *counted()).group_by(Answer.member_id, bucket))).all()
        hit = func.sum(case((Score.total >= HIT, 1), else_=0))
        questions = (await s.execute(
            select(QuestionRow.qid, QuestionRow.category, func.count(Score.id), func.avg(Score.total),
                   func.avg(Score.total * Score.total), hit, func.min(Score.total), func.max(Score.total))
            .join(Answer, Answer.question_id == QuestionRow.id).join(Score, Score.answer_id == Answer.id)
            .where(*in_range, *counted()).group_by(QuestionRow.qid, QuestionRow.category))).all()
        flagged = (await s.execute(
            select(Score.flags, Score.review_state).join(Answer, Answer.id == Score.answer_id)
            .where(*in_range, Score.review_state != "none"))).all()
        judges = (await s.execute(
            select(Score.judge_id, func.count(Score.id), func.sum(Score.cost_usd), func.avg(Score.latency_ms),
                   func.max(Score.latency_ms), func.sum(Score.input_tokens + Score.output_tokens))
            .join(Answer, Answer.id == Score.answer_id).where(*in_range).group_by(Score.judge_id))).all()
        p95: dict[str, float] = {}
        for judge_id, n, *_ in judges:
            p95[judge_id] = float(await s.scalar(
                select(Score.latency_ms).join(Answer, Answer.id == Score.answer_id)
                .where(*in_range, Score.judge_id == judge_id).order_by(Score.latency_ms)
                .offset(max(0, round(0.95 * (n - 1)))).limit(1)) or 0.0)
        gains = _improvements(people)
        names = {}
        if gains:
            names = {r.id: ANONYMOUS if r.leaderboard_opt_out else user_text(r.display_name or "someone", 40)
                     for r in (await s.execute(select(Member.id, Member.display_name, Member.leaderboard_opt_out)
                                               .where(Member.id.in_([g[0] for g in gains])))).all()}
        disputes = await _disputes(s, first)

    participation = Table("participation", "Participation per week", ["week", "people", "answers"])
    counts = {w: (p, a) for w, p, a in part if w}
    participation.rows = [[w, *counts.get(w, (0, 0))] for w in weeks]

    trend = Table("category_trend", "Team mean score per category and week", ["category", *weeks])
    by_cat: dict[str, dict[str, float]] = defaultdict(dict)
    for w, category, mean, _n in cats:
        if w:
            by_cat[category][w] = round(float(mean), 2)
    trend.rows = [[c, *[by_cat[c].get(w, "") for w in weeks]] for c in sorted(by_cat)]

    improved = Table("most_improved", "Most improved (first active week against the last)",
                     ["person", "first_week", "mean_then", "last_week", "mean_now", "gain"])
    improved.rows = [[names.get(m, ANONYMOUS), w0, round(b, 2), w1, round(a, 2), round(a - b, 2)]
                     for m, w0, b, w1, a in gains[:10]]

    qtable = Table("questions", "Questions: hit rate (score >= 7) and score spread",
                   ["question", "category", "answers", "mean", "stdev", "min", "max", "hit_rate", "verdict"])
    for qid, category, n, mean, mean_sq, hits, lo, hi in questions:
        mean, var = float(mean), max(0.0, float(mean_sq) - float(mean) ** 2)
        rate = (hits or 0) / n
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
    jtable.rows = [[j, n, round(float(cost or 0), 6), round(float(cost or 0) / n, 6), round(float(lat or 0), 1),
                    round(p95[j], 1), round(float(mx or 0), 1), int(tok or 0)] for j, n, cost, lat, mx, tok in judges]

    dtable = Table("disputes", "Disputes by status", ["status", "count"], [[k, v] for k, v in disputes.items()])
    agreement = _agreement(disputes)
    return TeamReport(first, today, weeks, participation, trend, improved, qtable, ftable, jtable, dtable, agreement)


def _improvements(rows: Any) -> list[tuple[int, str, float, str, float]]:
    """(member, first week, its mean, last week, its mean) for people who got better; weeks need 2 answers."""
    weekly: dict[int, dict[str, float]] = defaultdict(dict)
    for member_id, week, mean, n in rows:
        if week and n >= 2:  # one answer is not a week's level
            weekly[member_id][week] = float(mean)
    gains = []
    for member_id, by_week in weekly.items():
        if len(by_week) >= 2:
            w0, w1 = min(by_week), max(by_week)  # "YYYY-Www" sorts in time order
            if by_week[w1] > by_week[w0]:
                gains.append((member_id, w0, by_week[w0], w1, by_week[w1]))
    return sorted(gains, key=lambda g: (-(g[4] - g[2]), g[0]))


async def _disputes(s: Any, first: date) -> dict[str, int]:
    """Disputes raised since `first`, counted by status (open, upheld, rejected)."""
    since = datetime.combine(first, time.min)
    rows = (await s.execute(select(DisputeRow.status, func.count()).where(DisputeRow.created_at >= since)
                            .group_by(DisputeRow.status))).all()
    return {str(k): int(v) for k, v in rows}


def _agreement(disputes: dict[str, int]) -> str:
    # An upheld dispute means the admin changed the score; a rejected one kept the judge's.
    kept, changed = disputes.get("rejected", 0), disputes.get("upheld", 0)
    if kept + changed == 0:
        return "no decided disputes yet"
    decided = kept + changed
    return f"{kept / decided:.0%} of decided disputes kept the judge's score ({kept} of {decided})"
