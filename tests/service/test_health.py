"""Readiness through the unit of work: `/readyz` is ready while the database answers and 503 when it does
not, whatever the driver raises."""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy.ext.asyncio import create_async_engine

from bot.health import check
from bot.services.context import Context
from bot.store import db


@dataclass
class Host:
    """What `check` reads of the core: its context."""

    ctx: Context


async def test_ready_while_the_database_answers(ctx: Context) -> None:
    assert await check(Host(ctx), "/readyz") == (200, "ready")  # type: ignore[arg-type]
    assert await check(Host(ctx), "/healthz") == (200, "ok")  # type: ignore[arg-type]


async def test_unreachable_database_is_not_ready(ctx: Context, tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'dir' / 'x.db'}")
    try:
        status, body = await check(Host(replace(ctx, sessions=db.session_factory(engine))), "/readyz")  # type: ignore[arg-type]
    finally:
        await engine.dispose()
    assert status == 503 and body.startswith("database unreachable (")
