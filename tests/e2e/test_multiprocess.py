"""Three bot processes on one PostgreSQL: one leader posts, all score, the leader is killed midway.

Checks: exactly one round per channel per day, every answer scored exactly once, one digest per week.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bank.loader import load_bank
from bot.clock import FakeClock
from bot.config import Settings
from bot.core import Core
from bot.events import AnswerEvent
from bot.store.models import Answer, Score
from scoring import OfflineJudge
from tests.conftest import fresh_pg_database
from tests.fakes.platform import FakePlatform

ROOT = Path(__file__).resolve().parents[2]
CHANNELS = ["mp:W1:C1", "mp:W1:C2"]
START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)  # Monday


def set_time(clock: FakeClock, clock_file: Path, when: datetime) -> None:
    """Move time for this process and (atomically, so no reader sees a torn file) for the nodes."""
    clock.set(when)
    tmp = clock_file.with_suffix(".tmp")
    tmp.write_text(when.isoformat())
    tmp.replace(clock_file)


def read(out: Path) -> list[dict]:
    return [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []


async def wait_for(predicate, seconds: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await predicate():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("condition not reached in time")


@pytest.fixture
def pg_url() -> Iterator[str]:
    yield from fresh_pg_database("drillbot_mp")


async def test_three_processes_one_leader_killed_midway(pg_url: str, tmp_path: Path) -> None:
    clock_file, out = tmp_path / "clock", tmp_path / "sent.jsonl"
    clock_file.write_text(START.isoformat())
    settings = Settings(database_url=pg_url, _env_file=None)  # type: ignore[call-arg]
    clock = FakeClock(START)
    core = await Core.create(settings, OfflineJudge(), clock=clock, bank=load_bank(), migrate=False)
    core.register(FakePlatform(name="mp"))  # the nodes' platform: it says which workspace a key is in
    for ch in CHANNELS:
        await core.configure_channel(ch, ch, post_time="09:00", weekdays="mon-sun", timezone="UTC",
                                     answer_window_hours=20)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    logs = [(tmp_path / f"node{i}.log").open("w") for i in range(3)]
    procs = [subprocess.Popen(  # noqa: ASYNC220 - starting the processes is the point of the test
        [sys.executable, "-m", "tests.e2e.multiproc_node", pg_url, str(clock_file), str(out)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT) for log in logs]
    sent = {"answers": 0}
    try:
        async def one_leader() -> bool:
            return any(r["op"] == "leader" for r in read(out))
        await wait_for(one_leader)
        for day in range(7):
            now = START + timedelta(days=day, hours=1, minutes=1)
            set_time(clock, clock_file, now)

            async def posted(day: int = day) -> bool:
                return len([r for r in read(out) if r["op"] == "post" and r["kind"] == "question"]) == 2 * (day + 1)
            await wait_for(posted)
            threads = [r["thread"] for r in read(out) if r["op"] == "post" and r["kind"] == "question"][-2:]
            for t in threads:
                for u in range(3):
                    sent["answers"] += 1
                    text = "We should measure it against labelled examples and track cost per request."
                    await core.answer(AnswerEvent(f"mp:msg:{day}:{t}:{u}", t, f"mp:W1:u{u}", text, now, f"u{u}"))
            if day == 3:  # kill the current leader without warning
                leader_pid = [r["pid"] for r in read(out) if r["op"] == "leader"][-1]
                os.kill(leader_pid, signal.SIGKILL)

                async def new_leader(old: int = leader_pid) -> bool:
                    return any(r["op"] == "leader" and r["pid"] != old for r in read(out))
                await wait_for(new_leader)
                # Answers the dead process had claimed come back when their lease runs out.
                set_time(clock, clock_file, now + timedelta(minutes=6))

            async def all_scored() -> bool:
                # Scored and replied before time moves on: a reply claim older than the lease (5 simulated
                # minutes) may be retaken, so jumping a day with a send in flight would resend it.
                async with core.ctx.sessions() as s:
                    scored = await s.scalar(select(func.count(Score.id)))
                    unsent = await s.scalar(select(func.count(Answer.id)).where(Answer.reply_sent.is_(False)))
                return scored == sent["answers"] and unsent == 0
            await wait_for(all_scored, seconds=60)
        # Next Monday after the digest time: each channel gets last week's digest, once.
        set_time(clock, clock_file, START + timedelta(days=7, hours=2))

        async def digests() -> bool:
            return len([r for r in read(out) if r.get("kind") == "digest"]) >= 2
        await wait_for(digests)
        await asyncio.sleep(1.5)  # time for any (wrong) duplicate to appear
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        await core.close()
        for log in logs:
            log.close()
        for i in range(3):
            print(f"--- node {i}\n" + (tmp_path / f"node{i}.log").read_text()[-3000:])
    records = read(out)
    questions = [r for r in records if r["op"] == "post" and r["kind"] == "question"]
    assert len(questions) == 7 * len(CHANNELS) + len(CHANNELS)  # the last day + next Monday's rounds
    assert len({r["title"] + r["target"] + str(i // 2) for i, r in enumerate(questions)}) == len(questions)
    assert sorted(r["target"] for r in records if r.get("kind") == "digest") == sorted(CHANNELS)
    async with core.ctx.sessions() as s:
        n_answers = await s.scalar(select(func.count(Answer.id)))
        n_scores = await s.scalar(select(func.count(Score.id)))
        n_distinct = await s.scalar(select(func.count(func.distinct(Score.answer_id))))
    assert n_answers == n_scores == n_distinct == sent["answers"]
    # One reply per answer. The only allowed repeat: the killed process sent a reply and died before
    # recording it, so another process sent it again (delivery is at-least-once across a crash).
    killed = [r["pid"] for r in records if r["op"] == "leader"][0]
    senders: dict[str, list[int]] = {}
    for r in records:
        if r.get("kind") == "score":
            senders.setdefault(r["reply_to"], []).append(r["pid"])
    assert len(senders) == sent["answers"]
    assert all(len(p) == 1 or (len(p) == 2 and killed in p) for p in senders.values()), senders
    leaders = {r["pid"] for r in records if r["op"] == "leader"}
    assert len(leaders) >= 2
