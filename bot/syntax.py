"""How a person types a command on their platform: the one rule behind every command hint the core shows.

Slack and Discord: `/drill practice`; Discord admins: `/drill-admin review`; the terminal: `/practice`.
A platform states its forms with the optional `command_prefix` and `admin_prefix` attributes (see
bot.ports.Platform); a hint built any other way will sooner or later name a command the person cannot type.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.services.context import Context

DEFAULT_PREFIX = "/drill"
# Commands only admins may run; a platform may list them under their own command (Discord: /drill-admin).
ADMIN_COMMANDS = frozenset({"config", "post", "review"})


def usage(platform: object | None, rest: str) -> str:
    """`rest` (a command and its arguments, e.g. "practice evals") as typed on `platform`."""
    admin_prefix = getattr(platform, "admin_prefix", "") or ""
    if admin_prefix and rest.split(" ", 1)[0] in ADMIN_COMMANDS:
        return f"{admin_prefix} {rest}"
    prefix = getattr(platform, "command_prefix", "") or DEFAULT_PREFIX
    return prefix + rest if prefix.endswith("/") else f"{prefix} {rest}"


def usage_for(ctx: Context, key: str, rest: str) -> str:
    """`usage` on the platform that made `key` (a user, channel or thread key); `/drill` when none runs."""
    from bot.services.context import UnknownPlatform

    try:
        platform = ctx.platform_for(key)
    except UnknownPlatform:
        platform = None
    return usage(platform, rest)
