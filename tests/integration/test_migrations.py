"""The migrations are the schema: upgrading from empty yields exactly the models, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bot.store import db
from bot.store.models import Base


async def test_autogenerate_shows_no_drift(database_url: str) -> None:
    engine = db.create_engine(database_url)
    try:
        async with engine.connect() as conn:
            diff = await conn.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync, opts={"compare_type": True}),
                                              Base.metadata))
    finally:
        await engine.dispose()
    assert diff == []


def test_upgrade_is_idempotent(sqlite_url: str) -> None:
    db.upgrade(sqlite_url)  # already at head: a no-op, not an error
