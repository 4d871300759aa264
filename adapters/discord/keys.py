"""drillbot's opaque keys for Discord objects, in one place.

user "discord:users:<user_id>" (Discord users are global), channel "discord:<guild_id>:<channel_id>",
round thread "discord:<guild_id>:<channel_id>:<thread_id>", answer message "discord:<message_id>",
DM conversation "discord:dm:<dm_channel_id>".
"""

from __future__ import annotations

from dataclasses import dataclass

PREFIX = "discord"


class BadKey(ValueError):
    pass


def user_key(user_id: int) -> str:
    return f"{PREFIX}:users:{user_id}"


def channel_key(guild_id: int, channel_id: int) -> str:
    return f"{PREFIX}:{guild_id}:{channel_id}"


def thread_key(guild_id: int, channel_id: int, thread_id: int) -> str:
    return f"{PREFIX}:{guild_id}:{channel_id}:{thread_id}"


def dm_key(dm_channel_id: int) -> str:
    return f"{PREFIX}:dm:{dm_channel_id}"


def message_key(message_id: int) -> str:
    return f"{PREFIX}:{message_id}"


# Discord user keys and DM keys name no server: a person first met in a DM, in no server drillbot has
# seen them in, is filed under this workspace until they act in one.
DIRECT = f"{PREFIX}:direct"


def workspace_key(guild_id: int) -> str:
    return f"{PREFIX}:{guild_id}"


def workspace_of(key: str) -> str:
    """The server a channel or thread key belongs to; `DIRECT` for user, DM and message keys."""
    parts = key.split(":")
    if parts[0] != PREFIX:
        raise BadKey(f"not a Discord key: {key!r}")
    if len(parts) in (3, 4) and parts[1].isdigit():
        return workspace_key(int(parts[1]))
    return DIRECT


def _ints(key: str, expected: int, *, skip: int = 1) -> list[int]:
    parts = key.split(":")
    if parts[0] != PREFIX or len(parts) != expected:
        raise BadKey(f"not a Discord key of {expected} parts: {key!r}")
    try:
        return [int(p) for p in parts[skip:]]
    except ValueError:
        raise BadKey(f"malformed Discord key: {key!r}") from None


def parse_user(key: str) -> int:
    if not key.startswith(f"{PREFIX}:users:"):
        raise BadKey(f"not a Discord user key: {key!r}")
    return _ints(key, 3, skip=2)[0]


def parse_channel(key: str) -> tuple[int, int]:
    guild_id, channel_id = _ints(key, 3)
    return guild_id, channel_id


@dataclass(frozen=True)
class ThreadRef:
    """Where replies go: a guild thread (with its parent channel) or a DM channel."""

    channel_id: int  # the thread id, or the DM channel id
    guild_id: int | None = None
    parent_id: int | None = None

    @property
    def is_dm(self) -> bool:
        return self.guild_id is None


def parse_thread(key: str) -> ThreadRef:
    if key.startswith(f"{PREFIX}:dm:"):
        return ThreadRef(_ints(key, 3, skip=2)[0])
    guild_id, parent_id, thread_id = _ints(key, 4)
    return ThreadRef(thread_id, guild_id, parent_id)


def parse_message(key: str | None) -> int | None:
    """The message id in an answer key, or None when the key is not one of ours."""
    if not key:
        return None
    parts = key.split(":")
    if len(parts) == 2 and parts[0] == PREFIX and parts[1].isdigit():
        return int(parts[1])
    return None
