"""Get-or-create for workspaces, channels and members, safe under concurrent first contact."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.events import platform_of, workspace_of
from bot.messages import user_text
from bot.services.context import Context
from bot.store.models import Channel, Member, Workspace

T = TypeVar("T", Workspace, Channel, Member)


async def _get_or_create(session: AsyncSession, model: type[T], where: Any, make: Any) -> T:
    found = await session.scalar(select(model).where(where))
    if found is not None:
        return found
    try:
        async with session.begin_nested():
            obj = make()
            session.add(obj)
        return obj
    except IntegrityError:  # another task created it first
        found = await session.scalar(select(model).where(where))
        assert found is not None
        return found


async def workspace(ctx: Context, session: AsyncSession, any_key: str) -> Workspace:
    key = workspace_of(any_key)
    return await _get_or_create(
        session, Workspace, Workspace.key == key,
        lambda: Workspace(key=key, platform=platform_of(key), created_at=ctx.clock.now()),
    )


def channel_defaults(settings: Settings) -> dict[str, Any]:
    return {
        "post_time": settings.post_time,
        "weekdays": settings.weekdays,
        "timezone": settings.timezone,
        "answer_window_hours": settings.answer_window_hours,
        "digest_day": settings.digest_day,
        "digest_time": settings.digest_time,
        "categories": [],
        "difficulty_max": 3,
        "feedback_mode": "thread",
    }


async def find_channel(session: AsyncSession, key: str) -> Channel | None:
    return await session.scalar(select(Channel).where(Channel.key == key))


async def channel(ctx: Context, session: AsyncSession, key: str, name: str = "", **overrides: Any) -> Channel:
    name = clean_name(name)
    ws = await workspace(ctx, session, key)
    values = channel_defaults(ctx.settings) | overrides
    return await _get_or_create(
        session, Channel, Channel.key == key,
        lambda: Channel(workspace_id=ws.id, key=key, name=name, enabled=True, created_at=ctx.clock.now(), **values),
    )


async def find_member(session: AsyncSession, user_key: str) -> Member | None:
    return await session.scalar(select(Member).where(Member.user_key == user_key))


def clean_name(name: str) -> str:
    """Names are shown to others: printable, single-line, bounded, no NUL (PostgreSQL refuses it)."""
    return user_text(name, 200)


async def member(ctx: Context, session: AsyncSession, user_key: str, display_name: str = "") -> Member:
    display_name = clean_name(display_name)
    ws = await workspace(ctx, session, user_key)
    found = await _get_or_create(
        session, Member, Member.user_key == user_key,
        lambda: Member(workspace_id=ws.id, user_key=user_key, display_name=display_name[:200],
                       created_at=ctx.clock.now()),
    )
    if display_name and found.display_name != display_name[:200]:
        found.display_name = display_name[:200]
    return found


async def key_by_name(ctx: Context, workspace_key: str, name: str) -> str | None:
    """The member of a workspace with this display name (case-insensitive), or their exact user id."""
    from sqlalchemy import func, or_

    async with ctx.sessions() as s:
        rows = (await s.scalars(
            select(Member.user_key).join(Workspace, Workspace.id == Member.workspace_id)
            .where(Workspace.key == workspace_key,
                   or_(func.lower(Member.display_name) == name.lower(),
                       Member.user_key == f"{workspace_key}:{name}"))
            .order_by(Member.id).limit(2))).all()
    return rows[0] if len(rows) == 1 else None
