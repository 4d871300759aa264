"""Service tests on an in-memory SQLite store: the real services and repositories through the unit of
work, no PostgreSQL and no migrations (the schema comes from the models; tests/integration/test_migrations.py
checks that the models and the migrations agree). They check rules; tests/integration runs the same
services on both databases."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import StaticPool

from bank.loader import Bank
from bot.clock import FakeClock
from bot.config import Settings
from bot.services.catalog import Catalog
from bot.services.context import Context
from bot.store import db
from bot.store.models import Base
from tests.fakes.platform import FakePlatform

MEMORY = "sqlite+aiosqlite://"


@pytest.fixture
def settings() -> Settings:
    """Override in a test module to change a setting (e.g. the hourly limit)."""
    return Settings(database_url=MEMORY, _env_file=None)  # type: ignore[call-arg]


@pytest.fixture
async def ctx(settings: Settings, bank: Bank, clock: FakeClock, platform: FakePlatform) -> AsyncIterator[Context]:
    # One connection shared by every session (StaticPool): an in-memory database lives as long as it.
    engine = create_async_engine(MEMORY, poolclass=StaticPool)

    @event.listens_for(engine.sync_engine, "connect")
    def _foreign_keys(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_conn.execute("PRAGMA foreign_keys=ON")

    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    context = Context(settings, db.session_factory(engine), clock, Catalog(bank), {platform.name: platform})
    async with context.uow() as uow:  # the question rows rounds and answers refer to, as at start
        await context.catalog.sync(uow, clock.now())
    yield context
    await engine.dispose()
