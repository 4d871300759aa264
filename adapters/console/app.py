"""The interactive terminal session: type answers, `/drill`-style commands, see scores."""

from __future__ import annotations

import asyncio
import contextlib

from rich.console import Console

from adapters.console.platform import CHANNEL, USER, ConsolePlatform
from bot.core import Core
from bot.events import AnswerEvent, CommandContext
from bot.messages import Message

INTRO = (
    "drillbot in your terminal. Today's question is in #general: type your answer and press Enter.\n"
    "Commands start with '/': /practice [category], /stats, /me, /leaderboard, /streak, /help, /quit.\n"
    "After /practice your next answer goes to the practice question; /channel switches back."
)


class ConsoleSession:
    def __init__(self, core: Core, platform: ConsolePlatform, console: Console | None = None, name: str = "you"):
        self.core = core
        self.platform = platform
        self.console = console or platform.console
        self.name = name
        self.target = "channel"  # where plain text goes: channel round thread or practice DM
        self._seq = 0

    def _message_key(self) -> str:
        self._seq += 1
        return f"console:local:msg:{self.core.ctx.clock.now().timestamp():.6f}:{self._seq}"

    async def round_thread(self) -> str | None:
        from bot.services.intake import open_round_for_channel

        rnd = await open_round_for_channel(self.core.ctx, CHANNEL, self.core.ctx.clock.now())
        return rnd.thread_key if rnd else None

    async def handle_line(self, line: str) -> bool:
        """Handle one typed line; returns False when the person wants to quit."""
        line = line.strip()
        if not line:
            return True
        if line in ("/quit", "/exit", "quit", "exit"):
            return False
        if line.startswith("/"):
            text = line[1:]
            if text.startswith("drill"):
                text = text[len("drill"):]
            if text.strip() == "channel":
                self.target = "channel"
                self.console.print("[dim]Answers now go to today's question in #general.[/dim]")
                return True
            cc = CommandContext(USER, self.name, CHANNEL, "general")
            reply = await self.core.command(cc, text)
            if text.strip().split(" ")[0] in ("practice", "next", "skip") and reply.kind != "error":
                self.target = "practice"
            self.show(reply)
            return True
        await self.submit(line)
        return True

    async def submit(self, text: str) -> None:
        if self.target == "practice":
            thread, is_dm = f"{USER}:dm", True
        else:
            thread, is_dm = await self.round_thread(), False
            if thread is None:
                self.show(Message(text="There is no open question in #general right now. Try /practice.",
                                  kind="error"))
                return
        event = AnswerEvent(self._message_key(), thread, USER, text, self.core.ctx.clock.now(), self.name, is_dm)
        result = await self.core.answer(event)
        if result.reply is not None:
            self.show(result.reply)
        elif result.outcome == "accepted":
            # The background worker may already be scoring it: wait for the outcome (a score, or the
            # "score coming" notice) so the reply is on screen before the next prompt.
            await self.core.worker.settled(result.answer_id)  # type: ignore[arg-type]
            if self.target == "practice":
                self.target = "channel"

    def show(self, message: Message) -> None:
        self.platform.show(message, where="to you")

    async def run(self) -> None:
        self.console.print(INTRO)
        while True:
            try:
                line = await asyncio.to_thread(input, "> ")
            except (EOFError, KeyboardInterrupt):
                break
            with contextlib.suppress(Exception):
                if not await self.handle_line(line):
                    break
        self.console.print("Bye. Your progress is saved.")
