"""The team report's statements (`uow.team`): set-based passes over one period's answers, so what reaches
Python is proportional to days x questions plus the ten most improved, not to answers.

The period is the answers whose streak day lies in [first, last] (`Period`); every statement below reads
it through the same conditions. The report's arithmetic stays in `bot.services.team_report`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, case, exists, func, literal, literal_column, null, select, union_all
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.models import Answer, Dispute, QuestionRow, Score
from bot.store.queries import counted, live

HIT = 7.0  # a score from 7/10 up is a "hit": the answer met most of the rubric


@dataclass(frozen=True)
class Period:
    first: date  # a Monday
    last: date
    weeks: tuple[str, ...]  # the ISO weeks from `first`, one per 7 days

    def answers(self) -> tuple[Any, ...]:
        """Live answers whose streak day lies in the period."""
        return (Answer.day >= self.first, Answer.day <= self.last, live())

    def week_bucket(self) -> Any:
        """A SQL expression naming the ISO week of Answer.day (portable across SQLite and PostgreSQL).
        Rows are already limited to the period, so each branch needs one comparison."""
        whens = [(Answer.day < self.first + timedelta(weeks=i + 1), w) for i, w in enumerate(self.weeks[:-1])]
        return case(*whens, else_=self.weeks[-1])


def pct_offset(n: int, q: float = 0.95) -> int:
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


@dataclass
class TeamFigures:
    session: AsyncSession

    async def by_day_question_judge(self, period: Period) -> Sequence[Row[Any]]:
        """The period's answers grouped by day x question x judge x whether they count. Rows: day,
        question_id, judge_id, counts (1/0), answers, scores, sum, sum of squares, hits, min, max, cost,
        latency sum, latency max, tokens."""
        # Grouped by day (not week: a plain column sorts cheaper than the week CASE; days map to weeks in
        # the service) and by whether the answer counts, so the rule is evaluated once per row, not per
        # aggregate.
        counts = case((and_(*counted()), 1), else_=0)
        return (await self.session.execute(
            select(Answer.day, Answer.question_id, Score.judge_id, counts,
                   func.count(Answer.id), func.count(Score.id), func.sum(Score.total),
                   func.sum(Score.total * Score.total), func.count(case((Score.total >= HIT, 1), else_=None)),
                   func.min(Score.total), func.max(Score.total),
                   func.sum(Score.cost_usd), func.sum(Score.latency_ms), func.max(Score.latency_ms),
                   func.sum(Score.input_tokens + Score.output_tokens))
            .outerjoin(Score, _score_join()).where(*period.answers())
            .group_by(Answer.day, Answer.question_id, Score.judge_id, counts))).all()

    async def questions(self, question_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
        """Question rows by id: (qid, category)."""
        if not question_ids:
            return {}
        return {r.id: (r.qid, r.category) for r in (await self.session.execute(
            select(QuestionRow.id, QuestionRow.qid, QuestionRow.category)
            .where(QuestionRow.id.in_(question_ids)))).all()}

    async def latency_p95(self, period: Period, judged: dict[str, int]) -> dict[str, float]:
        """Each judge's p95 latency over the period (nearest rank), all judges in one statement. Each branch
        walks ix_scores_judge_latency from the slowest score down, checking the answer by primary key, and
        stops at the p95 position: about 5 % of the judge's scores are read and nothing is sorted."""
        if not judged:
            return {}
        in_range = period.answers()
        branches = [
            select(Score.judge_id, Score.latency_ms)
            .where(Score.judge_id == judge_id, exists().where(Answer.id == Score.answer_id, *in_range))
            .order_by(Score.latency_ms.desc()).limit(1).offset(n - 1 - pct_offset(n)).subquery()
            for judge_id, n in sorted(judged.items())]
        rows = (await self.session.execute(union_all(*(select(b.c.judge_id, b.c.latency_ms) for b in branches)))).all()
        return {j: 0.0 for j in judged} | {j: float(lat or 0.0) for j, lat in rows}

    async def under_review(self, period: Period) -> Sequence[Row[Any]]:
        """The period's scores an admin was asked to review. Rows: flags, review_state."""
        # Driven from the partial index ix_scores_under_review (the few scores under review), each checked
        # against its answer by primary key. The constant is inline, not a bound parameter: only then can
        # SQLite (and PostgreSQL's generic plans) match the index's predicate.
        return (await self.session.execute(
            select(Score.flags, Score.review_state)
            .where(Score.review_state != literal_column("'none'"),
                   exists().where(Answer.id == Score.answer_id, *period.answers())))).all()

    async def disputes_by_status(self, first: date) -> dict[str, int]:
        """Disputes raised since `first`, counted by status (open, upheld, rejected)."""
        since = datetime.combine(first, time.min)
        rows = (await self.session.execute(select(Dispute.status, func.count()).where(Dispute.created_at >= since)
                                           .group_by(Dispute.status))).all()
        return {str(k): int(v) for k, v in rows}

    async def people_by_week(self, period: Period, top: int) -> Sequence[Row[Any]]:
        """People active per week, and the `top` most improved: each person's first week against their
        last one, counting only weeks with 2+ counted answers (one answer is not a week's level). Both
        come from one per-person-per-week grouping (a CTE used twice is computed once). Rows: ("active",
        people, week, None, None, None) and ("gain", member_id, first_week, mean_then, last_week,
        mean_now)."""
        bucket = period.week_bucket()
        mw = (select(Answer.member_id.label("member_id"), bucket.label("week"),
                     func.count(_counted_only(Score.id)).label("n"),
                     func.avg(_counted_only(Score.total)).label("mean"))
              .outerjoin(Score, _score_join()).where(*period.answers())
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
        return (await self.session.execute(union_all(active, select(gain)))).all()
