"""The terminal platform end to end: the real CLI, a real SQLite file, the offline judge."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

from rich.console import Console

from adapters.console.app import ConsoleSession
from adapters.console.platform import CHANNEL, ConsolePlatform
from bot.core import Core
from scoring import OfflineJudge


def run_cli(*args: str, cwd: Path, env: dict[str, str] | None = None, stdin: str = "") -> subprocess.CompletedProcess:
    full_env = {**os.environ, "DRILLBOT_LOG_JSON": "0", **(env or {})}
    return subprocess.run([sys.executable, "-m", "app.cli", *args], cwd=cwd, env=full_env, input=stdin,
                          capture_output=True, text=True, timeout=120)


def test_demo_json_scores_every_answer(tmp_path: Path) -> None:
    out = run_cli("demo", "--json", "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["days"] == 7 and result["rounds"] == 7
    assert result["answers"] > 0 and result["scored"] == result["answers"] and result["pending"] == 0
    assert {"user", "points"} <= set(result["leaderboard"][0])
    points = {row["user"]: row["points"] for row in result["leaderboard"]}
    assert points["ada"] > points.get("cyd", 0) and "eve" not in points or points["eve"] == 0
    assert Path(result["digest_image"]).read_bytes()[:4] == b"\x89PNG"
    assert set(result["streaks"]) == {"ada", "ben", "cyd", "dee", "eve"}


def test_demo_bad_out_or_db_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("x")
    out = run_cli("demo", "--days", "1", "--users", "1", "--out", "a-file", cwd=tmp_path)
    assert out.returncode == 2 and "--out" in out.stderr and "Traceback" not in out.stderr
    db = run_cli("demo", "--days", "1", "--users", "1", "--db", "nonsense://x", cwd=tmp_path)
    assert db.returncode == 2 and "--db" in db.stderr and "sqlite or postgresql" in db.stderr
    assert "Traceback" not in db.stderr


def test_run_in_the_terminal_answers_and_commands(tmp_path: Path) -> None:
    answer = "Tokens are the units the model reads; cost and context limits are counted in them."
    script = f"/help\n{answer}\n/stats\n/quit\n"
    out = run_cli("run", cwd=tmp_path, stdin=script)
    assert out.returncode == 0, out.stderr
    assert "Question of the day" in out.stdout and "/10" in out.stdout and "Your stats" in out.stdout
    assert (tmp_path / "drillbot-data" / "drillbot.db").exists()


def test_bad_config_fails_at_start_naming_the_setting(tmp_path: Path) -> None:
    out = run_cli("run", cwd=tmp_path, env={"DRILLBOT_TIMEZONE": "Nowhere/City"})
    assert out.returncode == 2 and "DRILLBOT_TIMEZONE" in out.stderr


async def test_console_session_routes_practice_answers(make_core, platform) -> None:  # type: ignore[no-untyped-def]
    core: Core = await make_core(OfflineJudge())
    console = ConsolePlatform(console=Console(file=io.StringIO(), width=120))
    core.register(console)
    await core.configure_channel(CHANNEL, "general", weekdays="mon-sun")
    await core.post_round(CHANNEL)
    session = ConsoleSession(core, console)
    assert await session.handle_line("/practice evals")
    assert session.target == "practice"
    await session.handle_line("I would build a labelled set from real traffic and compare against it.")
    kinds = [(s.kind, s.message.kind) for s in console.sent]
    assert ("dm", "question") in kinds and ("reply", "score") in kinds
    assert session.target == "channel"
    assert not await session.handle_line("/quit")


def test_demo_with_the_llm_judge_against_a_fake_openai_server(tmp_path: Path) -> None:
    from tests.fakes.openai_server import FakeOpenAI

    with FakeOpenAI() as server:
        env = {"DRILLBOT_JUDGE": "openai", "DRILLBOT_OPENAI_BASE_URL": server.base_url,
               "OPENAI_API_KEY": "sk-test-not-a-real-key-000", "DRILLBOT_JUDGE_MODEL": "gpt-4o-mini"}
        out = run_cli("demo", "--json", "--days", "3", "--out", str(tmp_path / "out"), cwd=tmp_path, env=env)
        requests = len(server.requests)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["judge"] == "openai:gpt-4o-mini"
    assert result["scored"] == result["answers"] > 0 and result["pending"] == 0
    assert requests >= result["answers"] - 3  # every non-empty answer went to the model
    assert "sk-test-not-a-real-key" not in out.stdout + out.stderr


def test_terminal_channel_settings_survive_a_restart(tmp_path: Path) -> None:
    first = run_cli("run", cwd=tmp_path, stdin="/config weekdays daily\n/quit\n")
    assert first.returncode == 0 and "Saved" in first.stdout, first.stderr
    second = run_cli("run", cwd=tmp_path, stdin="/config\n/quit\n")
    assert second.returncode == 0 and "mon,tue,wed,thu,fri,sat,sun" in second.stdout


def test_mock_interview_in_the_terminal_across_a_restart(tmp_path: Path) -> None:
    """The real CLI: a 3-question interview with follow-ups, quit in the middle, resumed, summarised."""
    weak = "I would look at it carefully and test it."
    first = run_cli("run", cwd=tmp_path, stdin=f"/interview evals --questions 3\n{weak}\n/quit\n")
    assert first.returncode == 0, first.stderr
    assert "Question 1 of 3" in first.stdout and "follow-up 1" in first.stdout
    assert "Interview summary" not in first.stdout
    # After the restart plain lines go to the open interview; enough of them to reach the summary.
    lines = "\n".join([weak] * 9)
    second = run_cli("run", cwd=tmp_path, stdin=f"hint\n{lines}\n/quit\n")
    assert second.returncode == 0, second.stderr
    out = second.stdout
    assert "interview is still open" in out and "Hint" in out
    assert "Question 3 of 3" in out and "Interview summary" in out
    assert "Two things to study" in out and "Model answer" in out


def test_me_shows_a_progress_panel_and_writes_the_chart(tmp_path: Path) -> None:
    answer = "Tokens are the units the model reads; cost and context limits are counted in them."
    out = run_cli("run", cwd=tmp_path, stdin=f"/help\n{answer}\n/me\n/quit\n")
    assert out.returncode == 0, out.stderr
    assert "Your progress" in out.stdout and "Strength" in out.stdout and "Trend, last 8 weeks" in out.stdout
    charts = list((tmp_path / "drillbot-data").glob("progress-*.png"))
    assert len(charts) == 1 and charts[0].read_bytes()[:4] == b"\x89PNG"
    assert "chart saved to" in out.stdout and charts[0].name in out.stdout.replace("\n", "")
