"""Suite 1: drillbot's own overhead per answer, with an instant judge and a no-op platform.

Each answer goes the production way: core.answer (intake, store) -> worker.run_once (claim, judge,
score, round points, streak, category stats, review schedule, rendered reply, reply sent). The time of
that pair is the answer's overhead; answers_per_s is answers / total wall time.

The burst figures score a stored backlog with many grading slots: the worker's throughput when answers
are graded together and recorded in one transaction per batch (group commit).
"""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import event

from bank.loader import load_bank
from bench.common import InstantJudge, NullPlatform, drop_pg_database, fresh_pg_database, percentile, sqlite_url
from bot.clock import FakeClock
from bot.config import Settings
from bot.core import Core
from bot.events import AnswerEvent

START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)  # a Monday
BURST_CONCURRENCY = 32  # grading slots in the backlog run (settings.judge_concurrency; default 8)
ANSWER = ("I would keep the static system prompt first so the provider caches it, route easy requests to a "
          "smaller model, and check quality on an eval set before and after the change.")


async def run_pipeline(url: str, answers: int, people: int, channels: int, budget_s: float = math.inf
                       ) -> dict[str, float]:
    """Stops early (and says how many answers it did) once the answers took `budget_s` seconds."""
    clock = FakeClock(START)
    settings = Settings(database_url=url, weekdays="mon,tue,wed,thu,fri,sat,sun", _env_file=None)  # type: ignore[call-arg]
    core = await Core.create(settings, InstantJudge(), clock=clock, bank=load_bank())
    platform = NullPlatform()
    core.register(platform)
    assert core.engine is not None
    statements = [0]  # every SQL statement the pipeline sends (pool pings included), counted per answer

    def count(*_args: object) -> None:
        statements[0] += 1

    event.listen(core.engine.sync_engine, "before_cursor_execute", count)
    try:
        chans = [f"bench:W1:C{i}" for i in range(channels)]
        for i, key in enumerate(chans):
            await core.configure_channel(key, f"c{i}")
        per_day = people * 2  # everyone answers, then half of them answer again (best score counts)
        days = max(1, -(-answers // per_day))
        latencies: list[float] = []
        n = 0
        answer_statements = 0
        sum_s = 0.0
        started = time.perf_counter()
        for day in range(days):
            clock.set(START + timedelta(days=day, hours=1))
            await core.close_due_rounds()
            threads = []
            for key in chans:
                res = await core.post_round(key, force=True)
                threads.append(res.thread_key)
            clock.advance(timedelta(minutes=5))
            for rep in range(2):
                for p in range(people):
                    if n >= answers or sum_s > budget_s:
                        break
                    thread = threads[p % channels]
                    ev = AnswerEvent(f"bench:W1:m{n}", thread, f"bench:W1:U{p}", f"{ANSWER} ({rep})", clock.now(),
                                     f"person {p}")
                    before = statements[0]
                    t0 = time.perf_counter()
                    result = await core.answer(ev)
                    await core.worker.run_once()
                    latencies.append((time.perf_counter() - t0) * 1000)
                    answer_statements += statements[0] - before
                    sum_s += latencies[-1] / 1000
                    if result.outcome != "accepted":
                        raise RuntimeError(f"answer {n} was {result.outcome}")
                    n += 1
                    clock.advance(timedelta(milliseconds=50))
        wall = time.perf_counter() - started
        replies = platform.sent - days * channels
        if replies < n:
            raise RuntimeError(f"only {replies} of {n} replies were sent")
    finally:
        event.remove(core.engine.sync_engine, "before_cursor_execute", count)
        await core.close()
    # Posting rounds is not per-answer work: take it out of the throughput denominator.
    answer_time = sum(latencies) / 1000
    return {"answers": n, "answers_per_s": round(n / answer_time, 1),
            "overhead_ms_p50": round(percentile(latencies, 50), 3),
            "overhead_ms_p99": round(percentile(latencies, 99), 3),
            "statements_per_answer": round(answer_statements / max(1, n), 2), "wall_s": round(wall, 2)}


async def run_burst(url: str, answers: int, channels: int, concurrency: int = BURST_CONCURRENCY
                    ) -> dict[str, float]:
    """A backlog: `answers` stored answers (two per person, the day after each answered once) scored by
    `worker.run_once` with `concurrency` grading slots and the instant judge. Answers graded together
    are recorded together (group commit), so this is the worker's throughput under load, where the
    sequential figure is its latency. Intake is not timed."""
    clock = FakeClock(START + timedelta(hours=1))
    settings = Settings(database_url=url, weekdays="mon,tue,wed,thu,fri,sat,sun",  # type: ignore[call-arg]
                        judge_concurrency=concurrency, _env_file=None)
    core = await Core.create(settings, InstantJudge(), clock=clock, bank=load_bank())
    platform = NullPlatform()
    core.register(platform)
    assert core.engine is not None
    counts = {"statements": 0, "commits": 0}

    def statement(*_args: object) -> None:
        counts["statements"] += 1

    def commit(*_args: object) -> None:
        counts["commits"] += 1

    try:
        chans = [f"bench:W1:C{i}" for i in range(channels)]
        for i, key in enumerate(chans):
            await core.configure_channel(key, f"c{i}")
        people = answers // 2
        # Day 1 (not timed): everyone answers once, so the backlog is people's usual answers, not the
        # first one (which creates the person and recomputes their progress from history).
        for day in range(2):
            threads = [(await core.post_round(key, force=True)).thread_key for key in chans]
            clock.advance(timedelta(minutes=5))
            for n in range(answers if day else people):
                p = n // 2 if day else n
                ev = AnswerEvent(f"bench:W1:d{day}b{n}", threads[p % channels], f"bench:W1:U{p}",
                                 f"{ANSWER} ({day}.{n % 2})", clock.now(), f"person {p}")
                if (await core.answer(ev)).outcome != "accepted":
                    raise RuntimeError(f"burst answer {n} was not accepted")
            if not day:
                await core.worker.drain(max_passes=10_000)
                clock.advance(timedelta(days=1))
                await core.close_due_rounds()
        event.listen(core.engine.sync_engine, "before_cursor_execute", statement)
        event.listen(core.engine.sync_engine, "commit", commit)
        scored = 0
        started = time.perf_counter()
        while scored < answers:
            done = await core.worker.run_once()
            if not done:
                raise RuntimeError(f"the burst stalled after {scored} of {answers} answers")
            scored += done
        wall = time.perf_counter() - started
    finally:
        for name, listener in (("before_cursor_execute", statement), ("commit", commit)):
            if event.contains(core.engine.sync_engine, name, listener):
                event.remove(core.engine.sync_engine, name, listener)
        await core.close()
    return {"answers": scored, "concurrency": concurrency, "answers_per_s": round(scored / wall, 1),
            "statements_per_answer": round(counts["statements"] / scored, 2),
            "commits_per_answer": round(counts["commits"] / scored, 2), "wall_s": round(wall, 2)}


async def run(quick: bool) -> dict[str, dict[str, float] | None]:
    answers, people, channels = (500, 100, 20) if quick else (10_000, 500, 20)
    burst = 1_000 if quick else 5_000
    # The full run must finish in 15 minutes on 2 cores: each database gets at most this long.
    budget = 12.0 if quick else 150.0
    out: dict[str, dict[str, float] | None] = {}
    out["sqlite"] = await run_pipeline(sqlite_url("overhead.db"), answers, people, channels, budget)
    out["sqlite_burst"] = await run_burst(sqlite_url("burst.db"), burst, channels)
    pg = await fresh_pg_database("drillbot_bench_overhead")
    if pg is None:
        out["postgres"] = out["postgres_burst"] = None
    else:
        try:
            out["postgres"] = await run_pipeline(pg, answers, people, channels, budget)
        finally:
            await drop_pg_database("drillbot_bench_overhead")
        pg = await fresh_pg_database("drillbot_bench_overhead")
        try:
            out["postgres_burst"] = await run_burst(pg, burst, channels) if pg else None
        finally:
            await drop_pg_database("drillbot_bench_overhead")
    return out
