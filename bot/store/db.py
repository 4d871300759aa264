"""Engine, sessions and migrations for SQLite (default) and PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from bot.store import sqlite_driver

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"
log = logging.getLogger(__name__)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def ensure_sqlite_dir(url: str) -> None:
    database = make_url(url).database
    if is_sqlite(url) and database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)


def create_engine(url: str) -> AsyncEngine:
    ensure_sqlite_dir(url)
    if is_sqlite(url):
        # Statements run on the loop's thread without waiting; one that would wait for another writer's
        # lock runs on aiosqlite's thread with a 30 s busy timeout instead (bot/store/sqlite_driver.py).
        engine = create_async_engine(url, connect_args={"timeout": 30}, module=sqlite_driver.dbapi())

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            # Deleted rows (forget-me) are overwritten with zeros instead of lingering in free pages.
            cur.execute("PRAGMA secure_delete=ON")
            cur.close()

        return engine
    # pool_pre_ping replaces connections the server dropped.
    return create_async_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


CHECKPOINT_RETRY_S = 5.0  # how long a truncating checkpoint keeps retrying while another one runs


async def checkpoint_sqlite(engine_or_url: str, sessions: async_sessionmaker[AsyncSession]) -> None:
    """Copy the WAL into the database file and truncate it, so deleted text does not live on in the WAL.
    While another connection is checkpointing (the driver's Checkpointer thread) SQLite answers "busy" in
    the result row, at once and without the busy handler, so the checkpoint is retried for a while. (Busy
    because of a reader comes after the busy timeout has already been waited out: then it gives up.)"""
    if not is_sqlite(engine_or_url):
        return
    loop = asyncio.get_running_loop()
    deadline = loop.time() + CHECKPOINT_RETRY_S
    while True:
        async with sessions() as s:
            busy = (await s.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))).scalar()
        if not busy:
            return
        if loop.time() > deadline:
            log.warning("the WAL could not be truncated: another connection kept it busy")
            return
        await asyncio.sleep(0.01)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Apply migrations (blocking; runs its own event loop, so call it outside one or in a thread)."""
    ensure_sqlite_dir(url)
    command.upgrade(alembic_config(url), revision)


async def upgrade_async(url: str) -> None:
    await asyncio.to_thread(upgrade, url)
