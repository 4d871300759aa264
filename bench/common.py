"""What the suites share: a no-op platform, an instant judge, databases, eval answers, percentiles."""

from __future__ import annotations

import itertools
import math
import os
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bank.evalsets import EvalSetError, load_evalset
from bank.loader import Bank, load_bank
from bank.schema import Question
from bot.messages import Message
from bot.ports import CriterionResult, Posted, Verdict

ROOT = Path(__file__).resolve().parents[1]
EVALS_DIR = ROOT / "bank" / "evals"
# The benchmarks' answer corpus is fixed, so a figure moves when the code does, not when an eval set is
# added: these are the answer sets of bank/evals when the suites were recorded. Later sets (blind-tune.yaml,
# 7 December 2026) are for `drillbot eval`; BENCHMARKS.md says what the token figures are on the larger mix.
BENCH_SETS = ("adversarial", "agents_rag_tools", "behavioural", "cost_model_selection", "evals", "fundamentals",
              "production_safety", "system_design", "unseen-tune")
PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
PG_ADMIN_DB = "postgres"


def repo_on_path() -> None:
    """tests.fakes (the fake OpenAI server) lives beside the packages, not inside them."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    if not values:
        return float("nan")
    s = sorted(values)
    k = max(0, min(len(s) - 1, math.ceil(p / 100 * len(s)) - 1))
    return s[k]


@dataclass
class NullPlatform:
    """Records nothing but a count: the cheapest possible platform, so only drillbot is measured."""

    name: str = "bench"
    sent: int = 0
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    async def post(self, channel_key: str, message: Message) -> Posted:
        self.sent += 1
        thread = f"{channel_key}:t{next(self._ids)}"
        return Posted(thread, thread)

    async def reply(self, thread_key: str, message: Message, *, reply_to: str | None = None) -> Posted:
        self.sent += 1
        return Posted(thread_key, f"{thread_key}:r{next(self._ids)}")

    async def dm(self, user_key: str, message: Message) -> Posted:
        self.sent += 1
        return Posted(f"{user_key}:dm", f"{user_key}:dm:{next(self._ids)}")

    async def private_note(self, thread_key: str, user_key: str, message: Message) -> Posted:
        self.sent += 1
        return Posted(thread_key)

    async def is_admin(self, user_key: str, channel_key: str) -> bool:
        return True

    def workspace_of(self, key: str) -> str:
        return ":".join(key.split(":")[:2])  # the bench's own keys: bench:<workspace>:...


class InstantJudge:
    """Returns a fixed verdict at once (every criterion partial, a short quote): zero judge time."""

    id = "bench-instant"

    def __init__(self) -> None:
        self._cache: dict[str, list[CriterionResult]] = {}

    async def grade(self, question: Question, answer: str, *, shown: Sequence[str] = ()) -> Verdict:
        crit = self._cache.get(question.id)
        if crit is None:
            crit = [CriterionResult(c.id, "partial", "", c.weight, c.text) for c in question.rubric] or [
                CriterionResult("main", "partial", "", 1, "Covers the model answer")]
            self._cache[question.id] = crit
        quote = answer[:60]
        return Verdict([CriterionResult(c.id, c.verdict, quote, c.weight, c.text) for c in crit],
                       feedback="Good start; say why it matters.", follow_up="What would you measure?",
                       judge_id=self.id)


@dataclass
class EvalItem:
    question: Question
    text: str
    source: str  # "evals" or "model_answer"


def eval_items(bank: Bank | None = None) -> list[EvalItem]:
    """Labelled answers from the BENCH_SETS of bank/evals; the bank's model answers when there are none."""
    bank = bank or load_bank()
    items: list[EvalItem] = []
    for path in sorted(EVALS_DIR.glob("*.y*ml")) if EVALS_DIR.is_dir() else []:
        if path.stem not in BENCH_SETS:
            continue
        try:
            loaded = load_evalset(path, bank)
        except EvalSetError:
            continue  # not an answer set (e.g. thresholds.yaml)
        for a in loaded.answers:
            items.append(EvalItem(loaded.questions[a.question], a.text, "evals"))
    if not items:
        items = [EvalItem(q, q.model_answer, "model_answer") for q in bank.all()]
    return items


def sqlite_url(name: str) -> str:
    d = Path(tempfile.mkdtemp(prefix="drillbot-bench-"))
    return f"sqlite+aiosqlite:///{d / name}"


def _own(name: str) -> str:
    """The database name for this process: two benches at once (or a bench beside the test suite) must not
    drop each other's database mid-run."""
    return f"{name}_{os.getpid()}"


async def fresh_pg_database(name: str) -> str | None:
    """Drop and create the bench's own database; None when PostgreSQL is unreachable."""
    import asyncpg

    name = _own(name)
    try:
        conn = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database=PG_ADMIN_DB, timeout=3)
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return None
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"


async def drop_pg_database(name: str) -> None:
    import asyncpg

    name = _own(name)
    conn = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database=PG_ADMIN_DB, timeout=3)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()
