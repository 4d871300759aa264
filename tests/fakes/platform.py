"""An in-memory Platform that records what the core sent and can be told to fail."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from adapters.keyspace import leading_workspace
from bot.messages import Message
from bot.ports import Posted


class PlatformDown(Exception):
    pass


@dataclass
class Sent:
    kind: str
    target: str
    message: Message
    reply_to: str | None = None
    user: str = ""  # a private note: the one person who sees it


@dataclass
class FakePlatform:
    name: str = "test"
    admins: set[str] = field(default_factory=set)
    sent: list[Sent] = field(default_factory=list)
    fail_next: int = 0  # the next N sends raise PlatformDown
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def _maybe_fail(self) -> None:
        if self.fail_next > 0:
            self.fail_next -= 1
            raise PlatformDown("platform unavailable")

    async def post(self, channel_key: str, message: Message) -> Posted:
        self._maybe_fail()
        thread = f"{channel_key}:t{next(self._ids)}"
        self.sent.append(Sent("post", channel_key, message))
        return Posted(thread, thread)

    async def reply(self, thread_key: str, message: Message, *, reply_to: str | None = None) -> Posted:
        self._maybe_fail()
        self.sent.append(Sent("reply", thread_key, message, reply_to))
        return Posted(thread_key, f"{thread_key}:r{next(self._ids)}")

    async def dm(self, user_key: str, message: Message) -> Posted:
        self._maybe_fail()
        self.sent.append(Sent("dm", user_key, message))
        return Posted(f"{user_key}:dm", f"{user_key}:dm:{next(self._ids)}")

    async def private_note(self, thread_key: str, user_key: str, message: Message) -> Posted:
        self._maybe_fail()
        self.sent.append(Sent("private", thread_key, message, user=user_key))
        return Posted(thread_key, f"{thread_key}:p{next(self._ids)}")

    async def is_admin(self, user_key: str, channel_key: str) -> bool:
        return user_key in self.admins

    def workspace_of(self, key: str) -> str:
        return leading_workspace(key)

    def of_kind(self, kind: str) -> list[Sent]:
        return [s for s in self.sent if s.message.kind == kind]

    def posts(self) -> list[Sent]:
        return [s for s in self.sent if s.kind == "post"]
