"""The terminal as a new person meets it (issue 15): prompt, /skip, /help, Ctrl-C, long pastes."""

from __future__ import annotations

import io
import os
import pty
import select
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from rich.console import Console

from adapters.console.app import ConsoleSession
from adapters.console.platform import CHANNEL, ConsolePlatform
from bot.core import Core
from bot.services import notices, rounds
from bot.services.intake import open_round_for_channel
from bot.store.models import Answer, Channel
from scoring import OfflineJudge

ROOT = Path(__file__).resolve().parents[2]


async def _session(make_core, *, post: bool = True) -> tuple[Core, ConsoleSession, io.StringIO]:  # type: ignore[no-untyped-def]
    core: Core = await make_core(OfflineJudge())
    out = io.StringIO()
    console = ConsolePlatform(console=Console(file=out, width=160))
    core.register(console)
    await core.configure_channel(CHANNEL, "general", weekdays="mon-sun")
    if post:
        await core.post_round(CHANNEL)
    return core, ConsoleSession(core, console), out


async def test_skip_during_practice_skips_the_practice_question_not_the_round(make_core) -> None:  # type: ignore[no-untyped-def]
    core, session, out = await _session(make_core)
    await session.handle_line("/practice system_design")
    first = await session.practice_question_id()
    await session.handle_line("/skip")
    assert await open_round_for_channel(core.ctx, CHANNEL, core.ctx.clock.now()) is not None
    assert "round is skipped" not in out.getvalue()
    assert session.target == "practice" and await session.practice_question_id() not in (None, first)
    # Outside practice a bare /skip changes nothing and says how an admin skips the round.
    await session.handle_line("/channel")
    await session.handle_line("/skip")
    assert await open_round_for_channel(core.ctx, CHANNEL, core.ctx.clock.now()) is not None
    assert "/skip confirm" in out.getvalue()


async def test_prompt_shows_where_the_next_line_goes(make_core) -> None:  # type: ignore[no-untyped-def]
    core, session, out = await _session(make_core)
    assert await session.prompt() == "#general › "
    await session.handle_line("/practice agents_rag_tools")
    qid = await session.practice_question_id()
    assert qid and await session.prompt() == f"practice · {qid} › "
    await session.handle_line("clear")  # a line typed during practice is the practice answer
    assert await session.prompt() == "#general › "
    assert "next line goes to #general" in out.getvalue()


async def test_intro_and_help_speak_terminal(make_core) -> None:  # type: ignore[no-untyped-def]
    core, session, out = await _session(make_core, post=False)
    assert "There is no open question" in await session.intro()
    session.console.print(session.help().text)
    await session.handle_line("/help")
    text = out.getvalue()
    for form in ("/quit", "/channel", "/next", "/practice [category]", "/stats [@user]"):
        assert form in text, form
    assert "/drill" not in text


def test_intro_keeps_square_brackets_and_names_todays_question(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "app.cli", "run"], cwd=tmp_path, input="/quit\n",
                         capture_output=True, text=True, timeout=120,
                         env={**os.environ, "DRILLBOT_LOG_JSON": "0", "PYTHONPATH": str(ROOT)})
    assert out.returncode == 0, out.stderr
    assert "/practice [category]" in out.stdout and "Today's question is in #general" in out.stdout


_AS_IN_A_TERMINAL = ("import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
                     "signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGINT]); "
                     "sys.argv = ['drillbot', 'run']; runpy.run_module('app.cli', run_name='__main__')")


def _spawn_on_pty(tmp_path: Path) -> tuple[subprocess.Popen, int]:
    main, sub = pty.openpty()
    # Ctrl-C as in a terminal: a shell running this suite in the background (`make test &`) starts it with
    # SIGINT ignored, which every child inherits and Python then leaves ignored (a clean-clone CI run started
    # that way failed here twice: the stack dump showed the loop idle, the main task never cancelled).
    proc = subprocess.Popen([sys.executable, "-c", _AS_IN_A_TERMINAL], cwd=tmp_path, stdin=sub, stdout=sub,
                            stderr=sub, start_new_session=True,
                            env={**os.environ, "DRILLBOT_LOG_JSON": "0", "PYTHONPATH": str(ROOT),
                                 "COLUMNS": "200", "TERM": "dumb", "PYTHONFAULTHANDLER": "1"})
    os.close(sub)
    return proc, main


def _text(seen: list[bytes]) -> str:
    return b"".join(seen).decode(errors="replace")


def _read_until(fd: int, needle: str, seen: list[bytes], timeout: float = 60) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if needle in _text(seen):
            return True
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                seen.append(os.read(fd, 65536))
            except OSError:
                break
    return needle in _text(seen)


def test_ctrl_c_exits_promptly_with_the_goodbye(tmp_path: Path) -> None:
    proc, fd = _spawn_on_pty(tmp_path)
    seen: list[bytes] = []
    try:
        assert _read_until(fd, "#general ›", seen), _text(seen)
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            # Where it is stuck: SIGABRT makes faulthandler print every thread's stack.
            proc.send_signal(signal.SIGABRT)
            _read_until(fd, "Fatal Python error", seen, timeout=5)
            _read_until(fd, "\x00", seen, timeout=2)
            pytest.fail("no exit 15 s after Ctrl-C:\n" + _text(seen)[-6000:])
        _read_until(fd, "Bye", seen, timeout=2)
        assert "Bye. Your progress is saved." in _text(seen)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(fd)


def test_a_long_paste_is_reported_with_its_real_length(tmp_path: Path) -> None:
    proc, fd = _spawn_on_pty(tmp_path)
    seen: list[bytes] = []
    try:
        assert _read_until(fd, "#general ›", seen), _text(seen)
        paste = ("word " * 1000).encode()  # 5,000 characters on one line
        for i in range(0, len(paste), 512):  # a tty takes input in pieces; keep reading the echo meanwhile
            os.write(fd, paste[i:i + 512])
            _read_until(fd, "\x00never", seen, timeout=0.05)
        os.write(fd, b"\r")
        assert _read_until(fd, "characters", seen, timeout=30), _text(seen)[-2000:]
        tail = _text(seen).replace("\r", "").replace("\n", " ")
        assert "5,000" in tail or "4999" in tail or "5000" in tail or "4,999" in tail, tail[-600:]
        os.write(fd, b"/quit\r")
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(fd)


async def test_next_keeps_the_chosen_category_for_ten_presses(make_core) -> None:  # type: ignore[no-untyped-def]
    core, session, out = await _session(make_core)
    await session.handle_line("/practice evals")
    picked = [await session.practice_question_id()]
    for i in range(10):
        core.ctx.clock.advance(timedelta(seconds=1))
        await session.handle_line("/next" if i % 2 else "/skip")
        picked.append(await session.practice_question_id())
    assert {core.ctx.catalog.get(q).category for q in picked} == {"evals"}  # type: ignore[arg-type, union-attr]
    assert len(set(picked)) == 11


async def test_an_unknown_command_gets_the_terminal_help(make_core) -> None:  # type: ignore[no-untyped-def]
    core, session, out = await _session(make_core)
    await session.handle_line("/frobnicate now")
    text = out.getvalue()
    assert "I don't know the command “frobnicate”" in text
    assert "/quit" in text and "/drill" not in text


async def test_hints_in_replies_name_the_terminal_commands(make_core) -> None:  # type: ignore[no-untyped-def]
    core, session, out = await _session(make_core)
    for line in ("/interview --questions 0", "/forget-me", "/practice evals fundamentals", "/timezone a b",
                 "/skip"):
        await session.handle_line(line)
    text = out.getvalue()
    for form in ("`/interview evals --questions 3`", "`/forget-me confirm`", "`/practice evals`"):
        assert form in text, form
    assert "/drill" not in text


async def test_an_invisible_only_answer_is_empty_in_round_practice_and_interview(make_core) -> None:  # type: ignore[no-untyped-def]
    core, session, out = await _session(make_core)
    await session.handle_line("\u200b\u200b")
    await session.handle_line("/interview evals --questions 1")
    await session.handle_line("\u200b")
    assert out.getvalue().count("That answer is empty.") == 2
    assert "The answer was empty" not in out.getvalue() and session.target == "interview"


async def test_an_id_too_big_for_the_database_is_simply_not_found(make_core) -> None:  # type: ignore[no-untyped-def]
    core, session, out = await _session(make_core)
    await session.handle_line("A real answer about treating model output as untrusted input before SQL.")
    huge = "9" * 25
    for line in (f"/dispute #{huge} wrong", f"/review clear {huge}", f"/review confirm #{huge}",
                 f"/review score {huge} 5"):
        await session.handle_line(line)
    text = out.getvalue()
    assert "went wrong" not in text and "OverflowError" not in text
    assert text.count("is not one of your scored answers") == 1 and text.count("No flagged answer") == 2
    assert "No dispute" in text


async def test_the_round_reveal_names_the_terminal_practice_command(make_core) -> None:  # type: ignore[no-untyped-def]
    """The reveal's footer said `/drill practice`, which the terminal does not understand."""
    core, session, out = await _session(make_core)
    rnd = await open_round_for_channel(core.ctx, CHANNEL, core.ctx.clock.now())
    assert rnd is not None and await rounds.close_round(core.ctx, rnd.id)
    text = out.getvalue()
    assert "Round closed" in text and "Keep practising in DM with /practice." in text
    assert "/drill" not in text


async def test_a_blank_line_gets_a_hint_and_stores_nothing(make_core) -> None:  # type: ignore[no-untyped-def]
    core, session, out = await _session(make_core)
    for line in ("", "   ", "\t"):
        assert await session.handle_line(line) is True
    assert out.getvalue().count("Nothing sent. Type your answer to today's question") == 3
    assert "/help" in out.getvalue()
    await session.handle_line("/practice evals")
    before = len(session.platform.sent)
    await session.handle_line("")
    assert "Type your answer to the practice question" in out.getvalue()
    assert len(session.platform.sent) == before and session.target == "practice"
    async with core.ctx.sessions() as s:
        assert await s.scalar(sa.select(sa.func.count()).select_from(Answer)) == 0


async def test_practice_takes_a_category_as_people_write_it(make_core) -> None:  # type: ignore[no-untyped-def]
    """`/practice system design` was refused; only `system_design` worked."""
    core, session, out = await _session(make_core)
    for line, category in (("/practice system design", "system_design"), ("/practice System-Design", "system_design"),
                           ("/practice Agents, RAG & tools", "agents_rag_tools"),
                           ("/next cost and model selection", "cost_model_selection")):
        core.ctx.clock.advance(timedelta(seconds=1))
        await session.handle_line(line)
        qid = await session.practice_question_id()
        assert qid and core.ctx.catalog.get(qid).category == category, line  # type: ignore[union-attr]
    assert "Unknown category" not in out.getvalue()


async def test_an_unknown_category_lists_the_valid_ones_and_changes_nothing(make_core) -> None:  # type: ignore[no-untyped-def]
    core, session, out = await _session(make_core)
    await session.handle_line("/practice evals")
    open_before, sent_before = await session.practice_question_id(), len(session.platform.sent)
    await session.handle_line("/practice astrology")
    text = out.getvalue()
    assert "Unknown category “astrology”" in text and "system_design" in text and "/practice system design" in text
    assert await session.practice_question_id() == open_before and len(session.platform.sent) == sent_before
    assert session.target == "practice"


async def test_notices_and_usage_errors_name_the_terminal_commands(make_core) -> None:  # type: ignore[no-untyped-def]
    """The weekly summary, the reminder and three usage errors suggested bare or `/drill` forms."""
    core, session, out = await _session(make_core)
    await session.handle_line("Treat model output as untrusted input: validate it against a schema first.")
    for line in ("/optin summary", "/optin reminders", "/optout everything", "/leaderboard month",
                 "/review nonsense x"):
        await session.handle_line(line)
    async with core.ctx.sessions() as s:
        channel_id = await s.scalar(sa.select(Channel.id).where(Channel.key == CHANNEL))
    assert await notices.send_weekly_summaries(core.ctx, channel_id, core.ctx.clock.now().date(), pace_s=0) == 1
    core.ctx.clock.advance(timedelta(days=1))
    await core.post_round(CHANNEL)
    core.ctx.clock.advance(timedelta(hours=23, minutes=30))
    assert await notices.send_reminders(core.ctx, pace_s=0) == 1
    text = out.getvalue()
    for form in ("`/optout reminders`", "`/optout summary`", "`/leaderboard all`", "`/review clear ID`",
                 "`/practice <category>`"):
        assert form in text, form
    assert "/drill" not in text


async def test_the_interview_summary_names_the_terminal_interview_command(make_core) -> None:  # type: ignore[no-untyped-def]
    core, session, out = await _session(make_core)
    await session.handle_line("/interview evals --questions 1")
    await session.handle_line("end")
    text = out.getvalue()
    assert "Two things to study" in text and "`/interview CATEGORY`" in text and session.target == "channel"
