"""What adapters hand to the core, already normalised. Keys are platform-qualified and opaque."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.messages import Message


def platform_of(key: str) -> str:
    """Keys are platform-qualified: the part before the first ":" names the platform that made the key.
    It is the only part the core reads, to route the key back to that platform."""
    return key.split(":", 1)[0]


@dataclass(frozen=True)
class AnswerEvent:
    message_key: str  # unique per platform message, e.g. slack:T1:C1:1700000000.000200
    thread_key: str  # the thread root it replies to
    user_key: str
    text: str
    at: datetime
    display_name: str = ""
    is_dm: bool = False
    workspace_key: str = ""  # named by the adapter when it knows it; else the platform's `workspace_of`
    # The platform's own timestamp, kept as data only: deadlines are decided by `at`, which the core's
    # clock sets when the event is first stored (bot.services.inbox), the same way on every platform.
    platform_at: datetime | None = None

    @property
    def place_key(self) -> str | None:
        """Where the answer was posted, for finding its workspace; None in a DM."""
        return None if self.is_dm else self.thread_key


@dataclass(frozen=True)
class CommandContext:
    user_key: str
    display_name: str = ""
    channel_key: str | None = None  # None in a DM
    channel_name: str = ""
    is_dm: bool = False
    workspace_key: str = ""  # named by the adapter when it knows it; else the platform's `workspace_of`
    # User keys of the people the command mentions, resolved by the adapter from its own mention syntax
    # (and removed from the command text), so the core never parses `<@id>` or builds a key from an id.
    mentions: tuple[str, ...] = ()


@dataclass
class IntakeResult:
    """accepted | duplicate | ignored | rejected | command (a DM run as a command) | interview /
    interview-done (a turn of a mock interview, already answered in the DM). `reply` is shown to the
    person when set."""

    outcome: str
    reply: Message | None = None
    answer_id: int | None = None
