"""`drillbot db verify`: no drift after scoring; drift reported (exit 1) when stored figures disagree with
the recomputation from history."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from sqlalchemy import update

from app.cli import main
from bank.loader import Bank
from bot.config import Settings
from bot.core import Core
from bot.store import db
from bot.store.models import RoundPoints, Streak
from tests.fakes.judges import ScriptedJudge
from tests.fakes.platform import FakePlatform
from tests.integration.test_rounds_and_intake import ALICE, answer, setup_round


def test_verifier_reports_drift_and_the_cli_exits_non_zero(tmp_path: Path, bank: Bank,
                                                                 monkeypatch: pytest.MonkeyPatch,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'verify.db'}"
    db.upgrade(url)

    async def play() -> None:
        core = await Core.create(Settings(database_url=url, _env_file=None), ScriptedJudge(), bank=bank)  # type: ignore[call-arg]
        core.register(FakePlatform())
        try:
            thread = await setup_round(core)
            await core.answer(answer(thread, "m1", ALICE, "a great answer", core))
            await core.worker.drain()
        finally:
            await core.close()

    asyncio.run(play())
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DRILLBOT_LOG_JSON", "0")
    assert main(["db", "verify"]) == 0
    assert "1 people checked, 0 with drift" in capsys.readouterr().out

    async def tamper() -> None:
        engine = db.create_engine(url)
        async with db.session_factory(engine).begin() as s:
            await s.execute(update(RoundPoints).values(points=3.0))
            await s.execute(update(Streak).values(current=7))
        await engine.dispose()

    asyncio.run(tamper())
    assert main(["db", "verify", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["people"] == 1
    assert sorted(d["what"].split(" (")[0].rsplit(" ", 1)[0] for d in report["drift"]) == ["points round", "streak"]
