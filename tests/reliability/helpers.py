"""Small helpers shared by the reliability tests (no fixtures here; see tests/conftest.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from bot.core import Core
from bot.store.models import Base


async def table_rows(core: Core) -> dict[str, set[tuple[Any, ...]]]:
    """Every row of every table, as sets of tuples (column order of the model)."""
    out: dict[str, set[tuple[Any, ...]]] = {}
    async with core.ctx.sessions() as s:
        for table in Base.metadata.sorted_tables:
            cols = ", ".join(c.name for c in table.columns)
            rows = (await s.execute(text(f"SELECT {cols} FROM {table.name}"))).all()
            out[table.name] = {tuple(_hashable(v) for v in r) for r in rows}
    return out


def _hashable(v: Any) -> Any:
    if isinstance(v, list | dict):
        return repr(v)
    return v
