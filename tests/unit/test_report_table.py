"""`drillbot report` as a table: breakdowns are rows, never a dict printed inside a cell."""

from __future__ import annotations

import io

from rich.console import Console

from app.cli import report_table


def test_report_breakdowns_become_rows() -> None:
    out = io.StringIO()
    Console(file=out, width=100).print(report_table({"answers": 3, "flags": {"too_short": 2, "empty": 1}}, "t"))
    text = out.getvalue()
    assert "{" not in text and "too_short" in text and "answers" in text


def test_a_figure_with_no_data_shows_a_dash_not_none() -> None:
    out = io.StringIO()
    Console(file=out, width=100).print(report_table({"latency_ms_p50": None, "answers": 0}, "t"))
    text = out.getvalue()
    assert "None" not in text and "–" in text


def test_bank_list_keeps_ids_whole_and_show_is_rendered() -> None:
    from app.cli import bank_list_table, bank_question_view
    from bank.loader import load_bank

    questions = load_bank().all()
    out = io.StringIO()
    Console(file=out, width=80).print(bank_list_table(list(questions)))
    text = out.getvalue()
    assert all(q.id in text for q in questions)
    q = questions[0]
    out = io.StringIO()
    Console(file=out, width=200).print(bank_question_view(q))
    shown = out.getvalue()
    assert "Model answer" in shown and "Rubric" in shown and "{" not in shown
