"""What every service needs: settings, the store (units of work), the clock, the question catalog, platforms."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.config import Settings
from bot.events import platform_of
from bot.ports import Platform
from bot.services.catalog import Catalog
from bot.store import db
from bot.store.uow import UnitOfWork


class UnknownPlatform(LookupError):
    pass


@dataclass
class Context:
    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    catalog: Catalog
    platforms: dict[str, Platform] = field(default_factory=dict)

    def uow(self) -> UnitOfWork:
        """A unit of work: `async with ctx.uow() as uow:` is one transaction over the repositories."""
        return UnitOfWork(self.sessions)

    async def checkpoint(self) -> None:
        """Copy SQLite's WAL into the database file and truncate it (after deletes whose text must not
        live on in the WAL); nothing on PostgreSQL."""
        await db.checkpoint_sqlite(self.settings.database_url, self.sessions)

    def platform_for(self, key: str) -> Platform:
        name = platform_of(key)
        try:
            return self.platforms[name]
        except KeyError:
            raise UnknownPlatform(f"no platform {name!r} is running for {key!r}") from None

    def workspace_of(self, key: str) -> str:
        """The workspace a channel, thread or user key belongs to, as the platform that made it says."""
        return self.platform_for(key).workspace_of(key)
