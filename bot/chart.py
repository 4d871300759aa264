"""The weekly digest chart: the team's mean score per category, this week against the four before."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # no display; must precede pyplot
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from bank.schema import category_label  # noqa: E402


def legend_labels(this_week: dict[str, float], previous: dict[str, float], previous_label: str) -> list[str]:
    """Only series that are drawn: no "previous weeks" entry in a team's first week."""
    labels = ["this week", "weakest this week"] if this_week else []
    return labels + ([previous_label] if previous else [])


def category_chart(this_week: dict[str, float], previous: dict[str, float], title: str, *,
                   counts: dict[str, int] | None = None, previous_label: str = "previous 4 weeks") -> bytes:
    """PNG bytes, sized to stay readable in a chat preview (about 800x450 px). Each bar of this week says its
    mean, the change against the previous weeks' mean and how many answers it is based on."""
    categories = sorted(set(this_week) | set(previous), key=lambda c: this_week.get(c, previous.get(c, 0)))
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
    try:
        if not categories:
            ax.text(0.5, 0.5, "No scored answers this week", ha="center", va="center", fontsize=14)
            ax.axis("off")
        else:
            weakest = min((c for c in categories if c in this_week), key=lambda c: this_week[c], default=None)
            y = range(len(categories))
            prev_vals = [previous.get(c, 0.0) for c in categories]
            cur_vals = [this_week.get(c, 0.0) for c in categories]
            if previous:
                ax.barh([i + 0.2 for i in y], prev_vals, height=0.38, color="#c9ced6", label=previous_label)
            colors = ["#d9534f" if c == weakest else "#2b7bb9" for c in categories]
            ax.barh([i - 0.2 for i in y], cur_vals, height=0.38, color=colors, label="this week")
            for i, v in enumerate(cur_vals):
                c = categories[i]
                if c in this_week:
                    label = f"{v:.1f}"
                    if c in previous:
                        label += f" ({v - previous[c]:+.1f})"
                    if counts and c in counts:
                        label += f" · {counts[c]} answer{'s' if counts[c] != 1 else ''}"
                    ax.text(v + 0.1, i - 0.2, label, va="center", fontsize=9)
            ax.set_yticks(list(y), [category_label(c) + (" (weakest)" if c == weakest else "") for c in categories],
                          fontsize=11)
            ax.set_xlim(0, 15)  # room for the labels right of a 10/10 bar
            ax.set_xticks(range(0, 11, 2))
            ax.set_xlabel("mean score (0-10)", fontsize=11)
            colour = {"this week": "#2b7bb9", "weakest this week": "#d9534f"}
            handles = [Patch(color=colour.get(label, "#c9ced6"), label=label)
                       for label in legend_labels(this_week, previous, previous_label)]
            # Below the axis, so it never covers a bar or its label.
            ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=len(handles),
                      fontsize=9, frameon=False)
            ax.spines[["top", "right"]].set_visible(False)
        ax.set_title(title, fontsize=13)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        return buf.getvalue()
    finally:
        plt.close(fig)


def _encode(fig: plt.Figure, fmt: str) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt)
    return buf.getvalue()


def progress_chart(strengths: dict[str, float], trend: list[tuple[str, float | None]], title: str,
                   fmt: str = "png") -> bytes:
    """A person's card: recent strength per category (left) and mean score per week (right)."""
    fig, (bars, line) = plt.subplots(1, 2, figsize=(10, 4.2), dpi=90, gridspec_kw={"width_ratios": [1.2, 1]})
    try:
        if strengths:
            cats = sorted(strengths, key=lambda c: strengths[c])
            vals = [strengths[c] for c in cats]
            colors = ["#d9534f" if i == 0 and len(cats) > 1 else "#2b7bb9" for i in range(len(cats))]
            bars.barh(range(len(cats)), vals, color=colors, height=0.6)
            bars.set_ylim(-0.8, max(len(cats), 4) - 0.2)  # a single category keeps a slim bar
            bars.set_yticks(list(range(len(cats))), [category_label(c) for c in cats], fontsize=10)
            for i, v in enumerate(vals):
                bars.text(v + 0.1, i, f"{v:.1f}", va="center", fontsize=9)
            bars.set_xlim(0, 10.9)
            bars.set_xlabel("recent score (0-10)")
        else:
            bars.text(0.5, 0.5, "No scored answers yet", ha="center", va="center", fontsize=12)
            bars.axis("off")
        bars.set_title("Strength by category", fontsize=12)
        labels = [w.split("-")[1] for w, _ in trend]
        points = [(i, v) for i, (_, v) in enumerate(trend) if v is not None]
        if points:
            line.plot([p[0] for p in points], [p[1] for p in points], marker="o", color="#2b7bb9")
        line.set_xticks(list(range(len(labels))), labels, fontsize=9)
        line.set_ylim(0, 10.5)
        line.set_ylabel("mean score")
        line.set_title(f"Score trend, last {len(trend)} weeks", fontsize=12)
        for ax in (bars, line):
            ax.spines[["top", "right"]].set_visible(False)
        fig.suptitle(title, fontsize=13)
        fig.tight_layout()
        return _encode(fig, fmt)
    finally:
        plt.close(fig)
