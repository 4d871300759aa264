"""The unit of work: one session and one transaction, with the repositories over it.

    async with ctx.uow() as uow:
        rnd = await uow.rounds.open_for_channel(key, now)
        ...

It commits when the block ends normally and rolls back when it raises, so a service's writes land
together or not at all. Services take a unit of work (or open one with `ctx.uow()`), not sessions; the
repositories (`bot.store.repositories`) hold every statement they send.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session, SessionTransaction

from bot.store.repositories import Repositories


class UnitOfWork(Repositories):
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        # The session exists from the start (repositories are plain attributes); its transaction begins
        # at `__aenter__`, and SQLite takes its write lock only at the first write.
        super().__init__(sessions())
        self._transaction: Any = None

    async def __aenter__(self) -> UnitOfWork:
        # What `session.begin()` does, without its hop into SQLAlchemy's greenlet: beginning does no I/O
        # (the connection is taken at the first statement). A unit of work runs on every answer three
        # times, and each hop costs about as much as a small statement.
        self._transaction = self.session.sync_session.begin()
        self._transaction.__enter__()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        try:
            if exc_type is None and self.effects.pending:
                await self.effects.write()  # the scoring path's core writes (`ScoreEffects.write`)
        except BaseException as error:
            await self._end(type(error), error, error.__traceback__)
            raise
        await self._end(exc_type, exc, tb)

    async def _end(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                   tb: TracebackType | None) -> None:
        try:
            await self.session.run_sync(_end, self._transaction, exc_type, exc, tb)
        except BaseException:
            # Interrupted on the way (a task cancelled by Ctrl-C or shutdown): close anyway, which rolls back
            # and returns the connection, so no open transaction keeps holding SQLite's write lock while the
            # rest of the process waits on it through the busy timeout.
            await self.session.close()
            raise

    async def flush(self) -> None:
        await self.session.flush()


def _end(session: Session, transaction: SessionTransaction, exc_type: type[BaseException] | None,
         exc: BaseException | None, tb: TracebackType | None) -> None:
    """Commit (or roll back on an error) and close the session, in one hop into the greenlet, not two."""
    try:
        transaction.__exit__(exc_type, exc, tb)
    finally:
        session.close()
