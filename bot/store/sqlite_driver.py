"""aiosqlite with one thread hop per statement.

aiosqlite runs every sqlite3 call on its own thread and hands the result back to the event loop: SQLAlchemy's
adapter makes four such hops per statement (create the cursor, execute, fetch the rows, close the cursor),
and one per commit or rollback even when no transaction is open. On a busy 2-core machine each hop costs
0.2-0.3 ms of waiting while the statement itself takes microseconds, so the hops were most of an answer's
overhead (about 0.9 ms per statement; `drillbot bench --only overhead`). Here a statement is one hop that
creates, executes, fetches and closes the cursor on aiosqlite's thread, and commit/rollback skip the hop
when sqlite3 says no transaction is open. The threading model is aiosqlite's (all sqlite3 work on its
thread, the loop never blocks on a lock); only the number of round trips changes. The result's description,
rowcount and lastrowid are plain attributes of the closed sqlite3 cursor, read on the loop's thread.
"""

from __future__ import annotations

import collections
import sqlite3
from collections.abc import Sequence
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_


def _run(conn: sqlite3.Connection, operation: str, parameters: Any, many: bool
         ) -> tuple[sqlite3.Cursor, list[Any] | None]:
    """On aiosqlite's thread: the whole statement, rows included."""
    cur = conn.cursor()
    try:
        if many:
            cur.executemany(operation, parameters)
        elif parameters is None:
            cur.execute(operation)
        else:
            cur.execute(operation, parameters)
        rows = cur.fetchall() if cur.description else None
    finally:
        cur.close()
    return cur, rows


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ()

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection):
        # No aiosqlite cursor is made here (that is a hop); `_cursor` is the sqlite3 cursor of the last
        # statement, already closed on aiosqlite's thread.
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()

    @property
    def description(self) -> Any:
        return None if self._cursor is None else self._cursor.description

    @property
    def rowcount(self) -> int:
        return -1 if self._cursor is None else self._cursor.rowcount

    @property
    def lastrowid(self) -> int:
        return 0 if self._cursor is None else self._cursor.lastrowid  # type: ignore[return-value]

    async def _async_soft_close(self) -> None:
        return None  # closed on aiosqlite's thread already

    def close(self) -> None:
        self._rows.clear()

    async def _run(self, operation: Any, parameters: Any, many: bool) -> None:
        async with self._adapt_connection._execute_mutex:
            conn: aiosqlite.Connection = self._connection  # type: ignore[assignment]
            cur, rows = await conn._execute(_run, conn._conn, operation, parameters, many)
            self._cursor = cur  # type: ignore[assignment]
            self._rows = collections.deque(rows) if rows is not None else collections.deque()

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        try:
            return await_(self._run(operation, parameters, False))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    def executemany(self, operation: Any, seq_of_parameters: Sequence[Any]) -> Any:
        try:
            return await_(self._run(operation, seq_of_parameters, True))
        except Exception as error:
            self._adapt_connection._handle_exception(error)


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = OneHopCursor

    def _in_transaction(self) -> bool:
        raw = self._connection._connection  # type: ignore[attr-defined]
        return raw is not None and raw.in_transaction

    def rollback(self) -> None:
        if self._in_transaction():  # the pool's reset on return would otherwise hop for nothing
            super().rollback()

    def commit(self) -> None:
        if self._in_transaction():
            super().commit()


class OneHopDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> AsyncAdapt_aiosqlite_connection:
        conn = super().connect(*arg, **kw)
        return OneHopConnection(self, conn._connection)


def dbapi() -> OneHopDBAPI:
    """Pass as `module=` to create_async_engine for a sqlite+aiosqlite URL."""
    return OneHopDBAPI(aiosqlite, sqlite3)
