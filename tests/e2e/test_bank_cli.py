"""`drillbot bank` commands through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from tests.e2e.test_terminal import run_cli


def test_bank_stats_json(tmp_path: Path) -> None:
    out = run_cli("bank", "stats", "--json", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    stats = json.loads(out.stdout)
    assert stats["questions"] >= 80 and len(stats["by_category"]) == 7
    assert all(n >= 10 for n in stats["by_category"].values())


def test_bank_validate_lists_every_problem_and_fails(tmp_path: Path) -> None:
    bad = {"questions": [{"id": "x-1", "category": "cooking", "prompt": "short?"}, {"id": "BAD ID"}]}
    path = tmp_path / "pack.yaml"
    path.write_text(yaml.safe_dump(bad))
    out = run_cli("bank", "validate", str(path), cwd=tmp_path)
    assert out.returncode == 1
    assert "question 'x-1': category" in out.stdout and "question 'x-1': model_answer" in out.stdout
    assert "question 'BAD ID': id" in out.stdout


def test_bank_show_and_list(tmp_path: Path) -> None:
    shown = run_cli("bank", "show", "evals-judge-validation", cwd=tmp_path)
    assert shown.returncode == 0 and "Rubric" in shown.stdout and "Model answer" in shown.stdout
    as_json = run_cli("bank", "show", "evals-judge-validation", "--json", cwd=tmp_path)
    assert as_json.returncode == 0 and json.loads(as_json.stdout)["id"] == "evals-judge-validation"
    missing = run_cli("bank", "show", "no-such-question", cwd=tmp_path)
    assert missing.returncode == 1 and "bank list" in missing.stderr
    listed = run_cli("bank", "list", "--category", "behavioural", cwd=tmp_path)
    assert listed.returncode == 0 and "beh-" in listed.stdout and "fund-" not in listed.stdout
