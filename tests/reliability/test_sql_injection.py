"""SQL injection attempts through every text field are inert: tables intact, values stored verbatim."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.core import Core
from bot.events import AnswerEvent, CommandContext
from bot.store.models import Answer, Base, Channel, Member, Workspace
from tests.fakes.platform import FakePlatform
from tests.integration.test_rounds_and_intake import CH, setup_round
from tests.reliability.helpers import table_rows

PAYLOADS = [
    "'; DROP TABLE answers; --",
    "\"; DROP TABLE members; --",
    "' OR '1'='1",
    "1; DELETE FROM scores WHERE 1=1; --",
    "x') ; UPDATE members SET display_name='pwned' ; --",
    "Robert'); DROP TABLE students;--",
    "%' UNION SELECT key, key FROM workspaces --",
    "\\'; TRUNCATE rounds CASCADE; --",
    "$1 $$; DROP TABLE channels; $$",
    "a great answer'||(SELECT sqlite_version())||'",
]


async def _table_counts(core: Core) -> dict[str, int]:
    rows = await table_rows(core)
    return {name: len(r) for name, r in rows.items()}


@pytest.mark.parametrize("payload", PAYLOADS)
async def test_sql_in_every_text_field_is_stored_verbatim_and_inert(core: Core, platform: FakePlatform,
                                                                    payload: str) -> None:
    platform.admins.add("test:W1:admin")
    admin = CommandContext("test:W1:admin", payload, CH, payload)
    thread = await setup_round(core)
    user = f"test:W1:{payload}"  # platform ids are opaque strings too
    event = AnswerEvent(f"test:W1:C1:{payload}", thread, user, f"a great answer {payload}", core.ctx.clock.now(),
                        payload)
    assert (await core.answer(event)).outcome == "accepted"
    assert (await core.answer(event)).outcome == "duplicate"
    await core.worker.drain()
    # Command arguments, config values and channel names.
    for command in (f"config timezone {payload}", f"config categories {payload}", f"config time {payload}",
                    f"config weekdays {payload}", f"review clear {payload}", f"stats {payload}",
                    f"practice {payload}", f"leaderboard {payload}", f"optout {payload}", payload,
                    f"config feedback {payload}"):
        await core.command(admin, command)
        await core.command(CommandContext(user, payload, CH, payload), command)
    await core.configure_channel("test:W1:C2", payload, weekdays="mon-sun")
    await core.command(CommandContext("test:W1:admin", "admin", "test:W1:C3", payload), "post")
    await core.command(CommandContext(user, payload, CH), "stats")

    async with core.ctx.sessions() as s:
        stored = await s.scalar(select(Answer.text).where(Answer.message_key == f"test:W1:C1:{payload}"))
        member = await s.scalar(select(Member).where(Member.user_key == user))
        names = set((await s.scalars(select(Channel.name))).all())
        n_ws = await s.scalar(select(func.count(Workspace.id)))
    assert stored == f"a great answer {payload}"
    assert member is not None and member.display_name == payload[:200]
    assert {payload} <= names
    assert n_ws == 1
    counts = await _table_counts(core)
    assert set(counts) == {t.name for t in Base.metadata.sorted_tables}  # every table still there
    assert counts["answers"] == 1 and counts["scores"] == 1 and counts["members"] >= 1
    assert counts["rounds"] == 2 and counts["channels"] == 3
    async with core.ctx.sessions() as s:
        assert "pwned" not in set((await s.scalars(select(Member.display_name))).all())
