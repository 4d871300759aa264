"""Operator views and housekeeping: the activity report and raw-answer retention."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import timedelta

from bot.services.context import Context


@dataclass
class ActivityReport:
    since_days: float
    received: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    judge_calls: int = 0
    input_tokens: int = 0
    cached_tokens: int = 0
    output_tokens: int = 0
    cost_by_judge: dict[str, float] = field(default_factory=dict)
    latency_ms_p50: float | None = None
    latency_ms_p95: float | None = None
    flags: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return round(ordered[index], 1)


async def activity(ctx: Context, since: timedelta) -> ActivityReport:
    start = ctx.clock.now() - since
    report = ActivityReport(round(since.total_seconds() / 86400, 2))
    async with ctx.uow() as uow:
        report.by_status = await uow.answers.status_counts(start)
        scores = await uow.scores.calls_since(start)
    report.received = sum(report.by_status.values())
    cost: dict[str, float] = defaultdict(float)
    flags: Counter[str] = Counter()
    for row in scores:
        report.input_tokens += row.input_tokens
        report.cached_tokens += row.cached_tokens
        report.output_tokens += row.output_tokens
        cost[row.judge_id] += row.cost_usd
        flags.update(row.flags or [])
    report.judge_calls = len(scores)
    report.cost_by_judge = {k: round(v, 6) for k, v in cost.items()}
    latencies = [r.latency_ms for r in scores]
    report.latency_ms_p50, report.latency_ms_p95 = _percentile(latencies, 0.5), _percentile(latencies, 0.95)
    report.flags = dict(flags)
    return report


async def purge_answer_text(ctx: Context, retention_days: int) -> int:
    """Blank the raw text of answers older than the retention period; scores and stats stay."""
    cutoff = ctx.clock.now() - timedelta(days=retention_days)
    async with ctx.uow() as uow:
        return await uow.answers.blank_text_before(cutoff)
