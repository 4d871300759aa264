"""The team report end to end: a simulated month of practice (the demo), the report built from the same
database, written as HTML and CSV, and the HTML rendered in a real headless Chromium (Debian's package,
driven by Playwright) with no console errors, titled non-empty charts and a screenshot."""

from __future__ import annotations

import asyncio
import csv
import os
import re
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from app.demo import START, run_demo
from bank.loader import Bank
from bot.clock import FakeClock
from bot.config import Settings
from bot.report_html import render, write_csv, write_html
from bot.services import team_report
from bot.services.catalog import Catalog
from bot.services.context import Context
from bot.store import db
from bot.store.models import Member

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DAYS = 21


async def _build(tmp: Path) -> tuple[team_report.TeamReport, str]:
    url = f"sqlite+aiosqlite:///{tmp}/demo.db"
    settings = Settings(database_url=url, _env_file=None)  # type: ignore[call-arg]
    await run_demo(settings, days=DAYS, users=6, out=tmp / "out", db_url=url)
    engine = db.create_engine(url)
    try:
        ctx = Context(settings, db.session_factory(engine), FakeClock(START + timedelta(days=DAYS)), Catalog(Bank()))
        # Opt out whoever improved most, so the test does not depend on which persona the bank favours.
        opted_out = (await team_report.build(ctx, 8)).most_improved.rows[0][0]
        async with ctx.sessions.begin() as s:
            await s.execute(update(Member).where(Member.display_name == opted_out).values(leaderboard_opt_out=True))
        return await team_report.build(ctx, 8), opted_out
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[team_report.TeamReport, str]:
    return asyncio.run(_build(tmp_path_factory.mktemp("team-report")))


@pytest.fixture(scope="module")
def report(built: tuple[team_report.TeamReport, str]) -> team_report.TeamReport:
    return built[0]


@pytest.fixture(scope="module")
def opted_out(built: tuple[team_report.TeamReport, str]) -> str:
    return built[1]


def test_report_tables_cover_the_period(report: team_report.TeamReport) -> None:
    assert len(report.weeks) == 8 and report.weeks[-1] == "2026-W48"
    active = [r for r in report.participation.rows if r[2]]
    assert len(active) == 3 and all(r[1] >= 4 for r in active)  # three demo weeks, most people answer
    assert report.category_trend.rows and report.questions.rows and report.judges.rows
    assert {r[8] for r in report.questions.rows} <= {"ok", "too easy", "too hard", "too few answers"}
    # Every counted answer was judged; flagged ones were judged too but do not count.
    assert sum(j[1] for j in report.judges.rows) >= sum(r[2] for r in report.questions.rows) > 0
    assert report.flags.rows  # the demo's prompt injector is flagged
    assert report.agreement == "no decided disputes yet"


def test_opted_out_people_are_anonymous_everywhere(report: team_report.TeamReport, opted_out: str,
                                                   tmp_path: Path) -> None:
    assert any(r[0] == "(anonymous)" for r in report.most_improved.rows)  # they improved, unnamed
    page = render(report)
    assert opted_out not in page.lower()
    for path in write_csv(report, tmp_path):
        assert opted_out not in path.read_text().lower()


def test_html_is_self_contained_and_csv_matches(report: team_report.TeamReport, tmp_path: Path) -> None:
    page = render(report)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)  # nothing fetched from anywhere
    assert "<script" not in page and page.count("<svg") == 4
    paths = {p.stem: p for p in write_csv(report, tmp_path)}
    assert set(paths) == {t.name for t in report.tables()}
    with paths["questions"].open() as f:
        rows = list(csv.reader(f))
    assert rows[0] == report.questions.columns and len(rows) == len(report.questions.rows) + 1


@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="chromium is not installed (.ci/run installs it)")
def test_report_renders_in_headless_chromium(report: team_report.TeamReport, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    html_path = tmp_path / "report.html"
    write_html(report, html_path)
    shot = tmp_path / "report.png"
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run", "--disable-sync"])
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            requests: list[str] = []
            page.on("request", lambda r: requests.append(r.url) if not r.url.startswith(("file:", "data:")) else None)
            page.goto(html_path.as_uri(), wait_until="load")
            charts = page.eval_on_selector_all("figure.chart", """els => els.map(e => ({
                title: e.querySelector('figcaption')?.textContent.trim(),
                svgTitle: e.querySelector('svg text')?.textContent,
                points: Number(e.dataset.points),
                marks: e.querySelectorAll('svg path, svg use').length,
                width: e.querySelector('svg')?.getBoundingClientRect().width || 0}))""")
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    assert errors == [] and requests == []
    assert len(charts) == 4
    for chart in charts:
        assert chart["title"] and chart["points"] > 0 and chart["marks"] > 0 and chart["width"] > 100, chart
    assert shot.read_bytes()[:4] == b"\x89PNG" and shot.stat().st_size > 20_000
    print(f"screenshot: {shot}")


def test_cli_writes_html_and_csv_and_rejects_a_bad_period(tmp_path: Path) -> None:
    from tests.e2e.test_terminal import run_cli

    out = run_cli("report", "--html", "report.html", "--csv", "tables", "--since", "4w", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    page = (tmp_path / "report.html").read_text()
    assert "drillbot team report" in page and page.count("<svg") == 4 and "No data in this period" in page
    assert {p.name for p in (tmp_path / "tables").iterdir()} >= {"participation.csv", "questions.csv", "judges.csv"}
    bad = run_cli("report", "--html", "r.html", "--since", "soon", cwd=tmp_path)
    assert bad.returncode == 2 and "--since" in bad.stderr and not (tmp_path / "r.html").exists()


def test_cli_report_to_an_unwritable_place_says_so_without_a_traceback(tmp_path: Path) -> None:
    from tests.e2e.test_terminal import run_cli

    (tmp_path / "a-file").write_text("x")
    html = run_cli("report", "--html", str(tmp_path / "missing" / "r.html"), cwd=tmp_path)
    assert html.returncode == 2 and "cannot write" in html.stderr and "Traceback" not in html.stderr, html.stderr
    csv = run_cli("report", "--csv", str(tmp_path / "a-file"), cwd=tmp_path)
    assert csv.returncode == 2 and "cannot write" in csv.stderr and "Traceback" not in csv.stderr


def test_cli_report_refuses_an_empty_period(tmp_path: Path) -> None:
    from tests.e2e.test_terminal import run_cli

    for args in (("report", "--since", "0d"), ("report", "--html", "r.html", "--since", "0w")):
        out = run_cli(*args, cwd=tmp_path)
        assert out.returncode == 2 and "--since" in out.stderr, args
    assert not (tmp_path / "r.html").exists()


def test_cli_report_refuses_a_period_beyond_the_calendar(tmp_path: Path) -> None:
    from tests.e2e.test_terminal import run_cli

    for span in ("9999999w", "99999999999d"):
        out = run_cli("report", "--since", span, cwd=tmp_path)
        assert out.returncode == 2 and "--since" in out.stderr and "Traceback" not in out.stderr, span
