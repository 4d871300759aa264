"""`drillbot eval --judge openai` against the fake OpenAI server, through the real openai client."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import build_parser
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
        assert _run([str(evalset)], _settings(fake.base_url), "--concurrency", "1", "--report", str(report),
                    "--allow-failures", "1") == 0
    captured = capsys.readouterr()
    figs = json.loads(captured.out)
    assert figs["failures"] == 1 and figs["n"] == 3 and figs["failures_by_reason"] == {"malformed": 1}
    assert "1 of 4 answer(s) could not be graded (malformed 1)" in captured.err
    failed = [a for a in json.loads(report.read_text())["answers"] if a["error"]]
    assert len(failed) == 1 and failed[0]["judge"] is None and "schema-invalid" in failed[0]["error"]
    assert failed[0]["failure_reason"] == "malformed"


def test_eval_exits_non_zero_when_answers_failed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Defect: `drillbot eval` exited 0 when 42 of 43 answers failed to be judged.
    evalset = write_set(tmp_path / "tiny.yaml")
    script = [Behaviour(kind="length"), Behaviour(kind="length"), "wrong_shape", "wrong_shape", "error_500"]
    with FakeOpenAI(script=script, default="valid") as fake:
        settings = _settings(fake.base_url)
        code = _run([str(evalset)], settings, "--concurrency", "1", "--report", str(tmp_path / "r.json"))
    captured = capsys.readouterr()
    assert code == 3
    figs = json.loads(captured.out)
    # The SDK retries the 500 (max_retries=2) and then succeeds, so two answers failed, each for its reason.
    assert figs["failures"] == 2 and figs["failures_by_reason"] == {"length": 1, "wrong_shape": 1}
    assert "length 1, wrong_shape 1" in captured.err and "more than --allow-failures 0" in captured.err
    with FakeOpenAI(default="error_500") as fake:
        assert _run([str(evalset)], _settings(fake.base_url), "--concurrency", "2") == 3
    figs = json.loads(capsys.readouterr().out)
    assert figs["failures"] == 4 and figs["failures_by_reason"] == {"transport": 4}


def test_price_models_unknown_model_and_reasoning_tokens(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    evalset = write_set(tmp_path / "tiny.yaml")
    with FakeOpenAI(default=Behaviour(prompt_tokens=1000, completion_tokens=200, reasoning_tokens=80)) as fake:
        args = build_parser().parse_args(["eval", str(evalset), "--judge", "openai", "--model", "acme-judge",
                                          "--json", "--price-models", "gpt-5-mini,gpt-4o-mini,nobody-knows",
                                          "--concurrency", "1"])
        assert run_eval(args, _settings(fake.base_url)) == 0
        # Answers to one question are sent back to back (shared cached prefix).
        sent = [r.body["prompt_cache_key"] for r in fake.requests]
    assert sent == sorted(sent)
    figs = json.loads(capsys.readouterr().out)
    assert figs["cost_per_1000_usd"] is None and figs["cost_unknown_models"] == ["acme-judge"]  # unknown, not $0
    by_model = figs["cost_per_1000_by_model"]
    # completion_tokens (200) already include the 80 reasoning tokens, as OpenAI reports them.
    assert by_model["gpt-5-mini"] == pytest.approx((1000 * 0.25 + 200 * 2.0) / 1000, rel=1e-3)
    assert by_model["gpt-4o-mini"] > 0 and by_model["nobody-knows"] is None
    assert figs["reasoning_tokens_mean"] == 80


def test_estimate_counts_tokens_and_dollars_without_calling(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    evalset = write_set(tmp_path / "tiny.yaml")
    with FakeOpenAI() as fake:
        assert _run([str(evalset)], _settings(fake.base_url), "--estimate", "--price-models", "gpt-4o-mini") == 0
        assert fake.requests == []
    out = json.loads(capsys.readouterr().out)
    assert out["answers"] == 4 and out["input_tokens"] > 4 * 1024 and 0 < out["output_tokens"] < 4 * 150
    assert set(out["usd_total_by_model"]) == {MODEL, "gpt-4o-mini"} and all(out["usd_total_by_model"].values())


def test_batch_eval_submits_polls_resumes_and_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    evalset = write_set(tmp_path / "tiny.yaml")
    state = tmp_path / "batch.json"
    report = tmp_path / "report.json"
    usage = Behaviour(prompt_tokens=1000, cached_tokens=0, completion_tokens=100)
    with FakeOpenAI(script=[usage, "length"], default=usage) as fake:  # the second answer sent stops on length
        fake.batch_polls = 4
        settings = _settings(fake.base_url)
        common = ["--batch", "--batch-state", str(state), "--batch-poll-s", "0.01"]
        # The batch is not done within the wait: the run stops, keeping the batch id to resume.
        assert _run([str(evalset)], settings, *common, "--batch-wait-s", "0") == 3
        assert "rerun to resume" in capsys.readouterr().err
        saved = json.loads(state.read_text())
        assert list(fake.batches) == [saved["batch_id"]] and fake.requests == []
        # The rerun resumes the same batch (no second upload or batch) and reports as the sync path does.
        code = _run([str(evalset)], settings, *common, "--report", str(report), "--allow-failures", "1",
                    "--price-models", "gpt-4o-mini")
        assert code == 0
        assert len(fake.batches) == 1 and len(fake.files) == 2  # the input file and the output file
        sent = [r.body for r in fake.requests]
    figs = json.loads(capsys.readouterr().out)
    assert not state.exists()
    assert figs["batch"] is True and figs["n"] == 3 and figs["failures_by_reason"] == {"length": 1}
    assert all(b["model"] == MODEL and b["response_format"]["type"] == "json_schema" for b in sent)
    assert [b["prompt_cache_key"] for b in sent] == sorted(b["prompt_cache_key"] for b in sent)
    answers = {a["id"]: a for a in json.loads(report.read_text())["answers"]}
    assert answers["good"]["judge"] == 10.0 and answers["inject"]["judge"] < 10.0
    assert answers["weak"]["failure_reason"] == "length" and answers["weak"]["judge"] is None
    # Half the list price: the Batch API discount.
    full = PriceTable().cost(MODEL, Usage(1000, 0, 100)).usd
    assert answers["good"]["cost_usd"] == pytest.approx(full / 2)
    assert figs["cost_per_1000_by_model"]["gpt-4o-mini"] == pytest.approx(
        PriceTable().cost("gpt-4o-mini", Usage(1000, 0, 100)).usd / 2 * 1000)


def test_batch_state_of_another_eval_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    evalset = write_set(tmp_path / "tiny.yaml")
    state = tmp_path / "batch.json"
    state.write_text(json.dumps({"batch_id": "batch-x", "fingerprint": "other"}))
    with FakeOpenAI() as fake:
        assert _run([str(evalset)], _settings(fake.base_url), "--batch", "--batch-state", str(state)) == 3
        assert fake.batches == {}
    assert "different eval" in capsys.readouterr().err
