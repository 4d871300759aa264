"""`drillbot eval`: load labelled sets, grade them with the chosen judge, print figures, apply a gate.

Exit codes: 0 done (gate met), 1 gate not met, 2 bad input (paths, YAML, unknown question, thresholds),
3 more answers could not be graded than `--allow-failures` allows (default 0).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from bank.evalsets import EvalSetError, LoadedSet, load_evalsets
from bank.loader import BankError, load_bank
from bot.config import Settings
from bot.ports import Judge, Usage
from scoring.evaluate import AnswerResult, EvalItem, GateError, check_gate, figures, grade_all, items_from
from scoring.pricing import PriceTable

GROUP_COLUMNS = ("n", "qwk", "spearman", "pearson", "mae", "within_1", "bias", "abstained")
# Gate files live beside the sets they gate (bank/evals/thresholds.yaml) but are not answer sets.
THRESHOLD_FILES = frozenset({"thresholds.yaml", "thresholds.yml"})
# Optional in a thresholds file: the names of the sets its figures were measured on. The gate then checks
# the figures of those sets only, so adding a new set beside them neither fails nor dilutes the gate.
GATE_SETS_KEY = "gate_sets"


class UsageError(Exception):
    pass


def build_eval_judge(args: argparse.Namespace, settings: Settings) -> Judge:
    from scoring import build_judge

    if args.judge == "offline":
        return build_judge("offline")
    # As app/wiring.py, but never wrapped in the offline fallback: an eval must measure the judge it
    # names, so a failing call counts in `failures` instead of being silently graded offline.
    return build_judge(
        "openai",
        model=args.model or settings.judge_model,
        base_url=settings.openai_base_url,
        api_key=settings.openai_api_key.get_secret_value() if settings.openai_api_key else None,
        timeout=settings.judge_timeout_s,
        escalate_model=settings.judge_escalate_model,
        prices=settings.judge_prices_table,
        reasoning_effort=settings.judge_reasoning_effort,
    )


def load_thresholds(path: str) -> dict[str, Any]:
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"gate file {path}: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise UsageError(f"gate file {path}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise UsageError(f"gate file {path}: expected a mapping like `qwk_min: 0.8`")
    sets = raw.get(GATE_SETS_KEY)
    if sets is not None and (not isinstance(sets, list) or not all(isinstance(x, str) for x in sets)):
        raise UsageError(f"gate file {path}: `{GATE_SETS_KEY}` must be a list of set names")
    try:
        # Validates names and values before any grading is paid for.
        check_gate(figures([]), {k: v for k, v in raw.items() if k != GATE_SETS_KEY})
    except GateError as exc:
        raise UsageError(f"gate file {path}: {exc}") from None
    return raw


def by_question(items: list[EvalItem]) -> list[int]:
    """Send order: answers to one question back to back, so each reuses the question's cached prefix."""
    return sorted(range(len(items)), key=lambda i: items[i].question.id)


async def _grade(judge: Judge, items: list[EvalItem], concurrency: int) -> list[AnswerResult]:
    order = by_question(items)
    graded = await _grade_in_order(judge, [items[i] for i in order], concurrency)
    results: list[AnswerResult] = [None] * len(items)  # type: ignore[list-item]
    for i, result in zip(order, graded, strict=True):
        results[i] = result
    return results


async def _grade_in_order(judge: Judge, items: list[EvalItem], concurrency: int) -> list[AnswerResult]:
    console = Console(stderr=True)
    # Progress goes to stderr and only on a terminal: stdout stays one JSON object, CI logs stay clean.
    with Progress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True, disable=not console.is_terminal) as progress:
        task = progress.add_task("grading", total=len(items))
        try:
            return await grade_all(judge, items, concurrency, lambda: progress.advance(task))
        finally:
            close = getattr(judge, "aclose", None)
            if close is not None:
                await close()


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def print_table(figs: dict[str, Any]) -> None:
    console = Console()
    if not console.is_terminal:
        console = Console(width=120)  # piped output: rich's 80-column default would wrap every category name
    table = Table("group", *GROUP_COLUMNS, header_style="bold", title=f"judge {figs['judge']}")
    table.add_row("overall", *(_fmt(figs[c]) for c in GROUP_COLUMNS), style="bold")
    for kind in ("by_category", "by_tag"):
        table.add_section()
        for name, group in figs[kind].items():
            table.add_row(f"{kind[3:]}: {name}", *(_fmt(group[c]) for c in GROUP_COLUMNS))
    # The naive baseline on the same answers, so "never worse than stemmed recall" can be read off.
    table.add_section()
    for scope, label in (("all", "all"), ("model_answer_only", "model answer only")):
        pair = figs["baseline"][scope]
        for who in ("judge", "baseline"):
            name = f"{label}: {'judge' if who == 'judge' else 'stemmed recall'}"
            table.add_row(name, *(_fmt(pair[who].get(c)) for c in GROUP_COLUMNS))
    console.print(table)
    console.print(
        f"inflation_adversarial {_fmt(figs['inflation_adversarial'])} (n={figs['inflation_n']})  "
        f"flag_recall {_fmt(figs['flag_recall'])} (n={figs['flag_recall_n']})  failures {figs['failures']}"
        + "".join(f"  {reason} {n}" for reason, n in figs.get("failures_by_reason", {}).items())
        + f"  abstained {figs['abstained']}  held {figs['held']}"
    )
    console.print(
        f"tokens/answer in {_fmt(figs['input_tokens_mean'])} cached {_fmt(figs['cached_tokens_mean'])} "
        f"out {_fmt(figs['output_tokens_mean'])}  cost/1000 answers ${_fmt(figs['cost_per_1000_usd'])}  "
        f"latency p50 {_fmt(figs['latency_ms_p50'])} ms p95 {_fmt(figs['latency_ms_p95'])} ms"
    )
    if figs.get("cost_unknown_models"):
        console.print(f"cost unknown: no price for {', '.join(figs['cost_unknown_models'])} (DRILLBOT_JUDGE_PRICES)")
    for model, usd in figs.get("cost_per_1000_by_model", {}).items():
        console.print(f"  at {model} prices: ${_fmt(usd)} per 1000 answers")


def price_models(text: str | None) -> list[str]:
    return [m.strip() for m in (text or "").split(",") if m.strip()]


def cost_figures(results: list[AnswerResult], judge: Judge, models: list[str], table: PriceTable,
                 *, batch: bool = False) -> dict[str, Any]:
    """Failures by reason, reasoning tokens, and the cost of the same token counts at other models' prices
    (token counts differ a little between tokenizers; the figure says what this run would have cost)."""
    graded = [r for r in results if r.judge is not None]
    reasons: dict[str, int] = {}
    for r in results:
        if r.error:
            reasons[r.failure_reason or "error"] = reasons.get(r.failure_reason or "error", 0) + 1
    out: dict[str, Any] = {
        "failures_by_reason": dict(sorted(reasons.items())),
        "reasoning_tokens_mean": round(sum(r.reasoning_tokens for r in graded) / len(graded), 1) if graded else None,
    }
    by_model: dict[str, float | None] = {}
    for model in models:
        costs = [table.cost(model, Usage(r.input_tokens, r.cached_tokens, r.output_tokens), batch=batch)
                 for r in graded]
        by_model[model] = (round(1000 * sum(c.usd for c in costs) / len(costs), 6)
                           if costs and all(c.known for c in costs) else None)
    if by_model:
        out["cost_per_1000_by_model"] = by_model
    from scoring import innermost

    unknown = getattr(innermost(judge), "unpriced_models", lambda: [])()
    if unknown:
        out["cost_unknown_models"] = unknown
        out["cost_per_1000_usd"] = None  # unknown, not $0
    return out


def set_files(paths: list[str], gate: str | None) -> list[Path]:
    """Expand directories to their set files, leaving out threshold files; named files are kept as given."""
    skip = {Path(gate).resolve()} if gate else set()
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(f for f in p.iterdir() if f.suffix in (".yaml", ".yml", ".json"))
            kept = [f for f in found if f.name not in THRESHOLD_FILES and f.resolve() not in skip]
            if not kept:
                raise UsageError(f"no eval set files found in {p}")
            out += kept
        else:
            out.append(p)  # a missing path is reported by the loader
    return out


def _load(args: argparse.Namespace, settings: Settings) -> tuple[list[LoadedSet], dict[str, Any] | None]:
    if args.concurrency < 1:
        raise UsageError("--concurrency must be at least 1")
    if args.judge == "openai" and settings.openai_api_key is None and settings.openai_base_url is None:
        raise UsageError("--judge openai needs OPENAI_API_KEY (or DRILLBOT_OPENAI_BASE_URL for a local server)")
    if args.report and not Path(args.report).resolve().parent.is_dir():
        # Checked before grading so a paid run is not thrown away at the end.
        raise UsageError(f"cannot write report {args.report}: no such directory")
    thresholds = load_thresholds(args.gate) if args.gate else None
    try:
        bank = load_bank(settings.pack_dirs)  # answers may reference bank (or team pack) question ids
        return load_evalsets(set_files(args.paths, args.gate), bank), thresholds
    except (EvalSetError, BankError) as exc:
        raise UsageError(str(exc)) from None


def run_eval(args: argparse.Namespace, settings: Settings) -> int:
    try:
        if getattr(args, "estimate", False):
            return run_estimate(args, settings)
        if getattr(args, "batch", False) and args.judge != "openai":
            raise UsageError("--batch needs --judge openai")
        if getattr(args, "allow_failures", 0) < 0:
            raise UsageError("--allow-failures must be 0 or more")
        sets, thresholds = _load(args, settings)
    except UsageError as exc:
        print(f"drillbot eval: {exc}", file=sys.stderr)
        return 2
    items = items_from(sets)
    judge = build_eval_judge(args, settings)
    batch = bool(getattr(args, "batch", False))
    if batch:
        from scoring.batch import BatchError, grade_batch

        try:
            from scoring import innermost

            # The Batch API needs the LLM judge itself; the wrapper's cross-check still applies per result.
            results = asyncio.run(grade_batch(innermost(judge), items, args.batch_state,  # type: ignore[arg-type]
                                              poll_s=args.batch_poll_s, timeout_s=args.batch_wait_s,
                                              check=getattr(judge, "check", None)))
        except BatchError as exc:
            print(f"drillbot eval: batch: {exc}", file=sys.stderr)
            return 3
    else:
        results = asyncio.run(_grade(judge, items, args.concurrency))
    table = PriceTable(settings.judge_prices_table)
    figs = {"judge": judge.id, "sets": [s.name for s in sets], **figures(results),
            **cost_figures(results, judge, price_models(getattr(args, "price_models", None)), table, batch=batch)}
    if batch:
        figs["batch"] = True
    if args.report:
        report = {**figs, "answers": [r.as_json() for r in results]}
        try:
            Path(args.report).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        except OSError as exc:
            print(f"drillbot eval: cannot write report {args.report}: {exc.strerror or exc}", file=sys.stderr)
            return 2
    failed = [r for r in results if r.error]
    if failed:
        reasons = ", ".join(f"{reason} {n}" for reason, n in figs["failures_by_reason"].items())
        print(f"drillbot eval: {len(failed)} of {len(results)} answer(s) could not be graded ({reasons}); "
              f"first error: {failed[0].error}", file=sys.stderr)
    if args.json:
        print(json.dumps(figs, ensure_ascii=False))
    else:
        print_table(figs)
    allowed = getattr(args, "allow_failures", 0)
    if len(failed) > allowed:
        # Figures over the answers that were graded are not figures for the set: never a silent pass.
        print(f"drillbot eval: {len(failed)} failure(s), more than --allow-failures {allowed}", file=sys.stderr)
        return 3
    if thresholds is None:
        return 0
    gate_sets = thresholds.pop(GATE_SETS_KEY, None)
    gated = figs
    if gate_sets is not None:
        missing = sorted(set(gate_sets) - {s.name for s in sets})
        if missing:
            print(f"drillbot eval: gate names set(s) not loaded: {', '.join(missing)}", file=sys.stderr)
            return 2
        gated = figures([r for r in results if r.item.set_name in gate_sets])
    unmet = check_gate(gated, thresholds)
    for line in unmet:
        print(f"drillbot eval: gate not met: {line}", file=sys.stderr)
    return 1 if unmet else 0


def run_estimate(args: argparse.Namespace, settings: Settings) -> int:
    """Tokens and dollars for grading the sets with the LLM judge, counted offline; nothing is sent."""
    from scoring.offline import OfflineJudge
    from scoring.tokens import encoder, estimate

    sets, _ = _load(argparse.Namespace(**{**vars(args), "judge": "offline", "report": None}), settings)
    items = items_from(sets)
    method, count = encoder()
    rows = estimate(((i.question, i.text) for i in items), OfflineJudge().grade_sync, count)
    table = PriceTable(settings.judge_prices_table)
    model = args.model or settings.judge_model
    models = list(dict.fromkeys([model, *price_models(getattr(args, "price_models", None))]))
    batch = bool(getattr(args, "batch", False))
    usages = [r.usage() for r in rows]
    total = sum(usages, Usage())
    dollars: dict[str, float | None] = {}
    for m in models:
        costs = [table.cost(m, u, batch=batch) for u in usages]
        dollars[m] = round(sum(c.usd for c in costs), 6) if all(c.known for c in costs) else None
    out = {
        "answers": len(rows), "questions": len({r.question_id for r in rows}), "tokenizer": method,
        "input_tokens": total.input_tokens, "cached_tokens": total.cached_tokens, "output_tokens": total.output_tokens,
        "output_tokens_note": "estimated from the offline judge's verdicts; reasoning models add hidden tokens",
        "batch": batch, "usd_total_by_model": dollars,
        "usd_per_1000_by_model": {m: (None if d is None else round(1000 * d / max(1, len(rows)), 4))
                                  for m, d in dollars.items()},
    }
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
    else:
        print(f"{out['answers']} answers to {out['questions']} questions ({method}): input {total.input_tokens} "
              f"tokens (cached {total.cached_tokens}), output about {total.output_tokens}"
              + (" at Batch API prices" if batch else ""))
        for m, d in dollars.items():
            print(f"  {m}: " + ("no price (set DRILLBOT_JUDGE_PRICES)" if d is None else f"${d:.4f} total"))
    return 0
