"""`drillbot doctor` against real local services: SQLite, the fake Slack API, the fake OpenAI server."""

from __future__ import annotations

from pathlib import Path

from app.doctor import run_checks
from bot.checks import FAIL, OK, WARN, Check
from bot.config import Settings
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.slack_api import FakeSlack


def settings(tmp_path: Path, **values: object) -> Settings:
    return Settings(_env_file=None, database_url=f"sqlite:///{tmp_path}/d.db", **values)  # type: ignore[call-arg]


def by_name(checks: list[Check]) -> dict[str, Check]:
    return {c.name: c for c in checks}


async def test_fresh_terminal_setup(tmp_path: Path) -> None:
    checks = by_name(await run_checks(settings(tmp_path)))
    assert checks["database"].status == OK and checks["question bank"].status == OK
    assert checks["migrations"].status == WARN and "drillbot db upgrade" in checks["migrations"].line()
    # The operator (not the candidate) is told the offline judge is in use, and how to change it.
    assert checks["judge"].status == WARN and "DRILLBOT_JUDGE=openai" in checks["judge"].line()


async def test_bad_pack_and_unreachable_database_name_their_fix(tmp_path: Path) -> None:
    checks = by_name(await run_checks(Settings(  # type: ignore[call-arg]
        _env_file=None, database_url="postgresql://postgres@127.0.0.1:1/x", question_packs=str(tmp_path / "no"))))
    assert checks["database"].status == FAIL and "start PostgreSQL" in checks["database"].line()
    assert checks["question bank"].status == FAIL and "DRILLBOT_QUESTION_PACKS" in checks["question bank"].line()


async def test_openai_judge_key_model_and_live_call(tmp_path: Path) -> None:
    with FakeOpenAI() as server:
        checks = by_name(await run_checks(settings(
            tmp_path, judge="openai", OPENAI_API_KEY="sk-test-0000", openai_base_url=server.base_url,
            judge_model="gpt-4o-mini"), live=True))
        assert len(server.requests) == 1
    assert checks["judge key"].status == OK and checks["judge model"].status == OK
    assert checks["judge call"].status == OK, checks["judge call"].line()
    unpriced = by_name(await run_checks(settings(tmp_path, judge="openai", judge_model="my-local-model")))
    assert unpriced["judge model"].status == WARN and unpriced["judge key"].status == FAIL


async def test_a_missing_judge_key_is_one_failure_naming_both_fixes(tmp_path: Path) -> None:
    """The key was reported twice (settings and judge key): one missing thing counted as two failures."""
    checks = await run_checks(settings(tmp_path, judge="openai"))
    failed = [c for c in checks if c.status == FAIL]
    assert [c.name for c in failed] == ["judge key"], [c.line() for c in failed]
    line = failed[0].line()
    assert "OPENAI_API_KEY" in line and "DRILLBOT_JUDGE=offline" in line
    assert by_name(checks)["settings"].status == OK


async def test_slack_token_scopes_and_socket_mode(tmp_path: Path) -> None:
    fake = await FakeSlack(scopes="chat:write,commands,channels:history,im:history,im:write,users:read").start()
    try:
        good = by_name(await run_checks(settings(tmp_path, SLACK_BOT_TOKEN="xoxb-1", SLACK_APP_TOKEN="xapp-1",
                                                 SLACK_API_URL=fake.api_url)))
        bad = by_name(await run_checks(settings(tmp_path, SLACK_BOT_TOKEN="bad", SLACK_APP_TOKEN="xapp-1",
                                                SLACK_API_URL=fake.api_url)))
    finally:
        await fake.close()
    assert good["slack token"].status == OK and good["slack socket mode"].status == OK
    assert good["slack scopes"].status == FAIL
    assert "groups:history" in good["slack scopes"].line() and "files:write" in good["slack scopes"].line()
    assert bad["slack token"].status == FAIL and "SLACK_BOT_TOKEN" in bad["slack token"].line()


async def test_doctor_reads_the_operators_prices_and_the_escalation_model(tmp_path: Path) -> None:
    """doctor looked only at the built-in price table: a model priced by DRILLBOT_JUDGE_PRICES was reported
    unpriced, and an unpriced escalation model was not reported at all."""
    priced_here = by_name(await run_checks(settings(tmp_path, judge="openai", OPENAI_API_KEY="sk-test-0000",
                                                     judge_model="my-local-model", judge_prices="0.25/0.025/2.00")))
    assert priced_here["judge model"].status == OK, priced_here["judge model"].line()
    escalate = by_name(await run_checks(settings(tmp_path, judge="openai", OPENAI_API_KEY="sk-test-0000",
                                                  judge_model="gpt-4o-mini", judge_escalate_model="my-big-model")))
    assert escalate["judge model"].status == WARN and "my-big-model" in escalate["judge model"].line()
