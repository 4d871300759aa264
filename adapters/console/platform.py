"""The terminal platform: one local channel and one local person, rendered with rich.

It implements the core's Platform port like the chat adapters do, so the whole product can be used
(and demonstrated) without any chat workspace.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from adapters.keyspace import leading_workspace
from bot.messages import Message
from bot.ports import Posted

WORKSPACE = "console:local"
CHANNEL = f"{WORKSPACE}:general"
USER = f"{WORKSPACE}:you"

STYLE = {"error": "red", "score": "green", "pending": "yellow", "question": "cyan", "digest": "magenta"}


@dataclass
class Sent:
    kind: str  # post | reply | dm | private
    target: str
    message: Message
    thread_key: str


@dataclass
class ConsolePlatform:
    console: Console = field(default_factory=Console)
    image_dir: Path | None = None
    admins: set[str] = field(default_factory=lambda: {USER})
    name: str = "console"
    command_prefix: ClassVar[str] = "/"  # commands are typed `/stats`, not `/drill stats` (Platform docs)
    sent: list[Sent] = field(default_factory=list)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def _next_id(self) -> str:
        return str(next(self._ids))

    async def post(self, channel_key: str, message: Message) -> Posted:
        thread = f"{channel_key}:{self._next_id()}"
        self._record("post", channel_key, message, thread)
        return Posted(thread, thread)

    async def reply(self, thread_key: str, message: Message, *, reply_to: str | None = None) -> Posted:
        msg_id = f"{thread_key}:r{self._next_id()}"
        self._record("reply", thread_key, message, thread_key)
        return Posted(thread_key, msg_id)

    async def dm(self, user_key: str, message: Message) -> Posted:
        thread = f"{user_key}:dm"
        self._record("dm", user_key, message, thread)
        return Posted(thread, f"{thread}:{self._next_id()}")

    async def private_note(self, thread_key: str, user_key: str, message: Message) -> Posted:
        self._record("private", user_key, message, thread_key)
        return Posted(thread_key, f"{thread_key}:p{self._next_id()}")

    async def is_admin(self, user_key: str, channel_key: str) -> bool:
        return user_key in self.admins

    def workspace_of(self, key: str) -> str:
        return leading_workspace(key)

    def _record(self, kind: str, target: str, message: Message, thread: str) -> None:
        self.sent.append(Sent(kind, target, message, thread))
        where = {"post": "#general", "reply": "thread", "dm": "DM", "private": "thread · only you"}[kind]
        self.show(message, where=where)

    def save_image(self, message: Message) -> Path | None:
        if message.image is None or self.image_dir is None:
            return None
        self.image_dir.mkdir(parents=True, exist_ok=True)
        path = self.image_dir / message.image_name
        path.write_bytes(message.image)
        return path

    def show(self, message: Message, where: str = "") -> None:
        # Every string is a rich Text, never markup: `[bold]`, `:smile:` and a trailing backslash in what
        # someone typed are shown as typed (escape() doubled a trailing backslash and left emoji codes).
        body = Text(message.text)
        if message.fields:
            grid = Table.grid(padding=(0, 2))
            grid.add_column(style="bold")
            grid.add_column()
            for f in message.fields:
                grid.add_row(Text(f.name), Text(f.value))
            parts: list[RenderableType] = [body, grid] if message.text else [grid]
        else:
            parts = [body]
        image = self.save_image(message)
        if image is not None:
            parts.append(Text(f"chart saved to {image}", style="dim"))
        if message.buttons:
            parts.append(Text("  ".join(f"[{b.label}]" for b in message.buttons), style="dim"))
        title = Text.assemble((where, "dim"), " " if where and message.title else "", message.title)
        self.console.print(Panel(Group(*parts), title=title if title.plain else None,
                                 subtitle=Text(message.footer) if message.footer else None,
                                 border_style=STYLE.get(message.kind, "white"), expand=True))
