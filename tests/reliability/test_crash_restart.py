"""SIGKILL of a real drillbot process while answers are being scored, then a restart: every stored answer
ends scored exactly once, and nothing that was stored before the kill is lost.

SQLite: the real `drillbot run` (terminal platform, LLM judge against the fake OpenAI server with ~1 s
latency), answers typed on stdin. PostgreSQL: a scoring process (crash_node.py) on a clock file, because
there the dead process's claims come back only when their lease (5 minutes) runs out.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bank.loader import load_bank
from bot.clock import FakeClock
from bot.config import Settings
from bot.core import Core
from bot.events import AnswerEvent
from bot.store.models import Answer, Score
from tests.conftest import fresh_pg_database
from tests.e2e.test_multiprocess import set_time
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.platform import FakePlatform

ROOT = Path(__file__).resolve().parents[2]
ANSWERS = [
    f"Answer {i}: tokens are the units the model reads; cost and context limits are counted in tokens, "
    f"so I would measure them per request and keep the prompt short. Variant {i}."
    for i in range(8)
]


def wait_until(predicate: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _env(tmp: Path, base_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "DISCORD_", "DRILLBOT_", "DATABASE_URL", "OPENAI_"))}
    env.update({"PYTHONPATH": str(ROOT), "DRILLBOT_JUDGE": "openai", "DRILLBOT_OPENAI_BASE_URL": base_url,
                "OPENAI_API_KEY": "test", "DRILLBOT_JUDGE_CONCURRENCY": "2", "DRILLBOT_LOG_JSON": "0",
                "DATABASE_URL": f"sqlite+aiosqlite:///{tmp / 'drillbot.db'}", "DRILLBOT_WEEKDAYS": "mon-sun"})
    return env


def _rows(path: Path, sql: str) -> list[tuple]:
    if not path.exists():
        return []
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        return conn.execute(sql).fetchall()
    except sqlite3.OperationalError:
        return []  # not migrated yet
    finally:
        conn.close()


def test_sigkill_of_drillbot_run_mid_scoring_then_restart_sqlite(tmp_path: Path) -> None:
    dbfile = tmp_path / "drillbot.db"
    with FakeOpenAI(latency_s=1.0) as fake:
        env = _env(tmp_path, fake.base_url)
        cmd = [sys.executable, "-m", "app.cli", "run"]
        out1 = (tmp_path / "run1.log").open("w")
        first = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdin=subprocess.PIPE, stdout=out1,
                                 stderr=subprocess.STDOUT, text=True)
        try:
            assert first.stdin is not None
            first.stdin.write("".join(a + "\n" for a in ANSWERS))
            first.stdin.flush()

            def mid_scoring() -> bool:
                statuses = [r[0] for r in _rows(dbfile, "SELECT status FROM answers")]
                return len(statuses) >= 3 and "scored" in statuses and len(fake.requests) < len(ANSWERS)
            wait_until(mid_scoring, 60, "some answers stored and scoring under way")
            os.kill(first.pid, signal.SIGKILL)
            first.wait(10)
        finally:
            if first.poll() is None:
                first.kill()
            out1.close()
        before = dict(_rows(dbfile, "SELECT message_key, text FROM answers"))
        statuses = [r[0] for r in _rows(dbfile, "SELECT status FROM answers")]
        assert 3 <= len(before) <= len(ANSWERS) and statuses.count("scored") < len(ANSWERS), statuses

        out2 = (tmp_path / "run2.log").open("w")
        second = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdin=subprocess.PIPE, stdout=out2,
                                  stderr=subprocess.STDOUT, text=True)
        try:
            def all_scored() -> bool:
                rows = _rows(dbfile, "SELECT status FROM answers")
                return len(rows) >= len(before) and {r[0] for r in rows} == {"scored"}
            wait_until(all_scored, 60, "every stored answer scored after the restart")
            assert second.stdin is not None
            second.stdin.write("/quit\n")
            second.stdin.flush()
            assert second.wait(30) == 0
        finally:
            if second.poll() is None:
                second.kill()
            out2.close()
    after = dict(_rows(dbfile, "SELECT message_key, text FROM answers"))
    assert after == before, "an answer stored before the kill was lost or changed"
    per_answer = _rows(dbfile, "SELECT a.id, count(s.id) FROM answers a LEFT JOIN scores s ON s.answer_id = a.id "
                               "GROUP BY a.id")
    assert per_answer and all(n == 1 for _id, n in per_answer), per_answer
    assert set(before.values()) <= set(ANSWERS)


START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def crash_pg_url() -> Iterator[str]:
    yield from fresh_pg_database("drillbot_crash")


async def _wait(predicate, seconds: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def test_sigkill_of_a_scoring_process_then_restart_postgres(crash_pg_url: str, tmp_path: Path) -> None:
    clock_file = tmp_path / "clock"
    clock = FakeClock(START)
    set_time(clock, clock_file, START)
    core = await Core.create(Settings(database_url=crash_pg_url, _env_file=None), object(),  # type: ignore[arg-type,call-arg]
                             clock=clock, bank=load_bank(), migrate=False)
    core.register(FakePlatform(name="crash"))
    procs: list[subprocess.Popen] = []
    logs = []
    try:
        await core.configure_channel("crash:W1:C1", "general", weekdays="mon-sun")
        thread = (await core.post_round("crash:W1:C1")).thread_key
        assert thread
        for i, text in enumerate(ANSWERS):
            event = AnswerEvent(f"crash:W1:C1:m{i}", thread, f"crash:W1:u{i}", text, START, f"u{i}")
            assert (await core.answer(event)).outcome == "accepted"

        async def counts() -> dict[str, int]:
            async with core.ctx.sessions() as s:
                return dict((await s.execute(select(Answer.status, func.count()).group_by(Answer.status))).all())

        with FakeOpenAI(latency_s=1.0) as fake:
            def start(n: int) -> subprocess.Popen:
                log = (tmp_path / f"node{n}.log").open("w")
                logs.append(log)
                p = subprocess.Popen(  # noqa: ASYNC220 - starting the process is the point of the test
                    [sys.executable, "-m", "tests.reliability.crash_node", crash_pg_url, str(clock_file),
                     fake.base_url], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=log,
                    stderr=subprocess.STDOUT)
                procs.append(p)
                return p

            first = start(1)

            async def mid_scoring() -> bool:
                c = await counts()
                return c.get("scored", 0) >= 2 and c.get("scoring", 0) >= 1
            await _wait(mid_scoring, 60, "scoring under way")
            os.kill(first.pid, signal.SIGKILL)
            first.wait(10)  # noqa: ASYNC101
            c = await counts()
            assert c.get("scoring", 0) >= 1 and c.get("scored", 0) < len(ANSWERS), c
            start(2)
            await asyncio.sleep(1.0)
            assert (await counts()).get("scoring", 0) >= 1  # the dead process's claims wait for their lease
            set_time(clock, clock_file, START + timedelta(minutes=6))

            async def all_scored() -> bool:
                return await counts() == {"scored": len(ANSWERS)}
            await _wait(all_scored, 60, "every answer scored after the restart")
        async with core.ctx.sessions() as s:
            n_scores = await s.scalar(select(func.count(Score.id)))
            n_distinct = await s.scalar(select(func.count(func.distinct(Score.answer_id))))
            texts = set((await s.scalars(select(Answer.text))).all())
        assert n_scores == n_distinct == len(ANSWERS) and texts == set(ANSWERS)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait(10)  # noqa: ASYNC101
        for log in logs:
            log.close()
        await core.close()
