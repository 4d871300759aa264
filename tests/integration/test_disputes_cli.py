"""From rulings to labelled data: `drillbot disputes export` writes an eval set that `drillbot eval` grades,
and `drillbot report` shows dispute and agreement figures per judge."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from app.cli import main
from bank.loader import Bank
from bot.clock import FakeClock
from bot.config import Settings
from bot.core import Core
from bot.events import AnswerEvent, CommandContext
from bot.store import db
from tests.conftest import MONDAY_9
from tests.fakes.judges import ScriptedJudge
from tests.fakes.platform import FakePlatform

CH = "test:W1:C1"


async def rulings(url: str, bank: Bank) -> None:
    """Three people answer today's question and dispute; an admin rules 8, 5 and 1."""
    core = await Core.create(Settings(database_url=url, _env_file=None),  # type: ignore[call-arg]
                             ScriptedJudge(), clock=FakeClock(MONDAY_9), bank=bank, migrate=False)
    platform = FakePlatform(admins={"test:W1:admin"})
    core.register(platform)
    try:
        await core.configure_channel(CH, "general", weekdays="mon-sun")
        posted = await core.post_round(CH)
        assert posted.thread_key
        async with core.ctx.sessions() as s:
            from sqlalchemy import select

            from bot.store.models import QuestionRow, Round
            qid = await s.scalar(select(QuestionRow.qid).join(Round, Round.question_id == QuestionRow.id))
        question = bank.get(qid)  # type: ignore[arg-type]
        assert question is not None
        texts = {"ada": "great: " + question.model_answer, "bo": "ok: " + question.model_answer[:200],
                 "cy": "no idea, sorry"}
        for i, (who, text) in enumerate(texts.items()):
            await core.answer(AnswerEvent(f"test:W1:C1:m{i}", posted.thread_key, f"test:W1:{who}", text,
                                          core.ctx.clock.now(), who))
        await core.worker.drain()
        for who in texts:
            assert "received" in (await core.command(CommandContext(f"test:W1:{who}", who, CH), "dispute")).text
        admin = CommandContext("test:W1:admin", "boss", CH)
        for dispute_id, score in ((1, 8), (2, 5), (3, 1)):
            assert (await core.command(admin, f"review score {dispute_id} {score}")).kind == "info"
    finally:
        await core.close()


def test_export_then_eval_then_report(tmp_path: Path, bank: Bank, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    import asyncio

    url = f"sqlite+aiosqlite:///{tmp_path / 'team.db'}"
    db.upgrade(url)
    asyncio.run(rulings(url, bank))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DRILLBOT_LOG_JSON", "0")

    out = tmp_path / "team-evals.yaml"
    assert main(["disputes", "export", "--out", str(out)]) == 0
    exported = yaml.safe_load(out.read_text())
    assert [a["human_score"] for a in exported["answers"]] == [8.0, 5.0, 1.0]
    assert "drillbot eval" in capsys.readouterr().out

    assert main(["eval", str(out), "--json"]) == 0
    figs = json.loads(capsys.readouterr().out)
    assert figs["sets"] == ["team-evals"] and figs["n"] == 3
    assert figs["qwk"] is not None and figs["bias"] is not None  # the offline judge's agreement with the team's rulings

    assert main(["report", "--since", "520w", "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)["disputes"]
    assert (row["judge"], row["scored"], row["disputes"], row["resolved"]) == ("scripted", 3, 3, 3)
    assert row["dispute_rate"] == 1.0 and row["upheld"] == 2 and row["qwk"] is not None
    assert row["bias"] == pytest.approx(((10 - 8) + (5 - 5) + (0 - 1)) / 3, abs=1e-3)
    assert main(["report", "--since", "520w"]) == 0
    assert "Disputes: judge vs admin" in capsys.readouterr().out
