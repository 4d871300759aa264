"""What adapters hand to the core, already normalised. Keys are platform-qualified and opaque."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.messages import Message


def platform_of(key: str) -> str:
    return key.split(":", 1)[0]


def workspace_of(place_key: str) -> str:
    """The workspace of a channel or thread key: `slack:T1:C1` -> `slack:T1`, `discord:<guild>:<channel>` ->
    `discord:<guild>`. The one place the core reads a key's parts, and only a place's: a person's workspace
    comes from where they act (`place_workspace`), since Discord user keys (`discord:users:<id>`) name none."""
    parts = place_key.split(":")
    return ":".join(parts[:2]) if len(parts) >= 2 else place_key


def place_workspace(named: str, place_key: str | None) -> str:
    """The workspace a person acts in: the one the adapter named, else the channel's or thread's; "" in a DM
    (the person's own workspace then stands, see directory.member)."""
    return named or (workspace_of(place_key) if place_key else "")


@dataclass(frozen=True)
class AnswerEvent:
    message_key: str  # unique per platform message, e.g. slack:T1:C1:1700000000.000200
    thread_key: str  # the thread root it replies to
    user_key: str
    text: str
    at: datetime
    display_name: str = ""
    is_dm: bool = False
    workspace_key: str = ""  # named by the adapter when it knows it; else taken from the thread key
    # The platform's own timestamp, kept as data only: deadlines are decided by `at`, which the core's
    # clock sets when the event is first stored (bot.services.inbox), the same way on every platform.
    platform_at: datetime | None = None

    @property
    def workspace(self) -> str:
        return place_workspace(self.workspace_key, None if self.is_dm else self.thread_key)


@dataclass(frozen=True)
class CommandContext:
    user_key: str
    display_name: str = ""
    channel_key: str | None = None  # None in a DM
    channel_name: str = ""
    is_dm: bool = False
    workspace_key: str = ""  # named by the adapter when it knows it; else taken from the channel key
    # User keys of the people the command mentions, resolved by the adapter from its own mention syntax
    # (and removed from the command text), so the core never parses `<@id>` or builds a key from an id.
    mentions: tuple[str, ...] = ()

    @property
    def workspace(self) -> str:
        return place_workspace(self.workspace_key, self.channel_key)


@dataclass
class IntakeResult:
    """accepted | duplicate | ignored | rejected | command (a DM run as a command) | interview /
    interview-done (a turn of a mock interview, already answered in the DM). `reply` is shown to the
    person when set."""

    outcome: str
    reply: Message | None = None
    answer_id: int | None = None
