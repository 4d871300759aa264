"""`drillbot bank` commands through the real CLI."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

from tests.e2e.test_terminal import run_cli


def test_bank_stats_json(tmp_path: Path) -> None:
    out = run_cli("bank", "stats", "--json", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    stats = json.loads(out.stdout)
    assert stats["questions"] >= 80 and len(stats["by_category"]) == 7
    assert all(n >= 10 for n in stats["by_category"].values())


def test_bank_stats_table_names_difficulties_in_words_not_a_dict(tmp_path: Path) -> None:
    out = run_cli("bank", "stats", cwd=tmp_path)
    assert out.returncode == 0 and "{" not in out.stdout
    assert re.search(r"by difficulty: 1: \d+ · 2: \d+ · 3: \d+", out.stdout), out.stdout[-200:]


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


def test_bank_validate_strict_grades_the_builtin_bank_and_its_negated_answers(tmp_path: Path) -> None:
    # --strict also fails on a negated model answer scoring above 1.5, as `make test` runs it.
    bank = str(Path(__file__).resolve().parents[2] / "bank" / "questions")
    out = run_cli("bank", "validate", "--strict", bank, cwd=tmp_path)
    assert out.returncode == 0, out.stdout[-2000:]
    summary = out.stdout.strip().splitlines()[-1]
    assert "graded checks: 0 failure(s)" in summary
    assert "model_answer 0, paraphrase 0, keywords 0, question_copy 0, negated 0" in summary


def test_bank_new_then_validate_names_the_failing_checks(tmp_path: Path) -> None:
    made = run_cli("bank", "new", "--category", "evals", "--id", "my-question", "--dir", "pack", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    out = run_cli("bank", "validate", "pack", cwd=tmp_path)
    assert out.returncode == 1  # the template's TODO paraphrase is not a real answer yet
    assert "FAIL my-question: paraphrase" in out.stdout
    # Fields the graded checks never read still name their leftover placeholder.
    assert "FAIL my-question: probing: still holds a TODO placeholder" in out.stdout
    assert "FAIL my-question: tags.0: still holds a TODO placeholder" in out.stdout
    schema_only = run_cli("bank", "validate", "--no-grade", "pack", cwd=tmp_path)
    assert schema_only.returncode == 1 and "follow_ups.0.prompt: still holds a TODO" in schema_only.stdout
    again = run_cli("bank", "new", "--category", "evals", "--id", "my-question", "--dir", "pack", cwd=tmp_path)
    assert again.returncode == 2 and "not overwriting" in again.stderr


def test_bank_try_grades_a_piped_answer(tmp_path: Path) -> None:
    out = run_cli("bank", "try", "evals-eval-set-size", cwd=tmp_path,
                  stdin="The standard error is 0.04, so the interval is about plus or minus 7.8 points; "
                        "a 3-point gain is within noise.")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("score ") and "ci-width" in out.stdout and "met" in out.stdout


def test_bank_stats_calibration_reads_real_scores(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    demo = run_cli("demo", "--days", "3", "--users", "4", "--db", url, "--json", "--out", str(tmp_path / "o"),
                   cwd=tmp_path)
    assert demo.returncode == 0, demo.stderr
    out = run_cli("bank", "stats", "--calibration", "--json", cwd=tmp_path, env={"DRILLBOT_DATABASE_URL": url})
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert rows and all(r["attempts"] >= 1 for r in rows)
    assert {"mean", "spread", "share_high", "share_low", "verdict"} <= set(rows[0])


def test_bank_validate_names_generic_key_phrases_and_strict_fails_on_them(tmp_path: Path) -> None:
    from bank.loader import load_bank

    question = load_bank().all()[0].model_dump(mode="json")
    question["id"] = "team-generic"
    question["rubric"][0]["key_phrases"] = ["cost", "cost per conversation"]
    (tmp_path / "pack.yaml").write_text(yaml.safe_dump({"questions": [question]}))
    loose = run_cli("bank", "validate", "--no-grade", "pack.yaml", cwd=tmp_path)
    assert loose.returncode == 0, loose.stdout
    assert f"warning team-generic: criterion {question['rubric'][0]['id']}: key phrase 'cost'" in loose.stdout
    strict = run_cli("bank", "validate", "--strict", "--no-grade", "pack.yaml", cwd=tmp_path)
    assert strict.returncode == 1 and "FAIL team-generic" in strict.stdout
    assert "'cost per conversation'" not in strict.stdout


def test_bank_list_names_the_categories_when_one_is_unknown(tmp_path: Path) -> None:
    out = run_cli("bank", "list", "--category", "cooking", cwd=tmp_path)
    assert out.returncode == 2 and "cooking" in out.stderr and "evals" in out.stderr



def test_bank_new_into_a_file_says_so_without_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("x")
    out = run_cli("bank", "new", "--category", "evals", "--id", "my-question", "--dir", "a-file", cwd=tmp_path)
    assert out.returncode == 2 and "cannot write" in out.stderr and "Traceback" not in out.stderr


def test_a_file_level_problem_names_the_file_not_a_dash_question(tmp_path: Path) -> None:
    out = run_cli("bank", "validate", "--no-grade", str(tmp_path / "nowhere.yaml"), cwd=tmp_path)
    assert out.returncode == 1 and f"{tmp_path / 'nowhere.yaml'}: file: not found" in out.stdout
    assert "question '-'" not in out.stdout


def test_bank_try_into_a_reader_that_stops_early_ends_without_a_traceback(tmp_path: Path) -> None:
    # `drillbot bank try ID | head -3`: head exits while the verdicts are still being printed.
    proc = subprocess.Popen([sys.executable, "-m", "app.cli", "bank", "try", "evals-eval-set-size"], cwd=tmp_path,
                            env={**os.environ, "DRILLBOT_LOG_JSON": "0"}, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    proc.stdout.close()  # the reader is gone before the first line
    _, err = proc.communicate("A 3-point gap on 100 cases is within noise, so it is not an improvement.", timeout=120)
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
    assert proc.returncode == 1
