"""Optional Prometheus endpoint (DRILLBOT_METRICS_PORT). Off by default; prometheus-client is only
imported when it is switched on."""

from __future__ import annotations

from bot.core import Core
from bot.ports import Verdict


def serve_metrics(core: Core, port: int, addr: str = "127.0.0.1") -> None:
    from prometheus_client import Counter, Histogram, start_http_server

    scored = Counter("drillbot_answers_scored_total", "Answers scored", ["judge"])
    failures = Counter("drillbot_judge_failures_total", "Judge calls that failed")
    tokens = Counter("drillbot_judge_tokens_total", "Judge tokens", ["kind"])
    cost = Counter("drillbot_judge_cost_usd_total", "Judge cost in USD", ["judge"])
    flags = Counter("drillbot_answer_flags_total", "Flags raised on answers", ["flag"])
    latency = Histogram("drillbot_judge_latency_seconds", "Judge latency",
                        buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30))

    def on_event(event: str, payload: object) -> None:
        if event == "failed":
            failures.inc()
            return
        if event == "scored" and isinstance(payload, Verdict):
            judge = payload.judge_id or core.judge.id
            scored.labels(judge).inc()
            cost.labels(judge).inc(payload.cost_usd)
            for kind, n in (("input", payload.usage.input_tokens), ("cached", payload.usage.cached_tokens),
                            ("output", payload.usage.output_tokens)):
                tokens.labels(kind).inc(n)
            for flag in payload.flags:
                flags.labels(flag).inc()
            latency.observe(payload.latency_ms / 1000)

    core.worker.listeners.append(on_event)
    start_http_server(port, addr=addr)
