"""A misconfigured start prints one line naming the fix, never a traceback (issue 15)."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from bot.config import Settings
from bot.startup import PlatformError, explain
from tests.conftest import postgres_reachable
from tests.fakes.slack_api import FakeSlack

ROOT = Path(__file__).resolve().parents[2]


async def run_cli(tmp_path: Path, env: dict[str, str], *args: str) -> tuple[int, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DRILLBOT_", "SLACK_", "DISCORD_"))
             and k not in ("DATABASE_URL", "OPENAI_API_KEY")}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app.cli", *(args or ("run",)), cwd=tmp_path,
        env={**clean, "PYTHONPATH": str(ROOT), "DRILLBOT_LOG_JSON": "0", **env},
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), timeout=90)
    return proc.returncode or 0, (out + err).decode()


def one_line(output: str, *needles: str) -> None:
    assert "Traceback" not in output, output
    line = [ln for ln in output.splitlines() if ln.startswith("drillbot:")]
    assert len(line) == 1, output
    for needle in needles:
        assert needle in line[0], line[0]


@pytest.mark.parametrize("env, needles", [
    ({"DRILLBOT_QUESTION_PACKS": "/nonexistent-packs"}, ["DRILLBOT_QUESTION_PACKS", "/nonexistent-packs"]),
    ({"DATABASE_URL": "postgresql://postgres@127.0.0.1:1/x"}, ["cannot reach PostgreSQL", "DATABASE_URL"]),
    ({"DRILLBOT_DATABASE_URL": "postgresql://postgres@127.0.0.1:1/x"}, ["DRILLBOT_DATABASE_URL"]),
    ({"DATABASE_URL": "mysql://u@h/db"}, [" DATABASE_URL: "]),
    ({"DRILLBOT_JUDGE": "openai"}, ["OPENAI_API_KEY"]),
])
async def test_run_fails_in_one_line(tmp_path: Path, env: dict[str, str], needles: list[str]) -> None:
    code, output = await run_cli(tmp_path, env)
    assert code == 2
    one_line(output.replace("invalid configuration:\n", ""), *needles)
    if "mysql" in env.get("DATABASE_URL", ""):
        assert "DRILLBOT_DATABASE_URL" not in output


async def test_unwritable_sqlite_folder(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("not a folder")
    code, output = await run_cli(tmp_path, {"DATABASE_URL": f"sqlite:///{tmp_path}/afile/sub/x.db"})
    assert code == 2
    one_line(output, "cannot create the SQLite file", "DATABASE_URL")


@pytest.mark.skipif(not postgres_reachable(), reason="PostgreSQL not running")
async def test_missing_postgres_database_for_run_and_report(tmp_path: Path) -> None:
    env = {"DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/drillbot_no_such_db"}
    for args in (("run",), ("report",)):
        code, output = await run_cli(tmp_path, env, *args)
        assert code == 2
        one_line(output, "does not exist", "createdb")


async def test_slack_invalid_auth_and_unreachable_slack(tmp_path: Path) -> None:
    fake = await FakeSlack().start()
    try:
        code, output = await run_cli(tmp_path, {"SLACK_BOT_TOKEN": "bad-token", "SLACK_APP_TOKEN": "xapp-1",
                                                "SLACK_API_URL": fake.api_url.rstrip("/")})
    finally:
        await fake.close()
    assert code == 2
    one_line(output, "Slack rejected SLACK_BOT_TOKEN")
    code, output = await run_cli(tmp_path, {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1",
                                            "SLACK_API_URL": "http://127.0.0.1:1/api"})
    assert code == 2
    one_line(output, "cannot reach Slack")


def test_discord_login_failure_and_network_are_explained() -> None:
    import aiohttp
    import discord

    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    try:
        try:
            raise discord.LoginFailure("Improper token has been passed.")
        except discord.LoginFailure as exc:
            raise PlatformError("Discord") from exc
    except PlatformError as wrapped:
        assert "DISCORD_TOKEN" in (explain(wrapped, settings) or "")
    try:
        try:
            raise aiohttp.ClientConnectionError("Cannot connect to host discord.com:443")
        except aiohttp.ClientConnectionError as exc:
            raise PlatformError("Discord") from exc
    except PlatformError as wrapped:
        assert (explain(wrapped, settings) or "").startswith("cannot reach Discord")
