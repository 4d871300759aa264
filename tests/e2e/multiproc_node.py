"""One drillbot process for the multi-process test: real core, scheduler and worker on PostgreSQL,
with a clock read from a file (so the test can move time for every process at once) and a platform
that appends what it sends to a shared JSON-lines file."""

from __future__ import annotations

import asyncio
import fcntl
import json
import logging
import os
import sys
from datetime import datetime
from pathlib import Path

from adapters.keyspace import leading_workspace
from bank.loader import load_bank
from bot.config import Settings
from bot.core import Core
from bot.messages import Message
from bot.ports import Posted
from bot.scheduler import Scheduler
from scoring import OfflineJudge


class FileClock:
    def __init__(self, path: Path):
        self.path = path

    def now(self) -> datetime:
        return datetime.fromisoformat(self.path.read_text().strip())


class JsonlPlatform:
    name = "mp"

    def __init__(self, out: Path):
        self.out = out
        self.n = 0

    def _write(self, record: dict) -> None:
        with self.out.open("a") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            f.write(json.dumps(record) + "\n")
            f.flush()
            fcntl.flock(f, fcntl.LOCK_UN)

    def _id(self) -> str:
        self.n += 1
        return f"{os.getpid()}.{self.n}"

    async def post(self, channel_key: str, message: Message) -> Posted:
        thread = f"{channel_key}:{self._id()}"
        self._write({"op": "post", "target": channel_key, "thread": thread, "kind": message.kind, "pid": os.getpid(),
                     "title": message.title})
        return Posted(thread, thread)

    async def reply(self, thread_key: str, message: Message, *, reply_to: str | None = None) -> Posted:
        self._write({"op": "reply", "target": thread_key, "kind": message.kind, "reply_to": reply_to,
                     "pid": os.getpid()})
        return Posted(thread_key, f"{thread_key}:{self._id()}")

    async def dm(self, user_key: str, message: Message) -> Posted:
        self._write({"op": "dm", "target": user_key, "kind": message.kind, "pid": os.getpid()})
        return Posted(f"{user_key}:dm", self._id())

    async def private_note(self, thread_key: str, user_key: str, message: Message) -> Posted:
        self._write({"op": "private", "target": thread_key, "user": user_key, "kind": message.kind,
                     "pid": os.getpid()})
        return Posted(thread_key, self._id())

    async def is_admin(self, user_key: str, channel_key: str) -> bool:
        return False

    def workspace_of(self, key: str) -> str:
        return leading_workspace(key)


async def main(url: str, clock_file: str, out_file: str) -> None:
    logging.basicConfig(level=logging.WARNING, format="%(process)d %(name)s %(message)s")
    settings = Settings(database_url=url, _env_file=None, reminder_pace_s=0)  # type: ignore[call-arg]
    platform = JsonlPlatform(Path(out_file))
    core = await Core.create(settings, OfflineJudge(), clock=FileClock(Path(clock_file)), bank=load_bank(),
                             migrate=False)
    core.register(platform)
    scheduler = Scheduler(core, tick_s=0.2, leader_retry_s=0.3)
    stop = asyncio.Event()
    worker = asyncio.create_task(core.worker.run_forever(stop, idle_s=0.2))
    await scheduler.start()
    was_leader = False
    jobs: dict[str, str] = {}
    while True:
        if scheduler.is_leader and not was_leader:
            platform._write({"op": "leader", "pid": os.getpid()})
            was_leader = True
        now_jobs = {job.id: str(job.trigger) for job in scheduler.aps.get_jobs()}
        if now_jobs != jobs:  # lets a test see which schedule the leader is running
            platform._write({"op": "jobs", "jobs": now_jobs, "pid": os.getpid()})
            jobs = now_jobs
        await asyncio.sleep(0.1)
        if worker.done():
            worker.result()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
