"""Slack keys: `slack:T:C` channels, `slack:T:U` users, `slack:T:C:ts` threads and messages.

The core treats keys as opaque; only this module knows how Slack ids are packed into them.
"""

from __future__ import annotations

from dataclasses import dataclass

PREFIX = "slack"


class SlackKeyError(ValueError):
    """A key that is not a Slack key of the expected shape."""


@dataclass(frozen=True)
class Ref:
    team: str
    channel: str  # a channel, IM or user id, depending on the key
    ts: str = ""


def channel_key(team: str, channel: str) -> str:
    return f"{PREFIX}:{team}:{channel}"


def user_key(team: str, user: str) -> str:
    return f"{PREFIX}:{team}:{user}"


def message_key(team: str, channel: str, ts: str) -> str:
    return f"{PREFIX}:{team}:{channel}:{ts}"


thread_key = message_key  # a thread is identified by its root message


def parse(key: str) -> Ref:
    parts = key.split(":")
    if len(parts) not in (3, 4) or parts[0] != PREFIX or not parts[1] or not parts[2]:
        raise SlackKeyError(f"not a Slack key: {key!r}")
    return Ref(parts[1], parts[2], parts[3] if len(parts) == 4 else "")
