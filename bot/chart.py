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
