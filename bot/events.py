"""What adapters hand to the core, already normalised. Keys are platform-qualified and opaque."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.messages import Message


def platform_of(key: str) -> str:
    return key.split(":", 1)[0]


def workspace_of(key: str) -> str:
    """`slack:T1:C1` -> `slack:T1`."""
    parts = key.split(":")
    return ":".join(parts[:2]) if len(parts) >= 2 else key


@dataclass(frozen=True)
class AnswerEvent:
    message_key: str  # unique per platform message, e.g. slack:T1:C1:1700000000.000200
    thread_key: str  # the thread root it replies to
    user_key: str
    text: str
    at: datetime
    display_name: str = ""
    is_dm: bool = False


@dataclass(frozen=True)
class CommandContext:
    user_key: str
    display_name: str = ""
    channel_key: str | None = None  # None in a DM
    channel_name: str = ""
    is_dm: bool = False


@dataclass
class IntakeResult:
    """accepted | duplicate | ignored | rejected | command (a DM run as a command) | interview /
    interview-done (a turn of a mock interview, already answered in the DM). `reply` is shown to the
    person when set."""

    outcome: str
    reply: Message | None = None
    answer_id: int | None = None
