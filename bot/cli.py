"""The `drillbot` command line."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import re
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bank.loader import Bank
from bot import logs
from bot.config import ConfigError, Settings, load_settings
from bot.leader import SecondSchedulerError

log = logging.getLogger("drillbot")


def _settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        print(f"drillbot: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def _secrets(settings: Settings) -> list[str]:
    values = [settings.openai_api_key, settings.slack_bot_token, settings.slack_app_token,
              settings.slack_signing_secret, settings.discord_token]
    return [v.get_secret_value() for v in values if v is not None]


# run -----------------------------------------------------------------------------------------------
async def _run(settings: Settings, port: int) -> None:
    from bot.clock import SystemClock
    from bot.core import Core
    from bot.scheduler import Scheduler
    from bot.wiring import budget_from_settings, judge_from_settings

    clock = SystemClock()
    budget = budget_from_settings(settings, clock)
    core = await Core.create(settings, judge_from_settings(settings, budget), clock=clock)
    if budget is not None:
        await budget.load(core.ctx)
        core.worker.listeners.append(budget.observe)
    if settings.metrics_port:
        from bot.metrics import serve_metrics

        serve_metrics(core, settings.metrics_port)
    scheduler = Scheduler(core)
    stop = asyncio.Event()
    tasks: list[asyncio.Task] = [asyncio.create_task(core.worker.run_forever(stop))]
    platforms = settings.platforms
    try:
        if "console" in platforms:
            from adapters.console.app import ConsoleSession
            from adapters.console.platform import CHANNEL, ConsolePlatform

            platform = ConsolePlatform(image_dir=Path("drillbot-data"))
            core.register(platform)
            await core.ensure_channel(CHANNEL, "general")  # a restart keeps settings changed with /config
            await scheduler.start()
            await core.post_round(CHANNEL, force=True)
            await ConsoleSession(core, platform).run()
            return
        runners = []
        if "slack" in platforms:
            from adapters.slack import run_slack

            runners.append(run_slack(settings, core, port=port))
        if "discord" in platforms:
            from adapters.discord import run_discord

            runners.append(run_discord(settings, core))
        await scheduler.start()
        await asyncio.gather(*runners)
    finally:
        stop.set()
        core.worker.wake()
        await scheduler.shutdown()
        for task in tasks:
            # Let an answer being scored finish and its reply go out; cancel only if it takes too long.
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(task, timeout=settings.judge_timeout_s)
        await core.close()


def cmd_run(args: argparse.Namespace) -> int:
    settings = _settings()
    logs.setup(settings.log_level if settings.platforms != ["console"] else "WARNING", settings.log_json,
               _secrets(settings))
    try:
        asyncio.run(_run(settings, args.port))
    except ModuleNotFoundError as exc:
        print(f"drillbot: the {exc.name} adapter is not available in this installation: {exc}", file=sys.stderr)
        return 2
    except (SecondSchedulerError, ConfigError) as exc:
        print(f"drillbot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0


# demo ----------------------------------------------------------------------------------------------
def cmd_demo(args: argparse.Namespace) -> int:
    from bot.demo import run_demo

    if args.days < 1 or args.users < 1 or args.days > 366 or args.users > 500:
        print("drillbot demo: --days must be 1-366 and --users 1-500", file=sys.stderr)
        return 2
    settings = _settings()
    logs.setup("WARNING", settings.log_json, _secrets(settings))
    console = None if args.json else Console()
    result = asyncio.run(run_demo(settings, days=args.days, users=args.users, out=Path(args.out),
                                  db_url=args.db, console=console))
    if args.json:
        print(json.dumps(result.as_json()))
    return 0


# db ------------------------------------------------------------------------------------------------
def cmd_db(args: argparse.Namespace) -> int:
    from bot.store.db import upgrade

    settings = _settings()
    logs.setup("INFO", settings.log_json, _secrets(settings))
    upgrade(settings.database_url)
    print("database is at the latest schema")
    return 0


# bank ----------------------------------------------------------------------------------------------
def cmd_bank(args: argparse.Namespace) -> int:
    from bank.loader import BUILTIN_DIR, collect

    settings = _settings()
    if args.bank_cmd == "validate":
        paths = [Path(p) for p in args.paths] or [BUILTIN_DIR, *settings.pack_dirs]
        bank, problems = collect(paths)
        for p in problems:
            print(p)
        print(f"{len(bank)} valid question(s), {len(problems)} problem(s)")
        return 1 if problems else 0
    bank, problems = collect([BUILTIN_DIR, *settings.pack_dirs])
    if problems:
        for p in problems:
            print(p, file=sys.stderr)
        return 1
    console = Console()
    if args.bank_cmd == "list":
        table = Table("id", "category", "difficulty", "prompt", header_style="bold")
        for q in bank.all():
            if (args.category and q.category != args.category) or (args.difficulty and q.difficulty != args.difficulty):
                continue
            table.add_row(q.id, q.category, str(q.difficulty), q.prompt[:70])
        console.print(table)
        return 0
    if args.bank_cmd == "show":
        q = bank.get(args.id)
        if q is None:
            print(f"no question with id {args.id!r}; `drillbot bank list` shows them", file=sys.stderr)
            return 1
        console.print_json(q.model_dump_json())
        return 0
    by_cat = Counter(q.category.value for q in bank.all())
    by_diff = Counter(str(q.difficulty) for q in bank.all())
    stats = {"questions": len(bank), "by_category": dict(sorted(by_cat.items())),
             "by_difficulty": dict(sorted(by_diff.items()))}
    if args.json:
        print(json.dumps(stats))
    else:
        table = Table("category", "questions", header_style="bold")
        for cat, n in stats["by_category"].items():
            table.add_row(cat, str(n))
        console.print(table)
        console.print(f"{len(bank)} questions; by difficulty: {stats['by_difficulty']}")
    return 0


# report --------------------------------------------------------------------------------------------
def parse_since(text: str) -> timedelta:
    m = re.fullmatch(r"(\d+)\s*([hdw])", text.strip().lower())
    if not m:
        raise ValueError(f"--since {text!r}: use a number with h, d or w, e.g. 24h, 7d, 4w")
    n, unit = int(m.group(1)), m.group(2)
    return timedelta(hours=n) if unit == "h" else timedelta(days=n * (7 if unit == "w" else 1))


async def _report(settings: Settings, since: timedelta) -> dict:
    from bot.clock import SystemClock
    from bot.services.catalog import Catalog
    from bot.services.context import Context
    from bot.services.operations import activity
    from bot.store import db

    await db.upgrade_async(settings.database_url)
    engine = db.create_engine(settings.database_url)
    try:
        ctx = Context(settings, db.session_factory(engine), SystemClock(), Catalog(Bank()))
        return (await activity(ctx, since)).as_dict()
    finally:
        await engine.dispose()


async def _team_report(settings: Settings, weeks: int):  # type: ignore[no-untyped-def]
    from bot.clock import SystemClock
    from bot.services import team_report
    from bot.services.catalog import Catalog
    from bot.services.context import Context
    from bot.store import db

    await db.upgrade_async(settings.database_url)
    engine = db.create_engine(settings.database_url)
    try:
        ctx = Context(settings, db.session_factory(engine), SystemClock(), Catalog(Bank()))
        return await team_report.build(ctx, weeks)
    finally:
        await engine.dispose()


def cmd_team_report(args: argparse.Namespace) -> int:
    """`report --html FILE` / `--csv DIR`: the admins' team report over whole ISO weeks (default 8w)."""
    from bot.report_html import write_csv, write_html

    try:
        span = parse_since(args.since or "8w")
    except ValueError as exc:
        print(f"drillbot report: {exc}", file=sys.stderr)
        return 2
    weeks = max(1, min(104, -(-span.days // 7)))
    settings = _settings()
    logs.setup("WARNING", settings.log_json, _secrets(settings))
    report = asyncio.run(_team_report(settings, weeks))
    if args.html:
        write_html(report, Path(args.html))
        print(f"team report written to {args.html}")
    if args.csv:
        for path in write_csv(report, Path(args.csv)):
            print(f"table written to {path}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    if args.html or args.csv:
        return cmd_team_report(args)
    args.since = args.since or "7d"
    try:
        since = parse_since(args.since)
    except ValueError as exc:
        print(f"drillbot report: {exc}", file=sys.stderr)
        return 2
    settings = _settings()
    logs.setup("WARNING", settings.log_json, _secrets(settings))
    report = asyncio.run(_report(settings, since))
    if args.json:
        print(json.dumps(report))
        return 0
    table = Table("figure", "value", title=f"drillbot activity, last {args.since}", header_style="bold")
    for key, value in report.items():
        table.add_row(key.replace("_", " "), json.dumps(value) if isinstance(value, dict) else str(value))
    Console().print(table)
    return 0


# eval and bench live beside the core; imported only when used -------------------------------------
def cmd_eval(args: argparse.Namespace) -> int:
    from scoring.eval_cli import run_eval

    settings = _settings()
    logs.setup("WARNING", settings.log_json, _secrets(settings))
    return run_eval(args, settings)


def cmd_bench(args: argparse.Namespace) -> int:
    from bench.runner import run_bench

    settings = _settings()
    logs.setup("WARNING", settings.log_json, _secrets(settings))
    return run_bench(args, settings)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="drillbot", description="AI-engineering interview practice bot.")
    sub = parser.add_subparsers(dest="cmd", required=True)

    run = sub.add_parser("run", help="run the bot (terminal platform unless Slack/Discord tokens are set)")
    run.add_argument("--port", type=int, default=3000, help="HTTP port for Slack's Events API mode")
    run.set_defaults(func=cmd_run)

    demo = sub.add_parser("demo", help="simulate days of rounds with simulated people, in seconds")
    demo.add_argument("--days", type=int, default=7)
    demo.add_argument("--users", type=int, default=5)
    demo.add_argument("--db", default=None, help="database URL (default: a fresh temporary SQLite file)")
    demo.add_argument("--out", default="demo-out", help="directory for the digest chart")
    demo.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    demo.set_defaults(func=cmd_demo)

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_cmd", required=True)
    db_sub.add_parser("upgrade", help="apply migrations").set_defaults(func=cmd_db)

    bank = sub.add_parser("bank", help="the question bank")
    bank_sub = bank.add_subparsers(dest="bank_cmd", required=True)
    validate = bank_sub.add_parser("validate", help="validate the bank or given files/directories")
    validate.add_argument("paths", nargs="*")
    lst = bank_sub.add_parser("list", help="list questions")
    lst.add_argument("--category")
    lst.add_argument("--difficulty", type=int, choices=(1, 2, 3))
    show = bank_sub.add_parser("show", help="show one question")
    show.add_argument("id")
    stats = bank_sub.add_parser("stats", help="totals by category and difficulty")
    stats.add_argument("--json", action="store_true")
    bank.set_defaults(func=cmd_bank)

    report = sub.add_parser("report", help="answers, judge calls, tokens, cost, latency and flags")
    report.add_argument("--since", default=None,
                        help="how far back: e.g. 24h, 7d, 4w (default 7d; 8w with --html/--csv)")
    report.add_argument("--json", action="store_true")
    report.add_argument("--html", default=None, metavar="FILE", help="write the team report as one HTML file")
    report.add_argument("--csv", default=None, metavar="DIR", help="write the team report's tables as CSV files")
    report.set_defaults(func=cmd_report)

    ev = sub.add_parser("eval", help="measure a judge against human-graded answer sets")
    ev.add_argument("paths", nargs="+", metavar="PATH", help="eval set files or directories (YAML or JSON)")
    ev.add_argument("--judge", choices=("offline", "openai"), default="offline")
    ev.add_argument("--model", default=None, help="judge model for --judge openai")
    ev.add_argument("--concurrency", type=int, default=8)
    ev.add_argument("--json", action="store_true", help="print one JSON object")
    ev.add_argument("--report", default=None, metavar="FILE", help="write the figures and every per-answer result")
    ev.add_argument("--gate", default=None, metavar="FILE", help="fail (exit 1) below the thresholds in FILE")
    ev.set_defaults(func=cmd_eval)

    bench = sub.add_parser("bench", help="run the benchmarks and print their figures")
    bench.add_argument("--quick", action="store_true", help="small sizes, under 2 minutes")
    bench.add_argument("--json", action="store_true", help="print one JSON object")
    bench.add_argument("--only", action="append", default=None, metavar="SUITE",
                       help="overhead, concurrency, queries, tokens, offline, memory (repeatable)")
    bench.set_defaults(func=cmd_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
