"""`drillbot report` as a table: breakdowns are rows, never a dict printed inside a cell."""

from __future__ import annotations

import io

from rich.console import Console

from bot.cli import report_table


def test_report_breakdowns_become_rows() -> None:
    out = io.StringIO()
    Console(file=out, width=100).print(report_table({"answers": 3, "flags": {"too_short": 2, "empty": 1}}, "t"))
    text = out.getvalue()
    assert "{" not in text and "too_short" in text and "answers" in text
