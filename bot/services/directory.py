"""Get-or-create for workspaces, channels and members, safe under concurrent first contact.

The functions take the caller's unit of work (or `Repositories` over a session it holds), so a person or
channel created here lands in the caller's transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from bot.config import Settings
from bot.events import CommandContext, platform_of
from bot.messages import user_text
from bot.services.context import Context
from bot.store.models import Channel, Member, Workspace
from bot.store.repositories import Repositories

T = TypeVar("T", Workspace, Channel, Member)


async def _get_or_create(uow: Repositories, find: Callable[[], Awaitable[T | None]], make: Callable[[], T]) -> T:
    found = await find()
    if found is not None:
        return found
    obj = make()
    if await uow.directory.add_unless_taken(obj):
        return obj
    found = await find()  # another task created it first
    assert found is not None
    return found


async def workspace(ctx: Context, uow: Repositories, key: str) -> Workspace:
    """The workspace named `key` (as its platform's `workspace_of` or an adapter names it)."""
    return await _get_or_create(
        uow, lambda: uow.directory.workspace(key),
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


async def find_channel(uow: Repositories, key: str) -> Channel | None:
    return await uow.directory.channel(key)


async def channel(ctx: Context, uow: Repositories, key: str, name: str = "", *, workspace_key: str = "",
                  **overrides: Any) -> Channel:
    """Get or create a channel, filed under `workspace_key` when the caller knows it (a command names the
    workspace it came from), else the workspace its platform says the key belongs to."""
    name = clean_name(name)
    ws = await workspace(ctx, uow, workspace_key or ctx.workspace_of(key))
    values = channel_defaults(ctx.settings) | overrides
    return await _get_or_create(
        uow, lambda: uow.directory.channel(key),
        lambda: Channel(workspace_id=ws.id, key=key, name=name, enabled=True, created_at=ctx.clock.now(), **values),
    )


async def find_member(uow: Repositories, user_key: str) -> Member | None:
    return await uow.directory.member(user_key)


def clean_name(name: str) -> str:
    """Names are shown to others: printable, single-line, bounded, no NUL (PostgreSQL refuses it)."""
    return user_text(name, 200)


async def member(ctx: Context, uow: Repositories, user_key: str, display_name: str = "",
                 workspace_key: str = "") -> Member:
    """Get or create a person. A new person is filed under `workspace_key`, the workspace they act in
    (`acting_in`). Only someone first seen in a DM, with no workspace known, is filed where their platform
    puts their user key (the Slack team; Discord, whose user keys name no server, has a bucket for that)."""
    display_name = clean_name(display_name)
    found = await find_member(uow, user_key)
    if found is None:
        ws = await workspace(ctx, uow, workspace_key or ctx.workspace_of(user_key))
        found = await _get_or_create(
            uow, lambda: uow.directory.member(user_key),
            lambda: Member(workspace_id=ws.id, user_key=user_key, display_name=display_name[:200],
                           created_at=ctx.clock.now()),
        )
    if display_name and found.display_name != display_name[:200]:
        found.display_name = display_name[:200]
    return found


async def home_workspace(uow: Repositories, user_key: str) -> str | None:
    """The key of the workspace a known person is filed under."""
    return await uow.directory.home_workspace(user_key)


def acting_in(ctx: Context, named: str, place_key: str | None) -> str:
    """The workspace a person acts in: the one the adapter named, else the channel's or thread's as its
    platform says; "" in a DM (the person's own workspace then stands, see `member`)."""
    return named or (ctx.workspace_of(place_key) if place_key else "")


async def workspace_at(ctx: Context, uow: Repositories, place_key: str | None, user_key: str) -> str:
    """The workspace of a channel or thread as its platform says; with no place (a DM), the person's own."""
    if place_key:
        return ctx.workspace_of(place_key)
    return await home_workspace(uow, user_key) or ctx.workspace_of(user_key)


async def workspace_for(ctx: Context, cc: CommandContext) -> str:
    """Where a command acts: the workspace of its channel (or the adapter's), else in a DM the person's own."""
    if here := acting_in(ctx, cc.workspace_key, cc.channel_key):
        return here
    async with ctx.uow() as uow:
        return await workspace_at(ctx, uow, None, cc.user_key)


async def key_by_name(ctx: Context, workspace_key: str, name: str) -> str | None:
    """The member of a workspace with this display name (case-insensitive); a mention of someone by their
    platform id arrives already resolved (CommandContext.mentions)."""
    async with ctx.uow() as uow:
        rows = await uow.directory.members_named(workspace_key, name, limit=2)
    return rows[0] if len(rows) == 1 else None
