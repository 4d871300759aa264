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
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, case, exists, func, literal, literal_column, null, select, union_all

from bot.messages import user_text
from bot.rules.timing import iso_week, local_date, week_start
from bot.services.context import Context
from bot.store.models import Answer, Member, QuestionRow, Score
from bot.store.models import Dispute as DisputeRow
from bot.store.queries import counted, live

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
    """A SQL expression naming the ISO week of Answer.day (portable across SQLite and PostgreSQL).
    Rows are already limited to the period, so each branch needs one comparison."""
    whens = [(Answer.day < first_day + timedelta(weeks=i + 1), w) for i, w in enumerate(weeks[:-1])]
    return case(*whens, else_=weeks[-1])


def _pct_offset(n: int, q: float = 0.95) -> int:
    """The 0-based position of the q-quantile among n sorted values (nearest rank, Python rounding)."""
    return max(0, round(q * (n - 1)))


def _score_join() -> Any:
    """Answer -> its score, through ix_scores_answer_report. The always-true `counts IN (true, false)` is
    an equality on the index's second column: without it SQLite, lacking ANALYZE statistics, prefers the
    unique answer_id index and then reads every wide score row (3x slower at 300,000 answers)."""
    return and_(Score.answer_id == Answer.id, Score.counts.in_((True, False)))


def _counted_only(value: Any) -> Any:
    """`value` for answers that earn points (the rule `queries.counted`), NULL otherwise: lets
    one LEFT JOIN over the period feed both "every answer" and "counted answers" aggregates."""
    return case((and_(*counted()), value), else_=None)


async def build(ctx: Context, weeks_back: int = 8) -> TeamReport:
    """Two set-based passes over the period's answers (see BENCHMARKS.md, 3b): per day x question x
    judge, and per person x week (participation and most improved); the judges' p95 latencies and the
    flagged answers read a few rows through their own indexes."""
    today = local_date(ctx.clock.now(), ctx.settings.timezone)
    first = week_start(today) - timedelta(weeks=weeks_back - 1)
    weeks = [iso_week(first + timedelta(weeks=i)) for i in range(weeks_back)]
    bucket = _week_bucket(weeks, first)
    in_range = (Answer.day >= first, Answer.day <= today, live())

    async def by_question_and_judge() -> tuple[list[Any], dict[int, tuple[str, str]], dict[str, float],
                                               list[Any], dict[str, int]]:
        async with ctx.sessions() as s:
            # Grouped by day (not week: a plain column sorts cheaper than the week CASE; days map to weeks
            # below) and by whether the answer counts, so the rule is evaluated once per row, not per aggregate.
            counts = case((and_(*counted()), 1), else_=0)
            grouped = (await s.execute(
                select(Answer.day, Answer.question_id, Score.judge_id, counts,
                       func.count(Answer.id), func.count(Score.id), func.sum(Score.total),
                       func.sum(Score.total * Score.total), func.count(case((Score.total >= HIT, 1), else_=None)),
                       func.min(Score.total), func.max(Score.total),
                       func.sum(Score.cost_usd), func.sum(Score.latency_ms), func.max(Score.latency_ms),
                       func.sum(Score.input_tokens + Score.output_tokens))
                .outerjoin(Score, _score_join()).where(*in_range)
                .group_by(Answer.day, Answer.question_id, Score.judge_id, counts))).all()
            question_ids = sorted({r[1] for r in grouped})
            questions = {r.id: (r.qid, r.category) for r in (await s.execute(
                select(QuestionRow.id, QuestionRow.qid, QuestionRow.category)
                .where(QuestionRow.id.in_(question_ids)))).all()} if question_ids else {}
            judged: dict[str, int] = defaultdict(int)
            for row in grouped:
                if row[2] is not None:
                    judged[row[2]] += row[5]
            p95 = await _latency_p95(s, in_range, judged)
            # Driven from the partial index ix_scores_under_review (the few scores under review), each checked
            # against its answer by primary key. The constant is inline, not a bound parameter: only then can
            # SQLite (and PostgreSQL's generic plans) match the index's predicate.
            flagged = (await s.execute(
                select(Score.flags, Score.review_state)
                .where(Score.review_state != literal_column("'none'"),
                       exists().where(Answer.id == Score.answer_id, *in_range)))).all()
            return list(grouped), questions, p95, list(flagged), await _disputes(s, first)

    async def by_person() -> tuple[dict[str, int], list[tuple[int, str, float, str, float]], dict[int, str]]:
        async with ctx.sessions() as s:
            people, gains = await _people(s, bucket, in_range)
            names = {}
            if gains:
                names = {r.id: ANONYMOUS if r.leaderboard_opt_out else user_text(r.display_name or "someone", 40)
                         for r in (await s.execute(select(Member.id, Member.display_name, Member.leaderboard_opt_out)
                                                   .where(Member.id.in_([g[0] for g in gains])))).all()}
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


async def _people(s: Any, bucket: Any, in_range: tuple[Any, ...],
                  top: int = 10) -> tuple[dict[str, int], list[tuple[int, str, float, str, float]]]:
    """People active per week, and the `top` most improved: each person's first week against their
    last one, counting only weeks with 2+ counted answers (one answer is not a week's level).
    Both come from one per-person-per-week grouping (a CTE used twice is computed once)."""
    mw = (select(Answer.member_id.label("member_id"), bucket.label("week"),
                 func.count(_counted_only(Score.id)).label("n"), func.avg(_counted_only(Score.total)).label("mean"))
          .outerjoin(Score, _score_join()).where(*in_range)
          .group_by(Answer.member_id, bucket)).cte("member_weeks")
    span = (select(mw.c.member_id, func.min(mw.c.week).label("w0"), func.max(mw.c.week).label("w1"))
            .where(mw.c.n >= 2).group_by(mw.c.member_id).having(func.count() >= 2).subquery("span"))
    then, now = mw.alias("then_week"), mw.alias("now_week")
    gain = (select(literal("gain").label("kind"), span.c.member_id, span.c.w0, then.c.mean.label("then_mean"),
                   span.c.w1, now.c.mean.label("now_mean"))
            .select_from(span)
            .join(then, and_(then.c.member_id == span.c.member_id, then.c.week == span.c.w0))
            .join(now, and_(now.c.member_id == span.c.member_id, now.c.week == span.c.w1))
            .where(now.c.mean > then.c.mean)
            .order_by((now.c.mean - then.c.mean).desc(), span.c.member_id).limit(top).subquery("gain"))
    active = select(literal("active"), func.count(), mw.c.week, null(), null(), null()).group_by(mw.c.week)
    rows = (await s.execute(union_all(active, select(gain)))).all()
    people = {r[2]: int(r[1]) for r in rows if r[0] == "active"}
    gains = [(int(r[1]), r[2], float(r[3]), r[4], float(r[5])) for r in rows if r[0] == "gain"]
    gains.sort(key=lambda g: (-(g[4] - g[2]), g[0]))
    return people, gains


async def _latency_p95(s: Any, in_range: tuple[Any, ...], judged: dict[str, int]) -> dict[str, float]:
    """Each judge's p95 latency over the period (nearest rank), all judges in one statement. Each branch
    walks ix_scores_judge_latency from the slowest score down, checking the answer by primary key, and
    stops at the p95 position: about 5 % of the judge's scores are read and nothing is sorted."""
    if not judged:
        return {}
    branches = [
        select(Score.judge_id, Score.latency_ms)
        .where(Score.judge_id == judge_id, exists().where(Answer.id == Score.answer_id, *in_range))
        .order_by(Score.latency_ms.desc()).limit(1).offset(n - 1 - _pct_offset(n)).subquery()
        for judge_id, n in sorted(judged.items())]
    rows = (await s.execute(union_all(*(select(b.c.judge_id, b.c.latency_ms) for b in branches)))).all()
    return {j: 0.0 for j in judged} | {j: float(lat or 0.0) for j, lat in rows}


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
