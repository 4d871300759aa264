"""The `drillbot` command line."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import re
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from bank.loader import Bank
from bank.schema import Category, Question
from bot import logs
from bot.config import ConfigError, Settings, load_settings
from bot.leader import SecondSchedulerError

if TYPE_CHECKING:
    from bot.services.context import Context

log = logging.getLogger("drillbot")
T = TypeVar("T")


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


def _settings_logged(level: str = "WARNING") -> Settings:
    """Settings for a one-shot command, with logging set up at `level` and secrets scrubbed."""
    settings = _settings()
    logs.setup(level, settings.log_json, _secrets(settings))
    return settings


# run -----------------------------------------------------------------------------------------------
async def _run(settings: Settings, port: int) -> None:
    from app.wiring import budget_from_settings, judge_from_settings
    from bot.clock import SystemClock
    from bot.core import Core
    from bot.scheduler import Scheduler

    clock = SystemClock()
    budget = budget_from_settings(settings, clock)
    core = await Core.create(settings, judge_from_settings(settings, budget), clock=clock)
    if budget is not None:
        await budget.load(core.ctx)
        core.worker.listeners.append(budget.observe)
    if settings.metrics_port:
        from bot.metrics import serve_metrics

        serve_metrics(core, settings.metrics_port)
    slack_http = "slack" in settings.platforms and settings.slack_app_token is None
    health_port = settings.health_port or (port if "console" not in settings.platforms and not slack_http else None)
    health_server = None
    if health_port:  # in Slack's HTTP mode without DRILLBOT_HEALTH_PORT, Slack's server answers them
        from bot.health import serve_health

        health_server = await serve_health(core, health_port)
    scheduler = Scheduler(core)
    stop = asyncio.Event()
    # SIGTERM (docker stop, systemd) is handled like Ctrl-C: the main task is cancelled, so scoring stops
    # claiming and in-flight work finishes below; events stored but not processed wait in the inbox.
    main_task = asyncio.current_task()
    if main_task is not None:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main_task.cancel)
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

            runners.append(_platform_start("Slack", run_slack(settings, core, port=port)))
        if "discord" in platforms:
            from adapters.discord import run_discord

            runners.append(_platform_start("Discord", run_discord(settings, core)))
        await scheduler.start()
        await asyncio.gather(*runners)
    finally:
        stop.set()
        core.worker.wake()
        await scheduler.shutdown()
        if health_server is not None:
            health_server.close()
        for task in tasks:
            # Let an answer being scored finish and its reply go out; cancel only if it takes too long.
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(task, timeout=settings.judge_timeout_s)
        await core.close()


async def _platform_start(name: str, runner: Awaitable[None]) -> None:
    from bot.startup import PlatformError

    try:
        await runner
    except (ConfigError, asyncio.CancelledError):
        raise
    except Exception as exc:
        raise PlatformError(name) from exc


def _refuse_bad_start(settings: Settings) -> None:
    from bot.startup import problems

    for problem in problems(settings):
        print(f"drillbot: {problem}", file=sys.stderr)
        raise SystemExit(2)


def _explained(exc: Exception, settings: Settings) -> int:
    """Print a known start-up failure as one line naming the fix (exit 2); re-raise any other failure."""
    from bot.startup import explain

    message = explain(exc, settings)
    if message is None:
        raise exc
    log.debug("start-up failure", exc_info=exc)
    print(f"drillbot: {message}", file=sys.stderr)
    return 2


def cmd_run(args: argparse.Namespace) -> int:
    settings = _settings()
    _refuse_bad_start(settings)
    logs.setup(settings.log_level if settings.platforms != ["console"] else "WARNING", settings.log_json,
               _secrets(settings))
    if settings.judge == "offline" and settings.platforms != ["console"]:
        # For the operator, once: candidates never see this (their replies say only who scored them).
        log.warning("scoring with the offline rubric judge; for LLM grading set DRILLBOT_JUDGE=openai and "
                    "OPENAI_API_KEY (see docs/slack.md, 'Choosing the judge')")
    try:
        asyncio.run(_run(settings, args.port))
    except ModuleNotFoundError as exc:
        print(f"drillbot: the {exc.name} adapter is not available in this installation: {exc}", file=sys.stderr)
        return 2
    except (SecondSchedulerError, ConfigError) as exc:
        print(f"drillbot: {exc}", file=sys.stderr)
        return 2
    except (KeyboardInterrupt, asyncio.CancelledError):  # Ctrl-C or SIGTERM: a clean stop
        pass
    except Exception as exc:
        return _explained(exc, settings)
    return 0


def bank_list_table(questions: list) -> Table:
    """Ids are never cut (they are what `bank show` takes); the prompt wraps instead."""
    table = Table("id", "category", "difficulty", "prompt", header_style="bold")
    table.columns[0].no_wrap = True
    table.columns[0].min_width = max((len(q.id) for q in questions), default=2)
    for q in questions:
        table.add_row(q.id, str(q.category.value if hasattr(q.category, "value") else q.category),
                      str(q.difficulty), q.prompt[:70] + ("…" if len(q.prompt) > 70 else ""))
    return table


def bank_question_view(q) -> object:  # type: ignore[no-untyped-def]
    """One question for a human: prompt, rubric, model answer, probing point and follow-ups."""
    from rich.console import Group
    from rich.markup import escape
    from rich.panel import Panel

    from bank.schema import category_label

    rubric = "\n".join(f"• {escape(c.text)}" + (f" (weight {c.weight})" if c.weight > 1 else "") for c in q.rubric)
    follow = "\n".join(f"• {escape(f.prompt)}" for f in q.follow_ups)
    parts = [escape(q.prompt), "", "[bold]Rubric[/bold]", rubric, "", "[bold]Model answer[/bold]",
             escape(q.model_answer)]
    if q.probing:
        parts += ["", "[bold]What the interviewer is probing for[/bold]", escape(q.probing)]
    if follow:
        parts += ["", "[bold]Follow-ups[/bold]", follow]
    title = f"{escape(q.id)} · {escape(category_label(q.category))} · difficulty {q.difficulty}"
    return Panel(Group(*parts), title=title, expand=True)


# doctor --------------------------------------------------------------------------------------------
def cmd_doctor(args: argparse.Namespace) -> int:
    from app.doctor import FAIL, run_checks

    settings = _settings()
    logs.setup("ERROR", False, _secrets(settings))
    checks = asyncio.run(run_checks(settings, live=args.live))
    for check in checks:
        print(check.line())
    failed = sum(c.status == FAIL for c in checks)
    print(f"{len(checks)} checks, {failed} failed" + ("" if args.live else "; --live also makes one judge call"))
    return 1 if failed else 0


# demo ----------------------------------------------------------------------------------------------
def cmd_demo(args: argparse.Namespace) -> int:
    from app.demo import run_demo

    if args.days < 1 or args.users < 1 or args.days > 366 or args.users > 500:
        print("drillbot demo: --days must be 1-366 and --users 1-500", file=sys.stderr)
        return 2
    settings = _settings_logged()
    if args.db is not None:
        try:  # the same check DATABASE_URL gets, reported as one line naming the flag
            settings = settings.model_copy(update={"database_url": Settings(database_url=args.db).database_url})
        except ValidationError as exc:
            reason = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
            print(f"drillbot demo: --db {args.db!r}: {reason}", file=sys.stderr)
            return 2
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"drillbot demo: --out {args.out}: cannot create that folder ({exc.strerror or exc})", file=sys.stderr)
        return 2
    console = None if args.json else Console()
    try:
        result = asyncio.run(run_demo(settings, days=args.days, users=args.users, out=out,
                                      db_url=args.db, console=console))
    except Exception as exc:  # e.g. an unreachable PostgreSQL given with --db: one line naming the fix
        return _explained(exc, settings)
    if args.json:
        print(json.dumps(result.as_json()))
    return 0


# db ------------------------------------------------------------------------------------------------
def cmd_db(args: argparse.Namespace) -> int:
    from bot.store.db import upgrade

    settings = _settings_logged("INFO")
    upgrade(settings.database_url)
    print("database is at the latest schema")
    return 0


def cmd_db_verify(args: argparse.Namespace) -> int:
    """Recompute every person's points, category stats and streak from history and report drift from the
    stored (incrementally updated) figures; exit 1 on any drift."""
    settings = _settings_logged()
    people, drift = read_stored(settings, _verify)
    if args.json:
        print(json.dumps({"people": people, "drift": [
            {"member_id": d.member_id, "user_key": d.user_key, "what": d.what, "stored": str(d.stored),
             "expected": str(d.expected)} for d in drift]}))
    else:
        for d in drift:
            print(f"{d.user_key} (member {d.member_id}): {d.what}: stored {d.stored}, recomputed {d.expected}")
        drifted = len({d.member_id for d in drift})
        print(f"{people} people checked, {drifted} with drift")
    return 1 if drift else 0


@contextlib.asynccontextmanager
async def stored_data(settings: Settings) -> AsyncIterator[Context]:
    """The core's context over the configured database, migrated, for a command that reads or exports stored
    rows: no platform and no question bank are loaded."""
    from bot.clock import SystemClock
    from bot.services.catalog import Catalog
    from bot.services.context import Context
    from bot.store import db

    await db.upgrade_async(settings.database_url)
    engine = db.create_engine(settings.database_url)
    try:
        yield Context(settings, db.session_factory(engine), SystemClock(), Catalog(Bank()))
    finally:
        await engine.dispose()


def read_stored(settings: Settings, read: Callable[[Context], Awaitable[T]]) -> T:
    """Run one read (or export) over `stored_data` to completion."""

    async def run() -> T:
        async with stored_data(settings) as ctx:
            return await read(ctx)

    return asyncio.run(run())


async def _verify(ctx: Context):  # type: ignore[no-untyped-def]
    from bot.services import progress

    return await progress.people_with_answers(ctx), await progress.verify(ctx)


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
        todo = _todo_placeholders(bank)
        generic = _generic_phrases(bank, strict=args.strict)
        failed = _grade_checks(bank, paths, strict=args.strict) if not args.no_grade else 0
        return 1 if problems or todo or failed or (generic and args.strict) else 0
    if args.bank_cmd == "new":
        return _bank_new(args)
    bank, problems = collect([BUILTIN_DIR, *settings.pack_dirs])
    if problems:
        for p in problems:
            print(p, file=sys.stderr)
        return 1
    console = Console()
    if args.bank_cmd == "list":
        console.print(bank_list_table([q for q in bank.all() if not (
            (args.category and q.category != args.category) or (args.difficulty and q.difficulty != args.difficulty))]))
        return 0
    if args.bank_cmd in ("show", "try"):
        q = bank.get(args.id)
        if q is None:
            print(f"no question with id {args.id!r}; `drillbot bank list` shows them", file=sys.stderr)
            return 1
        if args.bank_cmd == "try":
            return _bank_try(q)
        if args.json:
            print(q.model_dump_json())
        else:
            console.print(bank_question_view(q))
        return 0
    if args.calibration:
        return _bank_calibration(settings, args.json, console)
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
        by_level = " · ".join(f"{level}: {n}" for level, n in stats["by_difficulty"].items())
        console.print(f"{len(bank)} questions; by difficulty: {by_level}")
    return 0


def _todo_placeholders(bank: Bank) -> int:
    """Print each field still holding a template TODO (bank/lint.py); always a failure."""
    from bank.lint import todo_placeholders

    lines = [line for q in bank.all() for line in todo_placeholders(q)]
    for line in lines:
        print(f"FAIL {line}")
    return len(lines)


def _generic_phrases(bank: Bank, *, strict: bool) -> int:
    """Print each key phrase that is one generic word (bank/lint.py); a failure when strict."""
    from bank.lint import generic_key_phrases

    lines = [line for q in bank.all() for line in generic_key_phrases(q)]
    for line in lines:
        print(f"{'FAIL' if strict else 'warning'} {line}")
    if lines:
        print(f"{len(lines)} generic key phrase(s); replace each with words a wrong answer would not use")
    return len(lines)


def _grade_checks(bank: Bank, paths: list[Path], *, strict: bool) -> int:
    """Grade each question's probe answers (bank/checks.py); print failures and warnings; return the
    number of failures that fail validation."""
    from bank.checks import CHECKS, failures, load_paraphrases, run_checks

    paraphrases, problems = load_paraphrases(paths)
    for p in problems:
        print(p)
    results = run_checks(bank.all(), paraphrases)
    gating = failures(results, strict=strict)
    warnings = [r for r in results if not r.passed and r not in gating]
    for r in gating:
        print(f"FAIL {r}")
    for r in warnings:
        print(f"warning {r}")
    counts = ", ".join(f"{c} {sum(1 for r in results if r.check == c and not r.passed)}" for c in CHECKS)
    print(f"graded checks: {len(gating)} failure(s), {len(warnings)} warning(s); failing per check: {counts}")
    return len(gating) + len(problems)


def _bank_new(args: argparse.Namespace) -> int:
    from bank.authoring import TemplateError, write_template

    try:
        path = write_template(args.category, args.id, Path(args.dir))
    except TemplateError as exc:
        print(f"drillbot bank new: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # --dir names a file, or a folder we may not write to
        print(f"drillbot bank new: cannot write into --dir {args.dir}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"wrote {path}; edit it, then run `drillbot bank validate {path.parent}`")
    return 0


def _bank_try(q: Question) -> int:
    """Grade one answer typed in the terminal (or piped in) with the offline judge, as a pack author would."""
    from scoring.offline import OfflineJudge

    if sys.stdin.isatty():
        print(f"{q.prompt}\n\nType your answer, then Ctrl-D on an empty line:", flush=True)
    answer = sys.stdin.read().strip()
    if not answer:
        print("drillbot bank try: no answer given", file=sys.stderr)
        return 2
    verdict = OfflineJudge().grade_sync(q, answer)
    flags = f"  flags: {', '.join(verdict.flags)}" if verdict.flags else ""
    print(f"score {verdict.total}/10 ({verdict.status}){flags}")
    for c in verdict.criteria:
        evidence = f'  "{c.evidence}"' if c.evidence else ""
        print(f"  {c.verdict:<7} {c.id} (weight {c.weight}){evidence}")
    print(verdict.feedback)
    return 0


def _bank_calibration(settings: Settings, as_json: bool, console: Console) -> int:
    from bot.services.calibration import calibration

    rows = read_stored(settings, calibration)
    if as_json:
        print(json.dumps([r.as_dict() for r in rows]))
        return 0
    table = Table("question", "attempts", "mean", "spread", ">= 8", "<= 3", "verdict", header_style="bold")
    for r in rows:
        table.add_row(r.qid, str(r.attempts), f"{r.mean:.1f}", f"{r.spread:.1f}", f"{r.share_high:.0%}",
                      f"{r.share_low:.0%}", r.verdict)
    console.print(table)
    console.print(f"{sum(r.flagged for r in rows)} flagged of {len(rows)} answered question(s)")
    return 0


# report --------------------------------------------------------------------------------------------
MAX_SINCE_DAYS = 36_400  # 5,200 weeks


def parse_since(text: str) -> timedelta:
    m = re.fullmatch(r"(\d+)\s*([hdw])", text.strip().lower())
    if not m or int(m.group(1)) == 0:  # 0h would report an empty period as if nothing had happened
        raise ValueError(f"--since {text!r}: use a number above 0 with h, d or w, e.g. 24h, 7d, 4w")
    n, unit = int(m.group(1)), m.group(2)
    days = n / 24 if unit == "h" else n * (7 if unit == "w" else 1)
    if days > MAX_SINCE_DAYS:  # further back than the calendar goes would overflow the date arithmetic
        raise ValueError(f"--since {text!r}: at most {MAX_SINCE_DAYS // 7}w (100 years)")
    return timedelta(hours=n) if unit == "h" else timedelta(days=days)


async def _report(ctx: Context, since: timedelta) -> dict:
    from bot.services.operations import activity

    report = (await activity(ctx, since)).as_dict()
    report["disputes"] = await _dispute_figures(ctx, ctx.clock.now() - since)
    return report


async def _dispute_figures(ctx: object, since: object) -> list[dict]:
    """Per judge/model: dispute rate, upheld rate and judge-vs-admin agreement on resolved disputes, with
    the eval harness's one implementation of QWK and bias."""
    from bot.services import disputes
    from scoring.evaluate import agreement

    rows = []
    for j in await disputes.by_judge(ctx, since):  # type: ignore[arg-type]
        fig = agreement(j.admin_scores, j.judge_scores)
        rows.append({"judge": j.judge_id, "scored": j.scored, "disputes": j.disputes,
                     "dispute_rate": round(j.dispute_rate, 4), "resolved": j.resolved, "upheld": j.upheld,
                     "upheld_rate": None if j.upheld_rate is None else round(j.upheld_rate, 4),
                     "qwk": fig["qwk"], "bias": fig["bias"]})
    return rows


def _write_team_report(args: argparse.Namespace, span: timedelta) -> int:
    """`report --html FILE` / `--csv DIR`: the admins' team report over whole ISO weeks (default 8w)."""
    from bot.report_html import write_csv, write_html
    from bot.services import team_report

    weeks = max(1, min(104, -(-span.days // 7)))
    settings = _settings_logged()
    report = read_stored(settings, lambda ctx: team_report.build(ctx, weeks))
    try:
        if args.html:
            write_html(report, Path(args.html))
            print(f"team report written to {args.html}")
        if args.csv:
            for path in write_csv(report, Path(args.csv)):
                print(f"table written to {path}")
    except OSError as exc:  # a missing folder or a file where the CSV folder should be: say so, no traceback
        print(f"drillbot report: cannot write {exc.filename or args.html or args.csv}: {exc.strerror or exc}",
              file=sys.stderr)
        return 2
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    team = bool(args.html or args.csv)
    args.since = args.since or ("8w" if team else "7d")
    try:
        since = parse_since(args.since)
    except ValueError as exc:
        print(f"drillbot report: {exc}", file=sys.stderr)
        return 2
    if team:
        return _write_team_report(args, since)
    settings = _settings_logged()
    try:
        report = read_stored(settings, lambda ctx: _report(ctx, since))
    except Exception as exc:
        return _explained(exc, settings)
    if args.json:
        print(json.dumps(report))
        return 0
    by_judge = report.pop("disputes", [])
    Console().print(report_table(report, f"drillbot activity, last {args.since}"))
    if by_judge:
        cols = ("judge", "scored", "disputes", "dispute_rate", "resolved", "upheld", "upheld_rate", "qwk", "bias")
        dt = Table(*(c.replace("_", " ") for c in cols), title="Disputes: judge vs admin", header_style="bold")
        for row in by_judge:
            dt.add_row(*(_shown(row[c]) for c in cols))
        Console().print(dt)
    return 0


# disputes ------------------------------------------------------------------------------------------
def cmd_disputes(args: argparse.Namespace) -> int:
    import yaml

    from bot.services import disputes

    settings = _settings_logged()
    evalset = read_stored(settings, lambda ctx: disputes.export(ctx, args.name))
    text = yaml.safe_dump(evalset, sort_keys=False, allow_unicode=True, width=100)
    try:
        Path(args.out).write_text(text, encoding="utf-8")
    except OSError as exc:
        print(f"drillbot disputes export: cannot write {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"Wrote {len(evalset['answers'])} labelled answer(s) on {len(evalset['questions'])} question(s) to "
          f"{args.out}. Measure a judge on them: drillbot eval {args.out} --judge openai")
    return 0


def report_table(report: dict, title: str) -> Table:
    """One row per figure; a breakdown (a dict) becomes indented rows under its heading, not a dict dump."""
    table = Table("figure", "value", title=title, header_style="bold")
    for key, value in report.items():
        if isinstance(value, dict):
            table.add_row(key.replace("_", " "), "" if value else "none")
            for sub, amount in value.items():
                table.add_row(f"  {sub}", _shown(amount))
        else:
            table.add_row(key.replace("_", " "), _shown(value))
    return table


def _shown(value: object) -> str:
    return "–" if value is None else str(value)  # a figure with no data yet (no answers), not the word None


# eval and bench live beside the core; imported only when used -------------------------------------
def cmd_eval(args: argparse.Namespace) -> int:
    from scoring.eval_cli import run_eval

    settings = _settings_logged()
    return run_eval(args, settings)


def cmd_bench(args: argparse.Namespace) -> int:
    from bench.runner import run_bench

    settings = _settings_logged()
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
    verify = db_sub.add_parser("verify", help="recompute points, category stats and streaks from history and "
                               "report drift (exit 1 on drift)")
    verify.add_argument("--json", action="store_true", help="print one JSON object")
    verify.set_defaults(func=cmd_db_verify)

    bank = sub.add_parser("bank", help="the question bank")
    bank_sub = bank.add_subparsers(dest="bank_cmd", required=True)
    validate = bank_sub.add_parser("validate", help="validate the bank or given files/directories")
    validate.add_argument("paths", nargs="*")
    validate.add_argument("--strict", action="store_true",
                          help="also fail when a negated model answer scores high or a key phrase is one generic word")
    validate.add_argument("--no-grade", action="store_true", help="check the schema only, skip the graded checks")
    new = bank_sub.add_parser("new", help="write a filled-in question template for a pack")
    new.add_argument("--category", required=True)
    new.add_argument("--id", required=True)
    new.add_argument("--dir", default=".", help="pack folder to write into (default: current folder)")
    lst = bank_sub.add_parser("list", help="list questions")
    # Named choices, so a mistyped category is refused with the list instead of an empty table.
    lst.add_argument("--category", type=str.lower, choices=[c.value for c in Category])
    lst.add_argument("--difficulty", type=int, choices=(1, 2, 3))
    show = bank_sub.add_parser("show", help="show one question")
    show.add_argument("id")
    show.add_argument("--json", action="store_true", help="the question as JSON")
    stats = bank_sub.add_parser("stats", help="totals by category and difficulty")
    stats.add_argument("--json", action="store_true")
    stats.add_argument("--calibration", action="store_true",
                       help="per question from real scores: attempts, mean, spread, shares >= 8 and <= 3, verdict")
    try_ = bank_sub.add_parser("try", help="grade an answer typed in the terminal against one question")
    try_.add_argument("id")
    bank.set_defaults(func=cmd_bank)

    doctor = sub.add_parser("doctor", help="check settings, database, bank, judge and platforms; one line each")
    doctor.add_argument("--live", action="store_true", help="also make one tiny call to the LLM judge")
    doctor.set_defaults(func=cmd_doctor)

    report = sub.add_parser("report", help="answers, judge calls, tokens, cost, latency and flags")
    report.add_argument("--since", default=None,
                        help="how far back: e.g. 24h, 7d, 4w (default 7d; 8w with --html/--csv)")
    report.add_argument("--json", action="store_true")
    report.add_argument("--html", default=None, metavar="FILE", help="write the team report as one HTML file")
    report.add_argument("--csv", default=None, metavar="DIR", help="write the team report's tables as CSV files")
    report.set_defaults(func=cmd_report)

    dis = sub.add_parser("disputes", help="admin rulings on disputed scores, as labelled data")
    dis_sub = dis.add_subparsers(dest="disputes_cmd", required=True)
    export = dis_sub.add_parser("export", help="write resolved disputes and cleared flags as an eval set")
    export.add_argument("--out", required=True, metavar="FILE", help="e.g. team-evals.yaml")
    export.add_argument("--name", default="team-evals", help="the eval set's name")
    export.set_defaults(func=cmd_disputes)

    ev = sub.add_parser("eval", help="measure a judge against human-graded answer sets")
    ev.add_argument("paths", nargs="+", metavar="PATH", help="eval set files or directories (YAML or JSON)")
    ev.add_argument("--judge", choices=("offline", "openai"), default="offline")
    ev.add_argument("--model", default=None, help="judge model for --judge openai")
    ev.add_argument("--concurrency", type=int, default=8)
    ev.add_argument("--json", action="store_true", help="print one JSON object")
    ev.add_argument("--report", default=None, metavar="FILE", help="write the figures and every per-answer result")
    ev.add_argument("--gate", default=None, metavar="FILE", help="fail (exit 1) below the thresholds in FILE")
    ev.add_argument("--allow-failures", type=int, default=0, metavar="N",
                    help="exit 0 even if up to N answers could not be graded (default 0: any failure exits 3)")
    ev.add_argument("--price-models", default=None, metavar="M1,M2",
                    help="also report the cost per 1,000 answers at these models' prices")
    ev.add_argument("--estimate", action="store_true", help="count tokens and dollars only; grade nothing")
    ev.add_argument("--batch", action="store_true", help="--judge openai: grade through the Batch API (half price)")
    ev.add_argument("--batch-state", default="drillbot-batch.json", metavar="FILE",
                    help="where --batch saves the batch id, so a rerun resumes instead of resubmitting")
    ev.add_argument("--batch-poll-s", type=float, default=30.0, help=argparse.SUPPRESS)
    ev.add_argument("--batch-wait-s", type=float, default=26 * 3600, help=argparse.SUPPRESS)
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
    try:
        return int(args.func(args) or 0)
    except BrokenPipeError:
        # The reader went away (`drillbot bank try ID | head`): stop quietly instead of a traceback, and
        # point stdout at /dev/null so the interpreter's final flush does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
