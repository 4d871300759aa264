"""The Dockerfile's build steps work in a clean virtualenv (no docker engine here), without dev extras.

It runs in every `make test`: since the runtime install dropped scipy and scikit-learn it takes about 35 s
with pip's download cache warm (the project's own install has just filled it). Set DRILLBOT_SKIP_SLOW_TESTS=1
to leave it out of a quick local run.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def build_stage() -> tuple[list[str], list[str]]:
    """The COPY sources and RUN commands of the Dockerfile's first (build) stage."""
    copies, runs, stage = [], [], 0
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.startswith("FROM "):
            stage += 1
        elif stage == 1 and line.startswith("COPY ") and "--from" not in line:
            copies += shlex.split(line)[1:-1]
        elif stage == 1 and line.startswith("RUN "):
            runs.append(line[4:])
    return copies, runs


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("DRILLBOT_SKIP_SLOW_TESTS") == "1", reason="DRILLBOT_SKIP_SLOW_TESTS=1 is set")
def test_dockerfile_install_works_in_a_clean_virtualenv(tmp_path: Path) -> None:
    copies, runs = build_stage()
    assert runs and "dev" not in " ".join(runs)
    src = tmp_path / "src"
    src.mkdir()
    for name in copies:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, src / name)
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    bin_dir = env_dir / "bin"
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "PYTHONWARNINGS": "default"}
    env.pop("PYTHONPATH", None)
    install = tmp_path / "install"
    for command in runs:
        done = subprocess.run(command.replace("/install", str(install)), shell=True, cwd=src, env=env,
                              capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        assert "License classifiers are deprecated" not in done.stdout + done.stderr
        assert "`project.license` as a TOML table is deprecated" not in done.stdout + done.stderr
    site = next(install.glob("lib/python3*/site-packages"))
    assert not list(site.glob("pytest*")) and not list(site.glob("simcord*"))  # no dev extras
    assert not list(site.glob("scipy*")) and not list(site.glob("sklearn*"))  # the eval's statistics are plain Python
    run_env = {**env, "PYTHONPATH": str(site)}
    work = tmp_path / "work"
    work.mkdir()
    doctor = subprocess.run([str(bin_dir / "python"), str(install / "bin" / "drillbot"), "doctor"], cwd=work,
                            env=run_env, capture_output=True, text=True, timeout=300)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert "question bank: " in doctor.stdout and sys.version_info >= (3, 11)
    # The judge eval and its gate run from the installed package data, as `make test` runs them.
    evals = site / "bank" / "evals"
    gate = subprocess.run([str(bin_dir / "python"), str(install / "bin" / "drillbot"), "eval", str(evals),
                           "--judge", "offline", "--json", "--gate", str(evals / "thresholds.yaml")], cwd=work,
                          env=run_env, capture_output=True, text=True, timeout=600)
    assert gate.returncode == 0, gate.stdout[-3000:] + gate.stderr[-3000:]
    assert json.loads(gate.stdout)["qwk"] is not None
