"""The SQLite driver makes one thread hop per statement and none for a commit or rollback with no
transaction open (bot/store/sqlite_driver.py); results, row counts and errors are those of sqlite3."""

from __future__ import annotations

from pathlib import Path

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from bot.store.db import create_engine


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    real = aiosqlite.Connection._execute

    async def counting(self: aiosqlite.Connection, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(getattr(fn, "__name__", repr(fn)))
        return await real(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counting)
    return calls


async def test_one_hop_per_statement(tmp_path: Path, hops: list[str]) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'd.db'}")
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)"))
        async with engine.connect() as conn:  # connected: warm the pool before counting
            await conn.execute(text("SELECT 1"))
        hops.clear()
        async with engine.begin() as conn:
            res = await conn.execute(text("INSERT INTO t (v) VALUES ('a'), ('b')"))
            assert res.rowcount == 2
            res = await conn.execute(text("INSERT INTO t (v) VALUES ('c')"))
            assert res.lastrowid == 3
            rows = (await conn.execute(text("SELECT id, v FROM t ORDER BY id"))).all()
            assert [tuple(r) for r in rows] == [(1, "a"), (2, "b"), (3, "c")]
            assert list((await conn.execute(text("SELECT v FROM t WHERE id = 2"))).keys()) == ["v"]
        # four statements and the commit: one hop each (aiosqlite's adapter made 4 per SELECT, 3 per INSERT)
        assert len(hops) == 5
        hops.clear()
        async with engine.connect() as conn:  # a read: no transaction is open, so no rollback hop
            assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar() == 3
        assert len(hops) == 1
        with pytest.raises(IntegrityError):
            async with engine.begin() as conn:
                await conn.execute(text("INSERT INTO t (v) VALUES ('a')"))
        async with engine.connect() as conn:  # the failed transaction was rolled back
            assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar() == 3
    finally:
        await engine.dispose()
