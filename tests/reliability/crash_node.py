"""One drillbot scoring process for the PostgreSQL crash test: the real core and scoring worker with the
LLM judge (against the fake OpenAI server), a clock read from a file, and a platform that only records.

    python -m tests.reliability.crash_node DATABASE_URL CLOCK_FILE OPENAI_BASE_URL
"""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path

from adapters.keyspace import leading_workspace
from bank.loader import load_bank
from bot.config import Settings
from bot.core import Core
from bot.messages import Message
from bot.ports import Posted
from scoring import build_judge
from tests.e2e.multiproc_node import FileClock


class QuietPlatform:
    name = "crash"

    async def post(self, channel_key: str, message: Message) -> Posted:
        return Posted(f"{channel_key}:t", f"{channel_key}:t")

    async def reply(self, thread_key: str, message: Message, *, reply_to: str | None = None) -> Posted:
        return Posted(thread_key, f"{thread_key}:r")

    async def dm(self, user_key: str, message: Message) -> Posted:
        return Posted(f"{user_key}:dm", f"{user_key}:dm")

    async def private_note(self, thread_key: str, user_key: str, message: Message) -> Posted:
        return Posted(thread_key)

    async def is_admin(self, user_key: str, channel_key: str) -> bool:
        return False

    def workspace_of(self, key: str) -> str:
        return leading_workspace(key)


async def main(url: str, clock_file: str, base_url: str) -> None:
    logging.basicConfig(level=logging.WARNING, format="%(process)d %(name)s %(message)s")
    settings = Settings(database_url=url, _env_file=None, judge_concurrency=2)  # type: ignore[call-arg]
    judge = build_judge("openai", base_url=base_url, api_key="test", timeout=10.0, max_retries=0)
    core = await Core.create(settings, judge, clock=FileClock(Path(clock_file)), bank=load_bank(), migrate=False)
    core.register(QuietPlatform())
    print("ready", flush=True)
    await core.worker.run_forever(asyncio.Event(), idle_s=0.1)


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
