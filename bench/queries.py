"""Suite 3: read paths at scale. A synthetic history (people, answers, channels) is bulk-loaded into a
fresh database at the current schema, then each read is timed on random targets; figures are p95 ms.

Loading: PostgreSQL with COPY (asyncpg copy_records_to_table), SQLite with executemany in one
transaction. Both databases are ANALYZEd afterwards, as autovacuum (PostgreSQL) and `PRAGMA optimize`
(SQLite) keep them in production.
"""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
import time
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import make_url

from bank.loader import load_bank
from bench.common import InstantJudge, NullPlatform, drop_pg_database, fresh_pg_database, percentile, sqlite_url
from bot.clock import FakeClock
from bot.config import Settings
from bot.core import Core
from bot.rules.timing import iso_week
from bot.services import digest, practice, progress_view, reports, team_report
from bot.store.models import QuestionRow

FIRST_MONDAY = date(2026, 5, 4)
WEEKS = 26
CHUNK = 50_000

COLUMNS: dict[str, list[str]] = {
    "workspaces": ["id", "key", "platform", "created_at"],
    "channels": ["id", "workspace_id", "key", "name", "enabled", "post_time", "weekdays", "timezone", "categories",
                 "difficulty_max", "answer_window_hours", "feedback_mode", "digest_day", "digest_time",
                 "created_at"],
    "members": ["id", "workspace_id", "user_key", "display_name", "timezone", "leaderboard_opt_out",
                "reminders_opt_in", "weekly_summary_opt_in", "created_at"],
    "rounds": ["id", "channel_id", "question_id", "local_date", "thread_key", "status", "opens_at", "closes_at",
               "closed_at"],
    "practice_sessions": ["id", "member_id", "question_id", "thread_key", "status", "started_at"],
    "answers": ["id", "message_key", "member_id", "round_id", "practice_id", "question_id", "thread_key", "text",
                "revision_of", "day", "submitted_at", "status", "attempts", "next_attempt_at", "last_error",
                "pending_notice_sent", "reply_sent", "deleted"],
    "scores": ["id", "answer_id", "total", "criteria", "feedback", "follow_up", "flags", "review_state", "counts",
               "judge_id", "offline", "input_tokens", "cached_tokens", "output_tokens", "cost_usd", "latency_ms",
               "created_at"],
    "round_points": ["id", "round_id", "member_id", "channel_id", "workspace_id", "iso_week", "points", "answer_id",
                     "answered_at"],
    "streaks": ["member_id", "current", "longest", "freezes", "freezes_used", "last_day", "updated_at"],
    "category_stats": ["id", "member_id", "category", "attempts", "mean", "weighted_mean", "last_score"],
    "review_items": ["id", "member_id", "qid", "repetitions", "interval_days", "ease", "due", "low_scores", "leech"],
}
JSON_COLS = {("channels", "categories"), ("scores", "criteria"), ("scores", "flags")}
ALPHA = 0.3


class History:
    """Generates the rows, table by table, in chunks (a million answers never sit in memory at once)."""

    def __init__(self, people: int, answers: int, channels: int, questions: list[tuple[int, str, str]]):
        self.people, self.answers, self.channels, self.questions = people, answers, channels, questions
        self.rng = random.Random(9)
        self.t0 = datetime(2026, 5, 1, tzinfo=UTC)
        self.days = [FIRST_MONDAY + timedelta(weeks=w, days=d) for w in range(WEEKS) for d in range(5)]
        self.now = datetime.combine(self.days[-1], datetime.min.time(), UTC) + timedelta(hours=18)

    def workspaces(self) -> Iterator[tuple]:
        yield (1, "bench:W", "bench", self.t0)

    def channel_rows(self) -> Iterator[tuple]:
        for c in range(1, self.channels + 1):
            yield (c, 1, f"bench:W:C{c}", f"c{c}", True, "09:00", "mon,tue,wed,thu,fri", "UTC", [], 3, 24, "thread",
                   "mon", "09:00", self.t0)

    def members(self) -> Iterator[tuple]:
        for m in range(1, self.people + 1):
            yield (m, 1, f"bench:W:U{m}", f"person {m}", None, m % 50 == 0, False, False, self.t0)

    def round_rows(self) -> Iterator[tuple]:
        rid = 0
        for c in range(1, self.channels + 1):
            for i, d in enumerate(self.days):
                rid += 1
                q = self.questions[(c * 7 + i) % len(self.questions)]
                opens = datetime.combine(d, datetime.min.time(), UTC) + timedelta(hours=9)
                last = i == len(self.days) - 1
                yield (rid, c, q[0], d, f"bench:W:C{c}:t{rid}", "open" if last else "closed", opens,
                       opens + timedelta(hours=24), None if last else opens + timedelta(hours=24))

    def practice_rows(self) -> Iterator[tuple]:
        for m in range(1, self.people + 1):
            q = self.questions[m % len(self.questions)]
            yield (m, m, q[0], f"bench:W:U{m}:dm", "done", self.now - timedelta(days=m % 30))

    def answer_chunks(self) -> Iterator[dict[str, list[tuple]]]:
        """answers, scores and round_points together; per-member aggregates are kept for later tables."""
        rng = self.rng
        rounds_total = self.channels * len(self.days)
        per_round, extra = divmod(self.answers, rounds_total)
        members_of = {c: list(range(c, self.people + 1, self.channels)) for c in range(1, self.channels + 1)}
        self.cat: dict[tuple[int, str], list[float]] = {}  # attempts, sum, ewm, last
        self.reviews: dict[tuple[int, str], tuple[float, date]] = {}
        self.last_day: dict[int, date] = {}
        aid = 0
        chunk: dict[str, list[tuple]] = defaultdict(list)
        rid = 0
        for c in range(1, self.channels + 1):
            pool = members_of[c]
            for i, d in enumerate(self.days):
                rid += 1
                qrow, qid, category = self.questions[(c * 7 + i) % len(self.questions)]
                k = min(len(pool), per_round + (1 if rid <= extra else 0))
                opens = datetime.combine(d, datetime.min.time(), UTC) + timedelta(hours=9)
                week = iso_week(d)
                for m in rng.sample(pool, k):
                    aid += 1
                    at = opens + timedelta(seconds=rng.randrange(0, 12 * 3600))
                    total = round(rng.random() * 10, 1)
                    chunk["answers"].append((aid, f"bench:W:m{aid}", m, rid, None, qrow, f"bench:W:C{c}:t{rid}",
                                             "A short synthetic answer about caching, evals and routing.", None,
                                             d, at, "scored", 0, at, None, False, True, False))
                    chunk["scores"].append((aid, aid, total, [], "Good start.", "What would you measure?", [],
                                            "none", True, "bench", False, 2000, 1408, 270, 0.0002, 900.0, at))
                    chunk["round_points"].append((aid, rid, m, c, 1, week, total, aid, at))
                    st = self.cat.get((m, category))
                    if st is None:
                        self.cat[(m, category)] = [1, total, total, total]
                    else:
                        st[0] += 1
                        st[1] += total
                        st[2] = ALPHA * total + (1 - ALPHA) * st[2]
                        st[3] = total
                    self.reviews[(m, qid)] = (total, d)
                    self.last_day[m] = max(self.last_day.get(m, d), d)
                    if aid % CHUNK == 0:
                        yield chunk
                        chunk = defaultdict(list)
        if chunk:
            yield chunk

    def streak_rows(self) -> Iterator[tuple]:
        for m in range(1, self.people + 1):
            cur = self.rng.randrange(0, 15)
            yield (m, cur, cur + self.rng.randrange(0, 10), cur // 7 % 3, 0, self.last_day.get(m), self.now)

    def category_rows(self) -> Iterator[tuple]:
        for i, ((m, category), (n, total, ewm, last)) in enumerate(self.cat.items(), start=1):
            yield (i, m, category, n, round(total / n, 3), round(ewm, 3), last)

    def review_rows(self) -> Iterator[tuple]:
        for i, ((m, qid), (score, d)) in enumerate(self.reviews.items(), start=1):
            interval = 1 if score < 6 else 6
            low = 1 if score < 4 else 0
            yield (i, m, qid, 1, interval, 2.5, d + timedelta(days=interval), low, False)


def _sqlite_value(table: str, col: str, v: Any) -> Any:
    if (table, col) in JSON_COLS:
        return json.dumps(v)
    if isinstance(v, datetime):
        return v.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    if isinstance(v, date):
        return v.isoformat()
    return v


def _pg_value(table: str, col: str, v: Any) -> Any:
    return json.dumps(v) if (table, col) in JSON_COLS else v


class Loader:
    async def insert(self, table: str, rows: list[tuple]) -> None: ...
    async def finish(self) -> None: ...


class SqliteLoader(Loader):
    def __init__(self, path: str):
        self.conn = sqlite3.connect(path)
        self.conn.execute("PRAGMA foreign_keys=OFF")
        self.conn.execute("BEGIN")

    async def insert(self, table: str, rows: list[tuple]) -> None:
        cols = COLUMNS[table]
        sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
        self.conn.executemany(sql, ([_sqlite_value(table, c, v) for c, v in zip(cols, r, strict=True)] for r in rows))

    async def finish(self) -> None:
        self.conn.execute("COMMIT")
        self.conn.execute("ANALYZE")
        self.conn.close()


class PgLoader(Loader):
    def __init__(self, conn: Any):
        self.conn = conn

    @classmethod
    async def connect(cls, url: str) -> PgLoader:
        import asyncpg

        u = make_url(url)
        return cls(await asyncpg.connect(host=u.host, port=u.port, user=u.username, database=u.database))

    async def insert(self, table: str, rows: list[tuple]) -> None:
        cols = COLUMNS[table]
        needs_json = any((table, c) in JSON_COLS for c in cols)
        records = ([_pg_value(table, c, v) for c, v in zip(cols, r, strict=True)] for r in rows) if needs_json \
            else rows
        await self.conn.copy_records_to_table(table, records=list(records), columns=cols)

    async def finish(self) -> None:
        for table in COLUMNS:
            if "id" in COLUMNS[table]:
                await self.conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        await self.conn.execute("ANALYZE")
        await self.conn.close()


async def load(loader: Loader, h: History) -> None:
    for table, gen in (("workspaces", h.workspaces), ("channels", h.channel_rows), ("members", h.members),
                       ("rounds", h.round_rows), ("practice_sessions", h.practice_rows)):
        rows = list(gen())
        for i in range(0, len(rows), CHUNK):
            await loader.insert(table, rows[i:i + CHUNK])
    for chunk in h.answer_chunks():
        for table in ("answers", "scores", "round_points"):
            await loader.insert(table, chunk[table])
    for table, gen in (("streaks", h.streak_rows), ("category_stats", h.category_rows),
                       ("review_items", h.review_rows)):
        rows = list(gen())
        for i in range(0, len(rows), CHUNK):
            await loader.insert(table, rows[i:i + CHUNK])
    await loader.finish()


async def timed(samples: int, make: Any) -> float:
    times = []
    for i in range(samples + 3):
        t0 = time.perf_counter()
        await make(i)
        if i >= 3:  # the first calls warm the connection pool and statement caches
            times.append((time.perf_counter() - t0) * 1000)
    return round(percentile(times, 95), 2)


async def run_db(url: str, people: int, answers: int, channels: int, samples: int) -> dict[str, float]:
    settings = Settings(database_url=url, _env_file=None)  # type: ignore[call-arg]
    bank = load_bank()
    boot = await Core.create(settings, InstantJudge(), bank=bank)
    async with boot.ctx.sessions() as s:
        qrows = [(r.id, r.qid, r.category) for r in (await s.scalars(
            select(QuestionRow).where(QuestionRow.current.is_(True)).order_by(QuestionRow.id))).all()]
    await boot.close()
    h = History(people, answers, channels, qrows)
    t0 = time.perf_counter()
    loader: Loader = SqliteLoader(make_url(url).database or "") if url.startswith("sqlite") \
        else await PgLoader.connect(url)
    await load(loader, h)
    load_s = time.perf_counter() - t0
    core = await Core.create(settings, InstantJudge(), clock=FakeClock(h.now),
                             bank=bank, migrate=False)
    core.register(NullPlatform(name="bench"))
    ctx = core.ctx
    rng = random.Random(1)
    week = iso_week(h.now.date())
    last_week_day = h.now.date() - timedelta(days=7)
    try:
        out = {
            "load_s": round(load_s, 1),
            "leaderboard_ms_p95": await timed(samples, lambda i: reports.leaderboard_rows(
                ctx, channel_id=rng.randrange(1, channels + 1), week=week)),
            "stats_ms_p95": await timed(samples, lambda i: reports.stats(
                ctx, f"bench:W:U{rng.randrange(1, people + 1)}")),
            "digest_ms_p95": await timed(samples, lambda i: digest.build(
                ctx, rng.randrange(1, channels + 1), last_week_day)),
            "practice_pick_ms_p95": await timed(samples, lambda i: practice.pick(
                ctx, f"bench:W:U{rng.randrange(1, people + 1)}")),
            # The progress model behind App Home, /drill me and /me (all its queries, no chart) ...
            "person_view_ms_p95": await timed(samples, lambda i: progress_view.load(
                ctx, f"bench:W:U{rng.randrange(1, people + 1)}")),
            # ... and the whole card with its matplotlib chart, for reference (the chart dominates).
            "person_card_ms_p95": await timed(max(10, samples // 10), lambda i: progress_view.card(
                ctx, f"bench:W:U{rng.randrange(1, people + 1)}")),
            # The admins' team report over the last 8 weeks of the whole database (tables, no HTML).
            "team_report_ms_p95": await timed(5, lambda i: team_report.build(ctx, 8)),
        }
    finally:
        await core.close()
    return out


async def run(quick: bool) -> dict[str, dict[str, float] | None | dict[str, int]]:
    people, answers, channels = (5_000, 50_000, 10) if quick else (100_000, 1_000_000, 200)
    samples = 60 if quick else 200
    out: dict[str, Any] = {"sizes": {"people": people, "answers": answers, "channels": channels}}
    out["sqlite"] = await run_db(sqlite_url("queries.db"), people, answers, channels, samples)
    pg = await fresh_pg_database("drillbot_bench_queries")
    if pg is None:
        out["postgres"] = None
    else:
        try:
            out["postgres"] = await run_db(pg, people, answers, channels, samples)
        finally:
            await drop_pg_database("drillbot_bench_queries")
    return out


if __name__ == "__main__":
    print(asyncio.run(run(True)))
