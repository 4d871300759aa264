"""Permissions and privacy at the core level: admin-only commands refused for everyone else, and
forget-me removes every row tied to the person and nothing else (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.core import Core
from bot.events import AnswerEvent, CommandContext
from bot.services.intake import open_round_for_channel
from bot.store.models import Answer, Member, Notification
from tests.fakes.platform import FakePlatform
from tests.integration.test_rounds_and_intake import ALICE, BOB, CH, answer, setup_round
from tests.reliability.helpers import table_rows

ADMIN = "test:W1:admin"
ALICE_CC = CommandContext(ALICE, "alice", CH, "general")

ADMIN_ONLY = ["config", "config time 10:00", "config enabled off", "config timezone Europe/Berlin", "post",
              "review", "review clear 1", "review confirm 1", "skip", "  CONFIG   window 2", "Post now"]


@pytest.mark.parametrize("command", ADMIN_ONLY)
async def test_admin_commands_are_refused_for_everyone_else(core: Core, platform: FakePlatform,
                                                            command: str) -> None:
    thread = await setup_round(core)
    await core.answer(answer(thread, "m1", BOB, "a great answer (inject)", core))  # something to review
    await core.worker.drain()
    platform.admins.add(ADMIN)
    before, sent = await table_rows(core), len(platform.sent)
    # Without a channel (a DM) admin commands are refused too; `skip` there means "skip my practice question".
    contexts = [ALICE_CC] if command == "skip" else [ALICE_CC, CommandContext(ALICE, "alice", None, is_dm=True)]
    for cc in contexts:
        reply = await core.command(cc, command)
        assert reply.kind == "error", (command, reply.text)
        assert "admin" in reply.text or "channel it should apply to" in reply.text
    assert await table_rows(core) == before and len(platform.sent) == sent
    # The same command from an admin is not refused (so the refusal above is about who asked).
    allowed = await core.command(CommandContext(ADMIN, "admin", CH, "general"), command)
    assert "Only admins" not in allowed.text


async def test_configured_admin_ids_are_admins_and_nobody_else(make_core, platform: FakePlatform) -> None:  # type: ignore[no-untyped-def]
    core: Core = await make_core(admin_ids=f" {ADMIN} ,test:W2:other")
    reply = await core.command(CommandContext(ADMIN, "admin", CH, "general"), "post")
    assert reply.kind == "info" and len(platform.posts()) == 1
    for who in (ALICE, f"{ADMIN}x", "test:W1:ADMIN", ""):
        denied = await core.command(CommandContext(who, "x", CH, "general"), "config time 11:00")
        assert denied.kind == "error", who


async def _populate(core: Core, platform: FakePlatform, user: str, name: str, tag: str) -> None:
    """Everything a person can leave behind: round answers (scored, flagged, edited), points, streak, stats,
    review schedule, a practice session and answer, and notifications."""
    await core.post_round(CH)
    rnd = await open_round_for_channel(core.ctx, CH, core.ctx.clock.now())
    assert rnd is not None and rnd.thread_key
    rnd_thread = rnd.thread_key
    await core.answer(answer(rnd_thread, f"{tag}1", user, "a great answer", core))
    await core.answer(answer(rnd_thread, f"{tag}2", user, "an ok answer (inject)", core))
    await core.edit(answer(rnd_thread, f"{tag}1", user, "a great answer, edited", core))
    await core.command(CommandContext(user, name, CH, "general"), "practice evals")
    await core.answer(AnswerEvent(f"test:W1:D:{tag}", f"{user}:dm", user, "an ok practice answer",
                                  core.ctx.clock.now(), name, True))
    await core.command(CommandContext(user, name, CH, "general"), "practice")  # stays open
    await core.command(CommandContext(user, name, CH, "general"), "optin reminders")
    await core.worker.drain()
    async with core.ctx.sessions.begin() as s:
        member_id = await s.scalar(select(Member.id).where(Member.user_key == user))
        assert member_id is not None
        s.add(Notification(kind="reminder", key=f"{tag}:{member_id}", member_id=member_id,
                           sent_at=core.ctx.clock.now()))
        s.add(Notification(kind="summary", key=f"{member_id}:{tag}", member_id=member_id))


TIED = ["answers", "scores", "round_points", "streaks", "category_stats", "review_items", "practice_sessions",
        "notifications", "members"]


async def test_forget_me_removes_every_row_of_the_person_and_nothing_else(core: Core,
                                                                         platform: FakePlatform) -> None:
    await setup_round(core)
    await _populate(core, platform, ALICE, "alice", "a")
    await _populate(core, platform, BOB, "bob", "b")
    core.ctx.clock.advance(timedelta(days=1))
    await _populate(core, platform, BOB, "bob", "c")  # bob has history beyond alice's
    await _populate(core, platform, ALICE, "alice", "d")
    before = await table_rows(core)
    async with core.ctx.sessions() as s:
        alice_id = await s.scalar(select(Member.id).where(Member.user_key == ALICE))
        alice_answers = set((await s.scalars(select(Answer.id).where(Answer.member_id == alice_id))).all())

    def tied(table: str, row: tuple, cols: list[str]) -> bool:
        values = dict(zip(cols, row, strict=True))
        if table == "members":
            return values["id"] == alice_id
        if table == "scores":
            return values["answer_id"] in alice_answers
        return values.get("member_id") == alice_id

    from bot.store.models import Base

    columns = {t.name: [c.name for c in t.columns] for t in Base.metadata.sorted_tables}
    expected_gone = {name: {r for r in rows if tied(name, r, columns[name])} for name, rows in before.items()}
    for name in TIED:
        assert expected_gone[name], f"the setup left no {name} row for alice, so the test would prove nothing"
        assert before[name] - expected_gone[name], f"the setup left no {name} row for bob"

    reply = await core.command(ALICE_CC, "forget-me confirm")
    assert "deleted" in reply.text
    after = await table_rows(core)
    for name, rows in before.items():
        assert after[name] == rows - expected_gone[name], name
    # And alice can start again from nothing.
    assert "nothing stored" in (await core.command(ALICE_CC, "forget-me confirm")).text


async def test_forgotten_text_is_not_left_in_the_sqlite_file_or_its_wal(make_core, database_url: str) -> None:  # type: ignore[no-untyped-def]
    """Issue 20.8: after forget-me the answer text was still readable in the database and WAL files
    (freed pages). PostgreSQL's behaviour is documented in SECURITY.md instead."""
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite files only; see SECURITY.md for PostgreSQL")
    from pathlib import Path

    from sqlalchemy.engine import make_url

    core: Core = await make_core()
    thread = await setup_round(core)
    marker = "zebracorn-quasar-7731"
    for i in range(3):
        await core.answer(answer(thread, f"fm{i}", ALICE, f"a great answer {marker} number {i} " * 20, core))
    await core.worker.drain()
    await core.command(ALICE_CC, "forget-me confirm")
    path = Path(make_url(database_url).database or "")
    raw = b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
    assert raw and raw.count(marker.encode()) == 0
