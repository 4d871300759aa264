"""`drillbot bench`: run the suites, print a markdown table of every figure against its target (or JSON)."""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.common import repo_on_path

SUITES = ("overhead", "concurrency", "queries", "tokens", "offline", "memory", "interview")


@dataclass(frozen=True)
class Target:
    path: tuple[str, ...]  # where the figure sits in the suite's result
    name: str
    op: str  # ">=" or "<="
    value: float

    def check(self, figure: float | None) -> bool | None:
        if figure is None or (isinstance(figure, float) and math.isnan(figure)):
            return None
        return figure >= self.value if self.op == ">=" else figure <= self.value


def _targets() -> dict[str, list[Target]]:
    q = [Target((db, f), f"{f} ({db})", "<=", 50) for db in ("sqlite", "postgres")
         for f in ("leaderboard_ms_p95", "stats_ms_p95", "digest_ms_p95", "practice_pick_ms_p95",
                   "person_view_ms_p95")]
    q += [Target((db, "team_report_ms_p95"), f"team_report_ms_p95 ({db})", "<=", 2000)
          for db in ("sqlite", "postgres")]
    q += [Target((db, "person_card_ms_p95"), f"person_card_ms_p95 ({db})", "<=", math.inf)
          for db in ("sqlite", "postgres")]
    return {
        "overhead": [
            Target(("sqlite", "answers_per_s"), "answers_per_s (sqlite)", ">=", 500),
            Target(("sqlite", "overhead_ms_p50"), "overhead_ms_p50 (sqlite)", "<=", math.inf),
            Target(("sqlite", "overhead_ms_p99"), "overhead_ms_p99 (sqlite)", "<=", 10),
            Target(("postgres", "answers_per_s"), "answers_per_s (postgres)", ">=", 300),
            Target(("postgres", "overhead_ms_p50"), "overhead_ms_p50 (postgres)", "<=", math.inf),
            Target(("postgres", "overhead_ms_p99"), "overhead_ms_p99 (postgres)", "<=", math.inf),
            Target(("sqlite", "statements_per_answer"), "statements_per_answer (sqlite)", "<=", math.inf),
            Target(("postgres", "statements_per_answer"), "statements_per_answer (postgres)", "<=", math.inf),
            # A scored backlog with 32 grading slots (group commit): reported, no target.
            *[Target((f"{db}_burst", f), f"burst {f} ({db})", "<=", math.inf) for db in ("sqlite", "postgres")
              for f in ("answers_per_s", "statements_per_answer", "commits_per_answer")],
        ],
        "concurrency": [Target(("efficiency",), "efficiency", ">=", 0.9),
                        Target(("client_cpu_ms_per_answer",), "client_cpu_ms_per_answer", "<=", math.inf)],
        "queries": q,
        "tokens": [
            Target(("input_tokens_mean",), "input_tokens_mean", "<=", math.inf),
            Target(("prefix_tokens",), "cacheable prefix tokens", ">=", 1024),
            Target(("cacheable_prefix_share",), "cacheable_prefix_share", ">=", 0.8),
            Target(("cached_share_per_question",), "cached_share_per_question", ">=", 0.9),
            Target(("output_tokens_mean",), "output_tokens_mean", "<=", 150),
            Target(("usd_per_1000_answers",), "usd_per_1000_answers (gpt-5-mini)", "<=", 0.35),
            Target(("usd_per_1000_by_model", "gpt-4o-mini"), "usd_per_1000_answers (gpt-4o-mini)", "<=", math.inf),
        ],
        "offline": [Target(("answers_per_s",), "answers_per_s", ">=", 2000)],
        "memory": [Target(("peak_rss_mb",), "peak_rss_mb", "<=", 150)],
        "interview": [Target(("session_vs_single_ratio",), "interview session / same number of single answers",
                             "<=", 1.0)],
    }


def _suite(name: str) -> Callable[[bool], Any]:
    if name == "overhead":
        from bench import overhead

        return lambda quick: asyncio.run(overhead.run(quick))
    if name == "concurrency":
        from bench import concurrency

        return lambda quick: asyncio.run(concurrency.run(quick))
    if name == "queries":
        from bench import queries

        return lambda quick: asyncio.run(queries.run(quick))
    if name == "tokens":
        from bench import tokens

        return tokens.run
    if name == "interview":
        from bench import tokens

        return tokens.interview_run
    if name == "offline":
        from bench import offline

        return offline.run
    from bench import memory

    return memory.run


def _get(result: Any, path: tuple[str, ...]) -> float | None:
    for key in path:
        if not isinstance(result, dict) or result.get(key) is None:
            return None
        result = result[key]
    return float(result) if isinstance(result, int | float) else None


def environment() -> dict[str, str]:
    import sqlite3

    info = {"python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
            "machine": platform.machine(), "cpu": platform.processor() or platform.machine()}
    try:
        import os

        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break

        info["cpus"] = str(os.cpu_count())
        info["load_avg_1m"] = f"{os.getloadavg()[0]:.2f}"  # other work on the machine skews every figure
    except OSError:
        pass
    try:
        import asyncpg

        async def version() -> str:
            conn = await asyncpg.connect(host="127.0.0.1", port=5432, user="postgres", database="postgres", timeout=3)
            try:
                return str(await conn.fetchval("SHOW server_version"))
            finally:
                await conn.close()

        info["postgresql"] = asyncio.run(version())
    except Exception:
        info["postgresql"] = "unreachable"
    return info


def table(results: dict[str, Any], rows: list[dict[str, Any]]) -> str:
    lines = ["| suite | figure | value | target | result |", "|---|---|---|---|---|"]
    for r in rows:
        value = "—" if r["value"] is None else f"{r['value']:g}"
        target = "(reported)" if math.isinf(r["target_value"]) else f"{r['op']} {r['target_value']:g}"
        verdict = {True: "pass", False: "**miss**", None: "n/a"}[r["pass"]]
        if math.isinf(r["target_value"]) and r["pass"] is not None:
            verdict = "—"
        lines.append(f"| {r['suite']} | {r['figure']} | {value} | {target} | {verdict} |")
    return "\n".join(lines)


def run_bench(args: argparse.Namespace, settings: Any = None) -> int:
    repo_on_path()
    quick = bool(getattr(args, "quick", False))
    only = list(getattr(args, "only", None) or SUITES)
    unknown = [s for s in only if s not in SUITES]
    if unknown:
        print(f"drillbot bench: unknown suite(s) {', '.join(unknown)}; choose from {', '.join(SUITES)}",
              file=sys.stderr)
        return 2
    targets = _targets()
    results: dict[str, Any] = {}
    seconds: dict[str, float] = {}
    errors: dict[str, str] = {}
    for name in SUITES:
        if name not in only:
            continue
        if not args.json:
            print(f"running {name}…", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        try:
            results[name] = _suite(name)(quick)
        except Exception as exc:  # one broken suite must not hide the others' figures
            errors[name] = f"{type(exc).__name__}: {exc}"
            results[name] = None
        seconds[name] = round(time.perf_counter() - t0, 1)
    rows = []
    for name in results:
        for t in targets[name]:
            value = _get(results[name], t.path)
            rows.append({"suite": name, "figure": t.name, "value": value, "op": t.op, "target_value": t.value,
                         "pass": t.check(value)})
    passed = all(r["pass"] is not False for r in rows if not math.isinf(r["target_value"]))
    if args.json:
        print(json.dumps({"quick": quick, "environment": environment(), "results": results, "seconds": seconds,
                          "errors": errors,
                          "targets": [{k: (None if isinstance(v, float) and math.isinf(v) else v) for k, v in r.items()}
                                      for r in rows],
                          "all_targets_met": passed}, default=str))
    else:
        env = environment()
        print(f"drillbot bench{' --quick' if quick else ''} · {env.get('cpu')} ×{env.get('cpus', '?')} · "
              f"Python {env['python']} · SQLite {env['sqlite']} · PostgreSQL {env['postgresql']} · "
              f"load {env.get('load_avg_1m', '?')}\n")
        print(table(results, rows))
        for name, err in errors.items():
            print(f"\n{name} failed: {err}")
        print("\nseconds per suite: " + ", ".join(f"{k} {v}" for k, v in seconds.items()))
    return 1 if errors else 0
