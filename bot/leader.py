"""Who runs the scheduled jobs. Exactly one process at a time.

PostgreSQL: a session-level advisory lock held on a dedicated connection. If the leader dies its
connection closes, the server releases the lock, and another process's next attempt (every
`retry_s`) takes over. SQLite is single-process: an exclusive file lock beside the database file
makes a second process say so instead of double-posting.
"""

from __future__ import annotations

import fcntl
import logging
import os
from pathlib import Path
from typing import IO, Protocol

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)

LOCK_ID = 0x64726C6C  # "drll": one well-known advisory lock id for drillbot's scheduler


class Leadership(Protocol):
    async def acquire(self) -> bool:
        """Try to become (or confirm being) the leader; never blocks."""

    async def release(self) -> None: ...


class PostgresLeadership:
    def __init__(self, engine: AsyncEngine, lock_id: int = LOCK_ID):
        self.engine = engine
        self.lock_id = lock_id
        self._conn: AsyncConnection | None = None

    async def acquire(self) -> bool:
        if self._conn is not None:
            try:  # still holding it? a dropped connection means we lost the lock
                await self._conn.execute(text("SELECT 1"))
                return True
            except Exception:
                log.warning("leader connection lost; standing down")
                await self._drop()
        conn = await self.engine.connect()
        try:
            got = (await conn.execute(text("SELECT pg_try_advisory_lock(:id)"), {"id": self.lock_id})).scalar()
            await conn.commit()
        except Exception:
            await conn.close()
            raise
        if got:
            self._conn = conn
            log.info("became scheduler leader")
            return True
        await conn.close()
        return False

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                await conn.close()
            except Exception:
                log.debug("closing lost leader connection failed", exc_info=True)

    async def release(self) -> None:
        if self._conn is not None:
            try:
                await self._conn.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": self.lock_id})
                await self._conn.commit()
            finally:
                await self._drop()


class SecondSchedulerError(RuntimeError):
    pass


class SqliteLeadership:
    def __init__(self, database_url: str):
        database = make_url(database_url).database or "drillbot.db"
        self.path = Path(f"{database}.scheduler.lock")
        self._file: IO[str] | None = None

    async def acquire(self) -> bool:
        if self._file is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise SecondSchedulerError(
                f"another drillbot process is already running the scheduler on this SQLite database "
                f"({self.path}). SQLite is single-process; use PostgreSQL (DATABASE_URL) to run several."
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._file = handle
        return True

    async def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None


def leadership_for(engine: AsyncEngine, database_url: str) -> Leadership:
    if make_url(database_url).get_backend_name() == "sqlite":
        return SqliteLeadership(database_url)
    return PostgresLeadership(engine)
