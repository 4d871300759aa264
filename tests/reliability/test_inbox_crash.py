"""Issue 20.1: an acknowledged answer is never lost. The real `drillbot run` on Slack's HTTP Events API (fake
Web API whose `users.info` answers 429 for seconds, so the name lookup is slow), a signed event delivered,
SIGKILL the moment the HTTP acknowledgement arrives, then a restart: the answer is stored and scored.
Before the fix Bolt acknowledged first and drillbot stored after `users.info`, so the kill lost it.
Also: SIGTERM is handled like Ctrl-C (in-flight work finishes, exit code 0). SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import select

from adapters.slack.app import create_app
from bank.loader import load_bank
from bot.config import Settings
from bot.core import Core
from bot.store import db
from bot.store.models import Answer
from scoring import OfflineJudge
from tests.conftest import fresh_pg_database
from tests.fakes.slack_api import SECRET, USERS, FakeSlack, event_callback, message, sign

ROOT = Path(__file__).resolve().parents[2]
CHANNEL = "slack:T0TEST:C1"
TEXT = "Tokens are the units a model reads and bills; I would measure them per request and cache the prefix."


@pytest.fixture(params=["sqlite", "postgres"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        u = f"sqlite+aiosqlite:///{tmp_path / 'drillbot.db'}"
        db.upgrade(u)
        yield u
    else:
        yield from fresh_pg_database("inbox_crash")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(url: str, api_url: str, port: int, log: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "DISCORD_", "DRILLBOT_", "DATABASE_URL", "OPENAI_"))}
    env.update({"PYTHONPATH": str(ROOT), "DATABASE_URL": url, "DRILLBOT_JUDGE": "offline",
                "SLACK_BOT_TOKEN": "xoxb-test-token", "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": api_url,
                "DRILLBOT_WEEKDAYS": "mon-sun", "DRILLBOT_LOG_JSON": "0"})
    return subprocess.Popen([sys.executable, "-m", "app.cli", "run", "--port", str(port)], cwd=log.parent,
                            env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)


async def _post_event(port: int, body: str, seconds: float = 30.0) -> int:
    """Deliver a signed event as Slack does, retrying only while the server is not listening yet."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    async with aiohttp.ClientSession() as http:
        while True:
            try:
                async with http.post(f"http://127.0.0.1:{port}/slack/events", data=body.encode(),
                                     headers={"Content-Type": "application/json", **sign(SECRET, body)}) as resp:
                    return resp.status
            except aiohttp.ClientConnectionError:
                if loop.time() > deadline:
                    raise
                await asyncio.sleep(0.1)


async def _answers(url: str) -> list[tuple[str, str]]:
    engine = db.create_engine(url)
    try:
        async with engine.connect() as conn:
            return [(r.message_key, r.status) for r in await conn.execute(select(Answer.message_key, Answer.status))]
    finally:
        await engine.dispose()


async def test_kill_right_after_the_acknowledgement_loses_no_answer(url: str, tmp_path: Path) -> None:
    fake = FakeSlack(users=dict(USERS))
    await fake.start()
    try:
        settings = Settings(database_url=url, _env_file=None, slack_bot_token="xoxb-test-token",  # type: ignore[call-arg]
                            slack_signing_secret=SECRET, slack_api_url=fake.api_url)
        core = await Core.create(settings, OfflineJudge(), bank=load_bank(), migrate=False)
        create_app(settings, core)
        await core.configure_channel(CHANNEL, "practice", weekdays="mon-sun")
        posted = await core.post_round(CHANNEL, force=True)
        await core.close()
        assert posted.thread_key
        root = posted.thread_key.rsplit(":", 1)[1]

        fake.fail("users.info", status=429, times=10_000, retry_after=1)  # the name lookup takes seconds
        port = _free_port()
        first = _start(url, fake.api_url, port, tmp_path / "run1.log")
        try:
            ts = f"{time.time():.6f}"  # now: the round is open
            body = json.dumps(event_callback(message("C1", "U1", TEXT, ts, thread_ts=root), event_id="EvCRASH"))
            assert await _post_event(port, body) == 200
            first.send_signal(signal.SIGKILL)  # between the acknowledgement and any later work
            first.wait(10)
        finally:
            if first.poll() is None:
                first.kill()

        fake.failures.clear()
        second = _start(url, fake.api_url, _free_port(), tmp_path / "run2.log")
        try:
            for _ in range(300):
                rows = await _answers(url)
                if rows and all(status == "scored" for _key, status in rows):
                    break
                await asyncio.sleep(0.1)
            assert [key for key, _ in rows] == [f"{CHANNEL}:{ts}"], (tmp_path / "run1.log").read_text()[-2000:]
            assert rows[0][1] == "scored"
            second.send_signal(signal.SIGTERM)  # handled like Ctrl-C: a clean stop
            assert second.wait(60) == 0, (tmp_path / "run2.log").read_text()[-2000:]
        finally:
            if second.poll() is None:
                second.kill()
    finally:
        await fake.close()
