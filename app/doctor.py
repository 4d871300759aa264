"""`drillbot doctor`: one line per check, each failing line naming its fix.

Checks settings, the database (reachable, migrated), the question bank and packs, the judge, and the
chat platforms that are configured. Platform checks live in their adapters (imported only when a
token is set) so the core never imports slack_sdk or discord.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from bot.checks import FAIL, OK, WARN, Check
from bot.config import Settings, database_variable


def settings_checks(settings: Settings) -> list[Check]:
    from bot.startup import judge_key_problem, problems

    # A missing judge key is the "judge key" check's failure: one missing thing, one failing line.
    found = [p for p in problems(settings) if p != judge_key_problem(settings)]
    if found:
        return [Check("settings", FAIL, found[0])]
    return [Check("settings", OK, f"platforms: {', '.join(settings.platforms)}; judge: {settings.judge}")]


async def database_checks(settings: Settings) -> list[Check]:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy import text

    from bot.startup import explain
    from bot.store import db

    head = ScriptDirectory.from_config(db.alembic_config(settings.database_url)).get_current_head()
    try:
        engine = db.create_engine(settings.database_url)
        try:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
                current = await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_revision())
        finally:
            await engine.dispose()
    except Exception as exc:
        return [Check("database", FAIL, explain(exc, settings) or f"{type(exc).__name__}: {exc}",
                      f"check {database_variable()}")]
    reachable = Check("database", OK, f"reachable ({db.make_url(settings.database_url).get_backend_name()})")
    if current == head:
        return [reachable, Check("migrations", OK, f"at {head}")]
    return [reachable, Check("migrations", WARN, f"database at {current or 'none'}, code at {head}",
                             "`drillbot run` applies them at start, or run `drillbot db upgrade`")]


def bank_checks(settings: Settings) -> list[Check]:
    from bank.loader import BankError, load_bank

    try:
        bank = load_bank(settings.pack_dirs)
    except BankError as exc:
        return [Check("question bank", FAIL, f"{len(exc.problems)} problem(s), first: {exc.problems[0]}",
                      "fix the pack, or DRILLBOT_QUESTION_PACKS; `drillbot bank validate` lists all")]
    packs = f" incl. packs {', '.join(str(p) for p in settings.pack_dirs)}" if settings.pack_dirs else ""
    return [Check("question bank", OK, f"{len(bank)} questions{packs}")]


async def judge_checks(settings: Settings, *, live: bool) -> list[Check]:
    if settings.judge == "offline":
        return [Check("judge", WARN, "offline rubric scorer (no LLM; keyword and structure based)",
                      "for LLM grading set DRILLBOT_JUDGE=openai and OPENAI_API_KEY")]
    from bot.startup import judge_key_problem
    from scoring.pricing import unpriced_models

    checks = []
    if judge_key_problem(settings) is not None:
        checks.append(Check("judge key", FAIL, "OPENAI_API_KEY is not set (DRILLBOT_JUDGE=openai needs it)",
                            "set OPENAI_API_KEY, or use DRILLBOT_JUDGE=offline"))
    else:
        checks.append(Check("judge key", OK, "OPENAI_API_KEY is set"))
    # The same rule start-up uses: the built-in table plus DRILLBOT_JUDGE_PRICES, judge and escalation models.
    missing = unpriced_models(settings)
    checks.append(Check("judge model", WARN if missing else OK,
                        f"{', '.join(missing)} not in the price table" if missing
                        else f"{settings.judge_model} is in the price table",
                        "costs will show as 0; set DRILLBOT_JUDGE_PRICES or pick a listed model"))
    if live and settings.openai_api_key is not None:
        checks.append(await _live_judge(settings))
    return checks


async def _live_judge(settings: Settings) -> Check:
    """One tiny grading call through the real judge."""
    from app.wiring import judge_from_settings
    from bank.schema import Criterion, Question

    question = Question(id="doctor-ping", category="fundamentals", prompt="What is a token in an LLM?",
                        model_answer="A unit of text the model reads.",
                        rubric=[Criterion(id="unit", text="Says a token is a unit of text")])
    judge = judge_from_settings(settings)
    try:
        verdict = await asyncio.wait_for(judge.grade(question, "A piece of text the model reads."),
                                         timeout=settings.judge_timeout_s)
    except Exception as exc:
        return Check("judge call", FAIL, f"{type(exc).__name__}: {str(exc)[:160]}",
                     "check OPENAI_API_KEY, DRILLBOT_OPENAI_BASE_URL and DRILLBOT_JUDGE_MODEL")
    finally:
        close = getattr(judge, "aclose", None)
        if close is not None:
            await close()
    return Check("judge call", OK, f"{settings.judge_model} answered ({verdict.total:.1f}/10 on a test answer)")


PlatformCheck = Callable[[Settings], Awaitable[list[Check]]]


async def run_checks(settings: Settings, *, live: bool = False) -> list[Check]:
    checks = settings_checks(settings)
    checks += await database_checks(settings)
    checks += bank_checks(settings)
    checks += await judge_checks(settings, live=live)
    if "slack" in settings.platforms:
        from adapters.slack.doctor import slack_checks

        checks += await slack_checks(settings)
    if "discord" in settings.platforms:
        from adapters.discord.doctor import discord_checks

        checks += await discord_checks(settings)
    return checks
