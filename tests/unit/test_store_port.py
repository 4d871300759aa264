"""Services moved onto the store port stay on it: they open a unit of work (`ctx.uow()`) and ask
repositories, so they neither import SQLAlchemy (its exceptions aside) nor open sessions. A service
added to ON_THE_PORT is held to it from then on."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

ON_THE_PORT = (
    "bot/services/intake.py",
    "bot/services/inbox.py",
    "bot/services/calibration.py",
    "bot/services/rounds.py",
    "bot/services/notices.py",
    "bot/services/practice.py",
    "bot/services/directory.py",
    "bot/services/channels.py",
    "bot/services/moderation.py",
    "bot/services/disputes.py",
    "bot/services/privacy.py",
    "bot/budget.py",
    "bot/health.py",
    "bot/services/operations.py",
    "bot/scheduler.py",
    "bot/services/progress_view.py",
    "bot/services/reports.py",
    "bot/services/digest.py",
    "bot/services/team_report.py",
    "bot/services/interview.py",
    "bot/services/days.py",
    "bot/services/scoring/lease.py",
    "bot/services/scoring/grading.py",
    "bot/services/scoring/failure.py",
    "bot/services/scoring/replies.py",
    "bot/services/catalog.py",
    "bot/services/progress.py",
    "bot/services/scoring/record.py",
    "app/demo.py",
)


def off_the_port(source: str) -> list[str]:
    """What in a module reaches past the store port: SQLAlchemy imports other than its exceptions, and
    any use of `.sessions` (the session factory)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [f"{node.lineno}: import {a.name}" for a in node.names if a.name.split(".")[0] == "sqlalchemy"]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "sqlalchemy" \
                and node.module != "sqlalchemy.exc":
            found.append(f"{node.lineno}: from {node.module}")
        elif isinstance(node, ast.Attribute) and node.attr == "sessions":
            found.append(f"{node.lineno}: .sessions")
    return found


@pytest.mark.parametrize("module", ON_THE_PORT)
def test_service_uses_the_unit_of_work(module: str) -> None:
    assert off_the_port((ROOT / module).read_text(encoding="utf-8")) == []


def test_adapters_never_reach_the_store() -> None:
    """Adapters are thin: what they need from the database comes through a service."""
    found = {str(p.relative_to(ROOT)): off_the_port(p.read_text(encoding="utf-8"))
             for p in sorted((ROOT / "adapters").rglob("*.py"))}
    assert {k: v for k, v in found.items() if v} == {}


@pytest.mark.parametrize("source, culprit", [
    ("from sqlalchemy import select\n", "1: from sqlalchemy"),
    ("import sqlalchemy.orm\n", "1: import sqlalchemy.orm"),
    ("async def f(ctx):\n    async with ctx.sessions() as s:\n        pass\n", "2: .sessions"),
])
def test_the_check_catches_a_session_or_sql(source: str, culprit: str) -> None:
    assert off_the_port(source) == [culprit]


def test_the_check_allows_the_exceptions() -> None:
    assert off_the_port("from sqlalchemy.exc import IntegrityError\n") == []
