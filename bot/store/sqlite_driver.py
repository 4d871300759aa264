"""aiosqlite with no thread hop: statements and commits run on the event loop's thread, never waiting.

aiosqlite runs every sqlite3 call on its own thread and hands the result back to the event loop. Each such
hop costs more than the statement: a queue put, a thread wake-up, a self-pipe write and an event-loop pass,
plus SQLAlchemy's greenlet switch to await it (about 0.1-0.3 ms on the shared 2-core machine, against a few
microseconds for a typical statement in WAL mode; `drillbot bench --only overhead`). So here a statement runs
in place, on the loop's thread, with SQLite's busy timeout at zero: a statement that would wait for another
connection's lock fails at once with SQLITE_BUSY, having done nothing (SQLite statements are atomic), and is
run again on aiosqlite's thread with the long busy timeout, where waiting blocks no one. A SELECT that runs
longer than `READ_BUDGET_S` in place (a report over a large history) is interrupted by SQLite's progress
handler and run again on aiosqlite's thread, so no read holds the loop for long (writes are not interrupted:
SQLite would roll back their whole transaction; drillbot's touch a few rows by index). A commit in WAL mode
(synchronous=NORMAL) writes the WAL without a sync and waits for no lock, so it runs in place too; the
automatic checkpoint, which would sync the file inside the commit that fills the WAL, is off, and a
`Checkpointer` thread checkpoints every `CHECKPOINT_EVERY` commits instead. PRAGMAs (an explicit checkpoint
syncs) go to aiosqlite's thread. A unit of work makes no hop; the loop never blocks on a lock or a sync.

The result's description, rowcount and lastrowid are plain attributes of the closed sqlite3 cursor.
"""

from __future__ import annotations

import collections
import os
import sqlite3
import threading
import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

BUSY_TIMEOUT_MS = 30_000  # on aiosqlite's thread: how long a statement waits for another writer
CHECKPOINT_EVERY = 100  # commits between two WAL checkpoints (SQLite's automatic one: about 1000 pages)
# A read run in place that takes longer than this is interrupted and run again on aiosqlite's thread: a
# report over a large history must not hold the loop (an answer's reads take tens of microseconds).
READ_BUDGET_S = 0.002
RETRY_PAUSES_S = (0.0, 0.01, 0.05, 0.2)  # before each try of a checkpoint the Checkpointer was asked for
PROGRESS_EVERY = 2000  # SQLite VM steps between two looks at the clock during a read in place


def _run(conn: sqlite3.Connection, operation: str, parameters: Any, many: bool
         ) -> tuple[sqlite3.Cursor, list[Any] | None]:
    """The whole statement, rows included, on whichever thread calls it."""
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


def _run_waiting(conn: sqlite3.Connection, operation: str, parameters: Any, many: bool
                 ) -> tuple[sqlite3.Cursor, list[Any] | None]:
    """On aiosqlite's thread: the statement with the long busy timeout, then back to not waiting."""
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    try:
        return _run(conn, operation, parameters, many)
    finally:
        conn.execute("PRAGMA busy_timeout=0")


def _commit_waiting(conn: sqlite3.Connection) -> None:
    """On aiosqlite's thread: a commit may wait for a lock too (outside WAL mode)."""
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    try:
        conn.commit()
    finally:
        conn.execute("PRAGMA busy_timeout=0")


async def _done_in_place() -> None:
    return None


def _is_busy(error: sqlite3.Error) -> bool:
    return getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_BUSY or "locked" in str(error)


class ReadBudget:
    """The deadline of the read running in place on a connection (0: none), checked by SQLite's progress
    handler; interrupting a SELECT ends only that statement, never the transaction."""

    __slots__ = ("deadline",)

    def __init__(self) -> None:
        self.deadline = 0.0

    def __call__(self) -> int:
        return 1 if self.deadline and time.perf_counter() > self.deadline else 0


def _is_read(operation: str) -> bool:
    return operation.lstrip()[:6].upper() == "SELECT"


def _on_thread(operation: str) -> bool:
    """PRAGMAs (a WAL checkpoint syncs the file) and explicit transaction control never run in place."""
    head = operation.lstrip()[:8].upper()
    return head.startswith(("PRAGMA", "BEGIN", "COMMIT", "ROLLBACK", "VACUUM"))


class InlineCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ()

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection):
        # No aiosqlite cursor is made here (that is a hop); `_cursor` is the sqlite3 cursor of the last
        # statement, already closed.
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
        return None  # closed already

    def close(self) -> None:
        self._rows.clear()

    def _done(self, cur: sqlite3.Cursor, rows: list[Any] | None) -> None:
        self._cursor = cur  # type: ignore[assignment]
        self._rows = collections.deque(rows) if rows is not None else collections.deque()

    async def _run_on_thread(self, operation: Any, parameters: Any, many: bool) -> None:
        async with self._adapt_connection._execute_mutex:
            conn: aiosqlite.Connection = self._connection  # type: ignore[assignment]
            self._done(*await conn._execute(_run_waiting, conn._conn, operation, parameters, many))

    def _execute(self, operation: Any, parameters: Any, many: bool) -> None:
        conn: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        raw = conn._conn
        adapt: InlineConnection = self._adapt_connection  # type: ignore[assignment]
        if raw is not None and not adapt._execute_mutex.locked() and not _on_thread(operation):
            changes = raw.total_changes
            budget = adapt.budget if not many and _is_read(operation) else None
            if budget is not None:
                budget.deadline = time.perf_counter() + READ_BUDGET_S
            try:
                self._done(*_run(raw, operation, parameters, many))
            except sqlite3.OperationalError as error:
                # Retry on the thread only what did nothing: a read that ran out of time, a busy
                # statement, and an executemany none of whose rows were written before the lock was refused.
                interrupted = budget is not None and "interrupted" in str(error)
                if not interrupted and (not _is_busy(error) or raw.total_changes != changes):
                    raise
            else:
                # SQLAlchemy's AsyncConnection.execute insists the driver awaited something: a
                # coroutine that finishes at once costs two greenlet switches, no event-loop pass.
                await_(_done_in_place())
                return
            finally:
                if budget is not None:
                    budget.deadline = 0.0
        await_(self._run_on_thread(operation, parameters, many))

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        try:
            return self._execute(operation, parameters, False)
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    def executemany(self, operation: Any, seq_of_parameters: Sequence[Any]) -> Any:
        try:
            return self._execute(operation, seq_of_parameters, True)
        except Exception as error:
            self._adapt_connection._handle_exception(error)


class Checkpointer:
    """Copies a database's WAL into its file on a thread of its own, every `every` commits. Commits run on
    the loop's thread with SQLite's automatic checkpoint off: that checkpoint runs inside the commit that
    fills the WAL and syncs the file, which would stall the loop. A passive checkpoint waits for no lock
    and blocks no reader or writer; its own connection opens the file read-write, never creating it."""

    def __init__(self, path: str, every: int | None = None) -> None:
        self.uri = f"file:{quote(path)}?mode=rw"
        self.every = every or CHECKPOINT_EVERY
        self.commits = 0
        self.done = 0  # checkpoints run
        self._pending = threading.Event()
        self._thread: threading.Thread | None = None

    def committed(self) -> None:
        self.commits += 1
        if self.commits % self.every == 0:
            self.kick()

    def kick(self) -> None:
        self._pending.set()
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="drillbot-sqlite-checkpoint", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while self._pending.wait(timeout=60):
            self._pending.clear()
            for pause in RETRY_PAUSES_S:  # refused: tried again shortly, then left to the next kick
                time.sleep(pause)
                if self._checkpoint():
                    break

    def _checkpoint(self) -> bool:
        """One passive checkpoint; False if it was refused: an error (the file is gone, or busy), busy in
        the result row (another checkpoint runs) or no WAL opened (-1)."""
        try:
            conn = sqlite3.connect(self.uri, uri=True, timeout=0, check_same_thread=False)
            try:
                busy, log, _ = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            finally:
                conn.close()
        except sqlite3.Error:
            return False
        if busy or log < 0:
            return False
        self.done += 1
        return True


_checkpointers: dict[str, Checkpointer] = {}


def checkpointer(path: str) -> Checkpointer:
    found = _checkpointers.get(path)
    if found is None:
        found = _checkpointers[path] = Checkpointer(path)
    return found


class InlineConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ("budget", "checkpoints")
    _cursor_cls = InlineCursor

    def __init__(self, dbapi: Any, connection: Any, budget: ReadBudget, checkpoints: Checkpointer | None) -> None:
        super().__init__(dbapi, connection)
        self.budget = budget
        self.checkpoints = checkpoints

    def _in_transaction(self) -> bool:
        raw = self._connection._connection  # type: ignore[attr-defined]
        return raw is not None and raw.in_transaction

    def rollback(self) -> None:
        if self._in_transaction():  # the pool's reset on return would otherwise hop for nothing
            super().rollback()

    def commit(self) -> None:
        """In place when no checkpoint can run in it (automatic checkpoints off): in WAL mode a commit
        writes the WAL with no sync (synchronous=NORMAL) and waits for no lock. Otherwise, or if it was
        refused as busy, on aiosqlite's thread with the long busy timeout."""
        if not self._in_transaction():
            return
        conn: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        if self.checkpoints is not None and not self._execute_mutex.locked():
            try:
                conn._conn.commit()
            except sqlite3.OperationalError as error:
                if not _is_busy(error):
                    self._handle_exception(error)
            else:
                self.checkpoints.committed()
                return
        try:
            await_(conn._execute(_commit_waiting, conn._conn))
        except Exception as error:
            self._handle_exception(error)


_wal_switches: dict[str, threading.Lock] = {}


def _switch_to_wal(conn: sqlite3.Connection, path: str) -> bool:
    """`PRAGMA journal_mode=WAL`, retried while another connection holds the write lock. On a file still in
    rollback mode (a fresh one, just migrated) the switch reads the header under a shared lock and then
    upgrades to write it; SQLite refuses that upgrade at once with SQLITE_BUSY, without calling the busy
    handler, while another connection holds the write lock (two upgraders waiting on each other would
    deadlock), so the busy timeout does not cover it. The refused attempt releases its shared lock, so the
    other connection finishes and the retry finds the file in WAL mode. Connections of this process switch
    one at a time (two pooled connections opened together would otherwise be the two upgraders); the
    retry covers other processes. Once in WAL mode the pragma only reads the header."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    pause = 0.001
    with _wal_switches.setdefault(path, threading.Lock()):
        while True:
            try:
                return str(conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]).lower() == "wal"
            except sqlite3.OperationalError as error:
                if not _is_busy(error) or time.monotonic() + pause > deadline:
                    raise
            time.sleep(pause)
            pause = min(2 * pause, 0.05)


def _set_up(conn: sqlite3.Connection, path: str | None, budget: ReadBudget) -> bool:
    """On aiosqlite's thread, with the connection's long busy timeout still set (switching to WAL may wait
    for another connection): WAL mode with automatic checkpoints off if `path` is a file, the read budget's
    progress handler, then no busy waiting for statements run in place. False if the file is not in WAL
    mode."""
    conn.set_progress_handler(budget, PROGRESS_EVERY)
    in_wal = path is not None and _switch_to_wal(conn, path)
    if in_wal:
        conn.execute("PRAGMA wal_autocheckpoint=0")
    conn.execute("PRAGMA busy_timeout=0")
    return in_wal


class InlineDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> AsyncAdapt_aiosqlite_connection:
        conn = super().connect(*arg, **kw)
        aio: aiosqlite.Connection = conn._connection  # type: ignore[assignment]
        path = str(arg[0] if arg else kw.get("database", ""))
        on_disk = bool(path) and path != ":memory:" and not kw.get("uri")
        file = os.path.abspath(path) if on_disk else None
        budget = ReadBudget()
        try:
            in_wal = await_(aio._execute(_set_up, aio._conn, file, budget))
        except BaseException:
            await_(aio.close())  # not handed to the pool: nothing else would close it or stop its thread
            raise
        return InlineConnection(self, aio, budget, checkpointer(file) if in_wal and file else None)


def dbapi() -> InlineDBAPI:
    """Pass as `module=` to create_async_engine for a sqlite+aiosqlite URL."""
    return InlineDBAPI(aiosqlite, sqlite3)
