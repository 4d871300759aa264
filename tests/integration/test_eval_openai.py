"""`drillbot eval --judge openai` against the fake OpenAI server, through the real openai client."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import build_parser
from bot.config import Settings
from bot.ports import Usage
from scoring.eval_cli import run_eval
from scoring.pricing import PriceTable
from tests.fakes.openai_server import Behaviour, FakeOpenAI
from tests.integration.test_eval_cli import write_set

MODEL = "gpt-4.1-mini"
CACHED = 64


def _settings(base_url: str) -> Settings:
    return Settings(_env_file=None, openai_base_url=base_url, openai_api_key="sk-test",  # type: ignore[call-arg]
                    judge_model="gpt-4o", judge_timeout_s=5, judge_escalate_model=None, judge_fallback="offline")


def _run(paths: list[str], settings: Settings, *extra: str) -> int:
    args = build_parser().parse_args(["eval", *paths, "--judge", "openai", "--model", MODEL, "--json", *extra])
    return run_eval(args, settings)


def test_openai_judge_fills_tokens_cost_and_latency(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    evalset = write_set(tmp_path / "tiny.yaml")
    report = tmp_path / "report.json"
    with FakeOpenAI(default=Behaviour(cached_tokens=CACHED), latency_s=0.01) as fake:
        assert _run([str(evalset)], _settings(fake.base_url), "--concurrency", "3", "--report", str(report)) == 0
        requests = list(fake.requests)
    figs = json.loads(capsys.readouterr().out)
    assert figs["judge"] == f"openai:{MODEL}" and figs["n"] == 4 and figs["failures"] == 0
    assert len(requests) == 4 and {r.body["model"] for r in requests} == {MODEL}  # --model beats settings
    answers = json.loads(report.read_text())["answers"]
    assert all(a["input_tokens"] > CACHED and a["cached_tokens"] == CACHED and a["output_tokens"] > 0 for a in answers)
    assert figs["input_tokens_mean"] == pytest.approx(sum(a["input_tokens"] for a in answers) / 4, abs=0.1)
    assert figs["cached_tokens_mean"] == CACHED and figs["output_tokens_mean"] > 0
    # The fake marks every criterion met with a real quote; the injected answer's quote is rejected.
    by_id = {a["id"]: a for a in answers}
    assert by_id["good"]["judge"] == 10.0 and by_id["inject"]["judge"] < 10.0
    # Cost per 1000 answers follows the price table from the reported usage.
    table = PriceTable()
    expected = sum(table.cost(MODEL, Usage(a["input_tokens"], a["cached_tokens"], a["output_tokens"])).usd
                   for a in answers) / 4 * 1000
    assert figs["cost_per_1000_usd"] == pytest.approx(expected, rel=1e-3) and expected > 0
    assert figs["latency_ms_p50"] >= 10 and figs["latency_ms_p95"] >= figs["latency_ms_p50"]


def test_a_failing_call_is_counted_not_graded_offline(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    evalset = write_set(tmp_path / "tiny.yaml")
    report = tmp_path / "report.json"
    # Two bad outputs exhaust the judge's one retry for the first answer (concurrency 1 keeps the order);
    # the settings ask for an offline fallback, which the eval must not use.
    with FakeOpenAI(script=["malformed", "malformed"]) as fake:
        assert _run([str(evalset)], _settings(fake.base_url), "--concurrency", "1", "--report", str(report)) == 0
    captured = capsys.readouterr()
    figs = json.loads(captured.out)
    assert figs["failures"] == 1 and figs["n"] == 3
    assert "1 of 4 answer(s) could not be graded" in captured.err
    failed = [a for a in json.loads(report.read_text())["answers"] if a["error"]]
    assert len(failed) == 1 and failed[0]["judge"] is None and "schema-invalid" in failed[0]["error"]
