"""A config change received by a process that is not the scheduler leader reaches the leader's jobs.

Two processes on one PostgreSQL: a bot node that holds leadership, and this test process, which takes
`/drill config time` as a second bot would (its own core and scheduler, which cannot become leader).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bank.loader import load_bank
from bot.clock import FakeClock
from bot.config import Settings
from bot.core import Core
from bot.events import CommandContext
from bot.scheduler import Scheduler
from scoring import OfflineJudge
from tests.conftest import fresh_pg_database
from tests.e2e.test_multiprocess import read, wait_for
from tests.fakes.platform import FakePlatform

ROOT = Path(__file__).resolve().parents[2]
CHANNEL = "mp:W1:C1"
ADMIN = "mp:W1:admin"


@pytest.fixture
def pg_url() -> Iterator[str]:
    yield from fresh_pg_database("drillbot_cfg")


async def test_config_change_at_a_follower_reaches_the_leaders_schedule(pg_url: str, tmp_path: Path) -> None:
    clock_file, out = tmp_path / "clock", tmp_path / "sent.jsonl"
    start = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)
    clock_file.write_text(start.isoformat())
    settings = Settings(database_url=pg_url, _env_file=None)  # type: ignore[call-arg]
    core = await Core.create(settings, OfflineJudge(), clock=FakeClock(start), bank=load_bank(), migrate=False)
    platform = FakePlatform(name="mp", admins={ADMIN})
    core.register(platform)
    await core.configure_channel(CHANNEL, "general", post_time="09:00", weekdays="mon-fri", timezone="UTC")
    log = (tmp_path / "node.log").open("w")
    node = subprocess.Popen(  # noqa: ASYNC220 - a second process is the point of the test
        [sys.executable, "-m", "tests.e2e.multiproc_node", pg_url, str(clock_file), str(out)],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=log, stderr=subprocess.STDOUT)
    follower = Scheduler(core, tick_s=0.2, leader_retry_s=0.2)
    try:
        async def leader_runs(hour: int) -> bool:
            jobs = [r["jobs"] for r in read(out) if r["op"] == "jobs"]
            return bool(jobs) and f"hour='{hour}'" in jobs[-1].get(f"post:{CHANNEL}", "")
        await wait_for(lambda: leader_runs(9))
        await follower.start()
        assert not follower.is_leader  # the node holds the advisory lock
        reply = await core.command(CommandContext(ADMIN, "admin", CHANNEL), "config time 07:30")
        assert "07:30" in reply.text + reply.title
        await wait_for(lambda: leader_runs(7), seconds=10)
        last = [r["jobs"] for r in read(out) if r["op"] == "jobs"][-1][f"post:{CHANNEL}"]
        assert "minute='30'" in last
    finally:
        await follower.shutdown()
        node.send_signal(signal.SIGTERM)
        try:
            node.wait(timeout=10)
        except subprocess.TimeoutExpired:
            node.kill()
        log.close()
        await core.close()
        print((tmp_path / "node.log").read_text()[-3000:])
