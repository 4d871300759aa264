"""The interactive terminal session: type answers, `/drill`-style commands, see scores."""

from __future__ import annotations

import asyncio
import contextlib
import threading

from rich.console import Console
from rich.markup import escape

from adapters.console.platform import CHANNEL, USER, ConsolePlatform
from bot import render
from bot.core import Core
from bot.events import AnswerEvent, CommandContext
from bot.messages import Field, Message
from bot.services import interview, practice

with contextlib.suppress(ImportError):
    # input() then edits lines itself instead of the tty's canonical mode, whose 4,095-byte line limit
    # silently cut long pastes; it also gives history and arrow keys.
    import readline  # noqa: F401

# Terminal forms of the commands: the same language as `/drill ...` in chat, typed with a bare slash.
TERMINAL_HELP = [
    ("/practice [category]", "a practice question; your next line answers it (e.g. /practice system design)"),
    ("/next", "another practice question (same category as your last /practice)"),
    ("/skip", "during practice: skip this practice question"),
    ("/channel", "send your next lines to today's question in #general again"),
    ("/skip confirm", "outside practice, admins: skip today's #general round for everyone"),
] + [(f"/{cmd}", desc) for cmd, desc in render.HELP_LINES
     if cmd.split()[0] not in ("practice", "next", "skip", "help")] + [
    ("/help", "this list"),
    ("/quit", "leave (also Ctrl-C or Ctrl-D); your progress is saved"),
]


def _read_line(prompt: str, loop: asyncio.AbstractEventLoop, done: asyncio.Future[str | None]) -> None:
    try:
        line: str | None = input(prompt)
    except (EOFError, KeyboardInterrupt, OSError, ValueError):
        line = None
    with contextlib.suppress(RuntimeError):  # the loop may already be closed after Ctrl-C
        loop.call_soon_threadsafe(lambda: done.done() or done.set_result(line))


async def read_line(prompt: str) -> str | None:
    """input() on a daemon thread: Ctrl-C cancels the await at once instead of waiting for Enter
    (asyncio.to_thread would keep the process alive until the blocked input() returned)."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[str | None] = loop.create_future()
    threading.Thread(target=_read_line, args=(prompt, loop, done), daemon=True, name="console-input").start()
    return await done


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

    async def practice_question_id(self) -> str | None:
        """The id of the person's open practice question, if any."""
        return await practice.open_question(self.core.ctx, USER)

    async def prompt(self) -> str:
        """Where the next line goes, shown before the cursor: `#general › ` or `practice · rag-hybrid › `."""
        if self.target == "interview":
            return "interview › "
        if self.target == "practice":
            qid = await self.practice_question_id()
            if qid is not None:
                return f"practice · {qid} › "
            self.target = "channel"
        return "#general › " if await self.round_thread() else "#general (no open question) › "

    def note(self, text: str) -> None:
        self.console.print(escape(text), style="dim")

    async def intro(self) -> str:
        where = ("Today's question is in #general: type your answer and press Enter."
                 if await self.round_thread() else "There is no open question in #general right now.")
        return (f"drillbot in your terminal. {where}\n"
                "Commands start with '/': /practice [category], /next, /skip, /channel, /stats, /me, /leaderboard, "
                "/streak, /help, /quit.\n/interview [category] [--questions N] runs a mock interview (skip, hint, "
                "end at any time); /dispute [reason] disputes your last score.\n"
                "The prompt shows where your next line goes.")

    async def blank_hint(self) -> str:
        """What an empty line gets instead of silence: how to answer where the prompt points, and /help."""
        if self.target == "interview":
            return "Nothing sent. Type your answer and press Enter (or hint, skip, end); /help lists commands."
        if self.target == "practice" and await self.practice_question_id() is not None:
            return "Nothing sent. Type your answer to the practice question and press Enter; /help lists commands."
        if await self.round_thread():
            return "Nothing sent. Type your answer to today's question and press Enter; /help lists commands."
        return "Nothing sent: there is no open question in #general. /practice gives you one; /help lists commands."

    def help(self, note: str = "") -> Message:
        text = "Type an answer and press Enter: it goes where the prompt says. Commands:"
        return Message(title="drillbot help", kind="help", fields=[Field(c, d) for c, d in TERMINAL_HELP],
                       text=f"{note}\n\n{text}" if note else text)

    async def handle_line(self, line: str) -> bool:
        """Handle one typed line; returns False when the person wants to quit."""
        line = line.strip()
        if not line:
            self.note(await self.blank_hint())  # nothing is sent or stored
            return True
        if line in ("/quit", "/exit", "quit", "exit"):
            return False
        if line.startswith("/"):
            return await self.handle_command(line[1:].removeprefix("drill").strip())
        await self.submit(line)
        return True

    async def handle_command(self, text: str) -> bool:
        words = text.split()
        name = words[0].lower() if words else "help"
        if name in ("help", "?"):
            self.show(self.help())
            return True
        if self.target == "interview" and name in ("skip", "hint", "end") and len(words) == 1:
            await self.submit(name)  # interview controls, not the practice/round commands
            return True
        if (note := self.core.commands.unknown(text)) is not None and name != "channel":
            self.show(self.help(note))  # the terminal's own list, not the `/drill …` one
            return True
        if name == "channel":
            self.target = "channel"
            self.note("Your next lines go to today's question in #general.")
            return True
        in_practice = self.target == "practice" and await self.practice_question_id() is not None
        if name == "skip" and (in_practice or words[1:] != ["confirm"]):
            if not in_practice:
                self.show(render.info("Nothing to skip here: you are not on a practice question. Skipping "
                                      "today's #general round affects everyone; an admin does it with "
                                      "`/skip confirm`."))
                return True
            # Skipping during practice skips the practice question, never the channel's round.
            text = "skip"
            cc = CommandContext(USER, self.name, None, "", is_dm=True)
        else:
            cc = CommandContext(USER, self.name, CHANNEL, "general")
        reply = await self.core.command(cc, text)
        if (name in ("practice", "next") or cc.is_dm) and reply.kind != "error":
            self.target = "practice"
        if name == "interview" and reply.kind != "error":
            self.target = "interview"
        self.show(reply)
        return True

    async def submit(self, text: str) -> None:
        if self.target in ("practice", "interview"):
            thread, is_dm = f"{USER}:dm", True
        else:
            thread, is_dm = await self.round_thread(), False
            if thread is None:
                self.show(Message(text="There is no open question in #general right now. Try /practice.",
                                  kind="error"))
                return
        event = AnswerEvent(self._message_key(), thread, USER, text, self.core.ctx.clock.now(), self.name, is_dm)
        result = await self.core.answer(event)
        if result.outcome == "interview-done":
            self.target = "channel"
        if result.reply is not None:
            self.show(result.reply)
        elif result.outcome == "accepted":
            # The background worker may already be scoring it: wait for the outcome (a score, or the
            # "score coming" notice) so the reply is on screen before the next prompt.
            await self.core.worker.settled(result.answer_id)  # type: ignore[arg-type]
            if self.target == "practice":
                self.target = "channel"
                self.note("Practice answer done. Your next line goes to #general; /next for another practice "
                          "question.")

    def show(self, message: Message) -> None:
        self.platform.show(message, where="to you")

    async def run(self) -> None:
        self.console.print(escape(await self.intro()))
        if await interview.has_active(self.core.ctx, USER):
            self.target = "interview"
            self.note("Your mock interview is still open: answer the last question above, or type end.")
        try:
            while True:
                line = await read_line(await self.prompt())
                if line is None:
                    break
                try:
                    if not await self.handle_line(line):
                        break
                except Exception as exc:  # one bad line must not end the session
                    self.show(render.error(f"Something went wrong with that line: {type(exc).__name__}."))
        finally:
            # Also on Ctrl-C (the task is cancelled): say goodbye before the shutdown.
            self.console.print("\nBye. Your progress is saved.")
