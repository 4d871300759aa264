"""The durable inbox: a platform event is stored, keyed by its platform id, before the platform gets its
acknowledgement (a platform that got one never sends the event again). Names, lookups and intake come
after, from this row; rows a crash left unprocessed are processed at the next start.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy.exc import IntegrityError

from bot.clock import as_utc
from bot.events import AnswerEvent
from bot.messages import valid_unicode
from bot.services.context import Context

log = logging.getLogger(__name__)

Kind = Literal["answer", "edit", "delete"]


def _payload(event: AnswerEvent) -> dict[str, Any]:
    data = asdict(event)
    data["text"] = valid_unicode(event.text.replace("\x00", ""))
    data["at"] = event.at.isoformat()
    data["platform_at"] = event.platform_at.isoformat() if event.platform_at else None
    return data


def event_of(payload: dict[str, Any]) -> AnswerEvent:
    return AnswerEvent(payload["message_key"], payload["thread_key"], payload["user_key"], payload["text"],
                       as_utc(datetime.fromisoformat(payload["at"])), payload.get("display_name", ""),
                       bool(payload.get("is_dm")), payload.get("workspace_key", ""),
                       as_utc(datetime.fromisoformat(payload["platform_at"])) if payload.get("platform_at") else None)


async def store(ctx: Context, kind: Kind, key: str, event: AnswerEvent) -> int | None:
    """One INSERT; None when this platform id was stored before (a retry or a redelivery)."""
    now = ctx.clock.now()
    # One clock for every platform: the moment drillbot first stored the event decides the deadline.
    try:
        async with ctx.uow() as uow:
            return await uow.inbox.add(key, kind, _payload(replace(event, at=now)), now)
    except IntegrityError:
        return None


async def load(ctx: Context, inbox_id: int) -> tuple[Kind, AnswerEvent] | None:
    async with ctx.uow() as uow:
        row = await uow.inbox.get(inbox_id)
        if row is None or row.done:
            return None
        return row.kind, event_of(row.payload)  # type: ignore[return-value]


async def mark_done(ctx: Context, inbox_id: int) -> None:
    """Processed: the text now lives in the answer (or was refused), so the inbox keeps only the key."""
    async with ctx.uow() as uow:
        await uow.inbox.mark_done(inbox_id)


async def leftover(ctx: Context, older_than: timedelta | None = None, limit: int = 500) -> list[int]:
    """Rows not processed: all of them at start, else only those older than `older_than` (the adapter
    that stored a newer one is still processing it)."""
    received_by = ctx.clock.now() - older_than if older_than is not None else None
    async with ctx.uow() as uow:
        return await uow.inbox.unprocessed_ids(received_by, limit)


async def forget(ctx: Context, user_key: str) -> int:
    """forget-me: unprocessed rows of the person (processed rows hold no text)."""
    async with ctx.uow() as uow:
        mine = [r for r in await uow.inbox.unprocessed() if r.payload.get("user_key") == user_key]
        for r in mine:
            await uow.inbox.delete(r)
        return len(mine)
