"""The team report as one self-contained HTML page (inline SVG charts, inline CSS, no scripts, no network)
and as CSV files. Every value that came from people (names, question ids) is HTML-escaped."""

from __future__ import annotations

import csv
import html
import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from bank.schema import category_label  # noqa: E402
from bot.messages import ANONYMOUS  # noqa: E402
from bot.services.team_report import Table, TeamReport  # noqa: E402

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1100px;color:#222}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5rem 0;font-size:.9rem}th,td{border:1px solid #ddd;padding:.25rem .5rem}
th{background:#f4f6f8;text-align:left}td.n{text-align:right}figure{margin:1rem 0}
figcaption{font-weight:600;margin-bottom:.3rem}.note{color:#666;font-size:.9rem}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:1rem}
"""


def _svg(fig: plt.Figure, salt: str) -> str:
    buf = io.StringIO()
    with plt.rc_context({"svg.hashsalt": salt, "svg.fonttype": "none"}):
        fig.savefig(buf, format="svg")
    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg"):]  # drop the XML prolog and doctype: it is inline in HTML


def _figure(name: str, title: str, points: int, svg: str) -> str:
    return (f'<figure class="chart" id="chart-{name}" data-points="{points}">'
            f"<figcaption>{html.escape(title)}</figcaption>{svg}</figure>")


def _empty(ax: plt.Axes, text: str = "No data in this period") -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center")
    ax.axis("off")


def participation_chart(r: TeamReport) -> str:
    title = "Participation per week"
    fig, ax = plt.subplots(figsize=(6, 3.2), dpi=100)
    weeks = [row[0].split("-")[1] for row in r.participation.rows]
    people = [row[1] for row in r.participation.rows]
    answers = [row[2] for row in r.participation.rows]
    points = sum(1 for a in answers if a)
    if points:
        x = range(len(weeks))
        ax.bar([i - 0.2 for i in x], people, width=0.4, label="people", color="#2b7bb9")
        ax.bar([i + 0.2 for i in x], answers, width=0.4, label="answers", color="#c9ced6")
        ax.set_xticks(list(x), weeks)
        ax.legend(frameon=False)
    else:
        _empty(ax)
    ax.set_title(title)
    fig.tight_layout()
    return _figure("participation", title, points, _svg(fig, "participation"))


def category_chart(r: TeamReport) -> str:
    title = "Team mean score per category"
    fig, ax = plt.subplots(figsize=(6, 3.2), dpi=100)
    points = 0
    for row in r.category_trend.rows:
        xs = [i for i, v in enumerate(row[1:]) if v != ""]
        if xs:
            ax.plot(xs, [row[1 + i] for i in xs], marker="o", label=category_label(row[0]))
            points += len(xs)
    if points:
        ax.set_xticks(range(len(r.weeks)), [w.split("-")[1] for w in r.weeks])
        ax.set_ylim(0, 10.5)
        ax.legend(fontsize=7, frameon=False, loc="lower left")
    else:
        _empty(ax)
    ax.set_title(title)
    fig.tight_layout()
    return _figure("categories", title, points, _svg(fig, "categories"))


def question_chart(r: TeamReport) -> str:
    title = "Questions: mean score against hit rate"
    fig, ax = plt.subplots(figsize=(6, 3.2), dpi=100)
    rows = [q for q in r.questions.rows if q[8] != "too few answers"] or r.questions.rows
    if rows:
        colours = {"too easy": "#5cb85c", "too hard": "#d9534f"}
        ax.scatter([q[3] for q in rows], [q[7] for q in rows], s=[10 + 4 * q[4] ** 2 for q in rows],
                   c=[colours.get(q[8], "#2b7bb9") for q in rows], alpha=0.7)
        ax.set_xlim(0, 10.5)
        ax.set_ylim(-0.05, 1.05)
        ax.set_xlabel("mean score")
        ax.set_ylabel("hit rate (score >= 7)")
    else:
        _empty(ax)
    ax.set_title(title)
    fig.tight_layout()
    return _figure("questions", title, len(rows), _svg(fig, "questions"))


def judge_chart(r: TeamReport) -> str:
    title = "Judge latency per model (mean and p95, ms)"
    fig, ax = plt.subplots(figsize=(6, 3.2), dpi=100)
    rows = r.judges.rows
    if rows:
        x = range(len(rows))
        ax.bar([i - 0.2 for i in x], [j[4] for j in rows], width=0.4, label="mean", color="#2b7bb9")
        ax.bar([i + 0.2 for i in x], [j[5] for j in rows], width=0.4, label="p95", color="#f0ad4e")
        ax.set_xticks(list(x), [j[0][:24] for j in rows], fontsize=8)
        ax.legend(frameon=False)
    else:
        _empty(ax)
    ax.set_title(title)
    fig.tight_layout()
    return _figure("judges", title, len(rows), _svg(fig, "judges"))


def _cell(v: object) -> str:
    cls = ' class="n"' if isinstance(v, int | float) else ""
    return f"<td{cls}>{html.escape(str(v))}</td>"


def table_html(t: Table, empty: str = "Nothing in this period.") -> str:
    if not t.rows:
        return f'<h2 id="{t.name}">{html.escape(t.title)}</h2><p class="note">{html.escape(empty)}</p>'
    head = "".join(f"<th>{html.escape(c)}</th>" for c in t.columns)
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in t.rows)
    return (f'<h2 id="{t.name}">{html.escape(t.title)}</h2>'
            f'<table data-table="{t.name}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>')


def render(r: TeamReport) -> str:
    charts = "".join([participation_chart(r), category_chart(r), question_chart(r), judge_chart(r)])
    tables = "".join(table_html(t) for t in r.tables() if t.name != "disputes")
    disputes = table_html(r.disputes, "No disputes in this period (or none recorded by this version).")
    period = f"{r.first_day:%d %b %Y} – {r.last_day:%d %b %Y} ({r.weeks[0]} to {r.weeks[-1]})"
    return (
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
        "img-src data:\">"
        f"<title>drillbot team report · {html.escape(period)}</title><style>{CSS}</style></head><body>"
        f"<h1>drillbot team report</h1><p class=\"note\">{html.escape(period)}. People who opted out of the "
        f"leaderboard are shown as {ANONYMOUS}.</p>"
        f'<div class="grid">{charts}</div>{tables}{disputes}'
        f'<h2 id="agreement">Judge and admins</h2><p>{html.escape(r.agreement)}</p></body></html>'
    )


def write_html(r: TeamReport, path: Path) -> None:
    path.write_text(render(r), encoding="utf-8")


def _safe_cell(v: object) -> object:
    return f"'{v}" if isinstance(v, str) and v[:1] in ("=", "+", "-", "@") else v


def write_csv(r: TeamReport, directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for t in r.tables():
        path = directory / f"{t.name}.csv"
        with path.open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(t.columns)
            # A leading =, +, - or @ makes spreadsheets run the cell as a formula: quote it as text.
            w.writerows([[_safe_cell(v) for v in row] for row in t.rows])
        written.append(path)
    return written
