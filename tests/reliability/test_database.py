"""Database faults: SQLite "database is locked" under concurrent writers is waited out, and a PostgreSQL
connection dropped mid-transaction is replaced by the pool on the next operation."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time

import asyncpg
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from bot.core import Core
from bot.events import AnswerEvent
from bot.store.models import Answer, Score
from tests.fakes.platform import FakePlatform
from tests.integration.test_rounds_and_intake import ALICE, answer, count, setup_round

N = 60


def _event(thread: str, i: int, core: Core) -> AnswerEvent:
    return AnswerEvent(f"test:W1:C1:lock{i}", thread, f"test:W1:u{i % 12}", f"a great answer number {i}",
                       core.ctx.clock.now(), f"u{i % 12}")


async def test_sqlite_concurrent_writers_wait_instead_of_failing(make_core, sqlite_url: str, database_url: str,
                                                                 platform: FakePlatform) -> None:  # type: ignore[no-untyped-def]
    if database_url != sqlite_url:
        pytest.skip("SQLite locking")
    first: Core = await make_core()
    second: Core = await make_core()  # a second engine (own connection pool) on the same file
    thread = await setup_round(first)
    path = make_url(sqlite_url).database
    assert path
    # A third writer outside drillbot holds the write lock for a while, as another process would.
    locked, release = threading.Event(), threading.Event()

    def hold_lock() -> None:
        conn = sqlite3.connect(path, timeout=30)
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("UPDATE workspaces SET platform = platform")
        locked.set()
        release.wait(5)
        time.sleep(0.2)
        conn.commit()
        conn.close()

    holder = threading.Thread(target=hold_lock)
    holder.start()
    assert locked.wait(5)
    started = time.monotonic()
    writers = [asyncio.create_task((first if i % 2 else second).answer(_event(thread, i, first))) for i in range(N)]
    await asyncio.sleep(0.8)  # every writer is now waiting on the lock
    assert not any(w.done() for w in writers), "a write went through while the database was locked"
    release.set()
    results = await asyncio.gather(*writers, first.worker.drain(), second.worker.drain(), return_exceptions=True)
    holder.join()
    errors = [r for r in results if isinstance(r, BaseException)]
    assert errors == [], errors[:3]
    assert [r.outcome for r in results[:N]] == ["accepted"] * N  # type: ignore[union-attr]
    assert time.monotonic() - started >= 0.8
    # The same messages again from the other engine, racing: duplicates, never a second row.
    again = await asyncio.gather(*((second if i % 2 else first).answer(_event(thread, i, first)) for i in range(N)))
    assert {r.outcome for r in again} == {"duplicate"}
    await first.worker.drain()
    await second.worker.drain()
    assert await count(first, Answer) == N
    async with first.ctx.sessions() as s:
        assert await s.scalar(select(func.count(func.distinct(Score.answer_id)))) == N
        assert await s.scalar(select(func.count(Score.id))) == N
    assert len(platform.of_kind("score")) == N


async def _terminate_backends(url: str) -> int:
    u = make_url(url)
    conn = await asyncpg.connect(host=u.host, port=u.port or 5432, user=u.username, database=u.database)
    try:
        rows = await conn.fetch("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                "WHERE datname = $1 AND pid <> pg_backend_pid()", u.database)
        return len(rows)
    finally:
        await conn.close()


async def test_postgres_connection_drop_mid_transaction_is_recovered(make_core, postgres_url: str,
                                                                     database_url: str) -> None:  # type: ignore[no-untyped-def]
    if database_url != postgres_url:
        pytest.skip("PostgreSQL connection drop")
    core: Core = await make_core()
    thread = await setup_round(core)
    assert (await core.answer(answer(thread, "m1", ALICE, "a great answer", core))).outcome == "accepted"
    # Several pooled connections, then a transaction that is cut off in the middle.
    await asyncio.gather(*(count(core, Answer) for _ in range(4)))
    with pytest.raises(DBAPIError):
        async with core.ctx.sessions.begin() as s:
            await s.execute(text("SELECT 1"))
            assert await _terminate_backends(postgres_url) >= 1
            await s.execute(text("UPDATE answers SET attempts = attempts + 1"))
    # Every pooled connection is dead now; the next operations must get fresh ones and work.
    await _terminate_backends(postgres_url)
    results = await asyncio.gather(*(core.answer(answer(thread, f"m{i}", ALICE, "a great answer", core))
                                     for i in range(2, 6)))
    assert [r.outcome for r in results] == ["accepted"] * 4
    await core.worker.drain()
    assert await count(core, Score) == 5
    async with core.ctx.sessions() as s:  # the cut-off transaction left nothing behind
        assert set((await s.scalars(select(Answer.attempts))).all()) == {0}
