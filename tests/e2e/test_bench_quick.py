"""`drillbot bench --quick --json` runs every suite and prints every figure as a number.

No timing assertions: the figures depend on the machine. BENCHMARKS.md records a full run.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

FIGURES = {
    ("overhead", "sqlite"): ("answers_per_s", "overhead_ms_p50", "overhead_ms_p99", "statements_per_answer"),
    ("overhead", "postgres"): ("answers_per_s", "overhead_ms_p50", "overhead_ms_p99", "statements_per_answer"),
    ("overhead", "sqlite_burst"): ("answers_per_s", "statements_per_answer", "commits_per_answer"),
    ("overhead", "postgres_burst"): ("answers_per_s", "statements_per_answer", "commits_per_answer"),
    ("concurrency",): ("efficiency", "client_cpu_ms_per_answer"),
    ("queries", "sqlite"): ("leaderboard_ms_p95", "stats_ms_p95", "digest_ms_p95", "practice_pick_ms_p95"),
    ("queries", "postgres"): ("leaderboard_ms_p95", "stats_ms_p95", "digest_ms_p95", "practice_pick_ms_p95"),
    ("tokens",): ("input_tokens_mean", "cacheable_prefix_share", "cached_share_per_question", "output_tokens_mean",
                  "usd_per_1000_answers"),
    ("offline",): ("answers_per_s",),
    ("memory",): ("peak_rss_mb",),
    ("interview",): ("question_input_tokens_mean", "follow_up_input_tokens_mean", "follow_up_cached_tokens_mean",
                     "session_vs_single_ratio"),
}


def _cmd() -> list[str]:
    exe = Path(sys.executable).with_name("drillbot")
    return [str(exe)] if exe.exists() else [shutil.which("drillbot") or "drillbot"]


def test_bench_quick_prints_every_figure(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
           "DRILLBOT_LOG_JSON": "0"}
    out = subprocess.run([*_cmd(), "bench", "--quick", "--json"], cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=600)
    report = json.loads(out.stdout) if out.stdout.lstrip().startswith("{") else {}
    # The suites' own errors first: the figures after them are long and hide the cause.
    assert out.returncode == 0, f"errors: {report.get('errors')}\n" + out.stderr[-4000:] + out.stdout[-2000:]
    assert report["quick"] is True and not report["errors"]
    results = report["results"]
    postgres = results["overhead"]["postgres"] is not None
    for path, names in FIGURES.items():
        node = results
        for key in path:
            node = node[key]
        if (node is None and path[-1].startswith("postgres") and not postgres
                and not os.environ.get("DRILLBOT_REQUIRE_POSTGRES")):
            continue  # PostgreSQL unreachable here; the runner reports it as n/a
        for name in names:
            value = node[name]
            assert isinstance(value, int | float) and not isinstance(value, bool), (path, name, value)
            assert math.isfinite(value), (path, name, value)
    assert {row["figure"] for row in report["targets"]} >= {"efficiency", "cacheable_prefix_share", "peak_rss_mb"}
