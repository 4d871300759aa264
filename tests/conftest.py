"""Shared fixtures: every database test runs on SQLite and on PostgreSQL (127.0.0.1:5432/test).

PostgreSQL is skipped only when unreachable and DRILLBOT_REQUIRE_POSTGRES is unset (CI sets it).
Each xdist worker gets its own PostgreSQL database and SQLite file, migrated once; tables are
emptied between tests.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from bank.loader import Bank, load_bank
from bench.common import drop_pg_database
from bench.common import fresh_pg_database as recreate_pg_database
from bot.clock import FakeClock
from bot.config import Settings
from bot.core import Core
from bot.ports import Judge
from bot.store import db
from bot.store.models import Base
from tests.fakes.judges import ScriptedJudge
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.platform import FakePlatform

PG_ADMIN_URL = os.environ.get("DRILLBOT_TEST_PG", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
MONDAY_9 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def postgres_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


def _worker() -> str:
    """A name unique to this test run and worker, so concurrent runs never share a database."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return f"{worker}_{os.getppid()}" if worker else f"main_{os.getpid()}"


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    db.upgrade(url)
    return url


def fresh_pg_database(prefix: str) -> Iterator[str]:
    """A migrated PostgreSQL database of our own for the duration of a fixture, dropped afterwards."""
    if not postgres_reachable():
        if os.environ.get("DRILLBOT_REQUIRE_POSTGRES"):
            pytest.fail("PostgreSQL at 127.0.0.1:5432 is required (DRILLBOT_REQUIRE_POSTGRES is set)")
        pytest.skip("PostgreSQL at 127.0.0.1:5432 is not reachable")
    name = f"{prefix}_{_worker()}"
    url = asyncio.run(recreate_pg_database(name))
    if url is None:
        pytest.fail(f"could not create PostgreSQL database {name}")
    db.upgrade(url)
    yield url
    asyncio.run(drop_pg_database(name))


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    yield from fresh_pg_database("drillbot_test")


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue(f"{request.param}_url")


async def empty_tables(url: str) -> None:
    engine = db.create_engine(url)
    try:
        async with engine.begin() as conn:
            names = [t.name for t in reversed(Base.metadata.sorted_tables)]
            if db.is_sqlite(url):
                for name in names:
                    await conn.execute(text(f"DELETE FROM {name}"))
            else:
                await conn.execute(text(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE"))
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def bank() -> Bank:
    return load_bank()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(MONDAY_9)


@pytest.fixture
def platform() -> FakePlatform:
    return FakePlatform()


@pytest.fixture
def judge() -> ScriptedJudge:
    return ScriptedJudge()


CoreFactory = Callable[..., "asyncio.Future[Core]"]


@pytest.fixture
async def make_core(database_url: str, bank: Bank, clock: FakeClock, platform: FakePlatform
                    ) -> AsyncIterator[Callable[..., object]]:
    await empty_tables(database_url)
    made: list[Core] = []

    async def factory(judge: Judge | None = None, **settings: object) -> Core:
        s = Settings(database_url=database_url, _env_file=None, **settings)  # type: ignore[call-arg]
        core = await Core.create(s, judge or ScriptedJudge(), clock=clock, bank=bank, migrate=False)
        core.register(platform)
        made.append(core)
        return core

    yield factory
    for core in made:
        await core.close()


@pytest.fixture
async def core(make_core: Callable[..., object], judge: ScriptedJudge) -> Core:
    return await make_core(judge)  # type: ignore[operator,no-any-return]


@pytest.fixture
def seed_text() -> str:
    return (Path(__file__).resolve().parents[2] / "shared" / "seed").glob("*.txt").__next__().read_text()


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAI]:
    """A local OpenAI-compatible server for the real openai client (modules may define their own `fake`)."""
    with FakeOpenAI() as server:
        yield server
