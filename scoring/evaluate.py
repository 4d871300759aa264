"""Judge evaluation: grade labelled answers with any judge and measure agreement with the human labels.

Grading (`grade_all`) and figures (`figures`) are separate so the statistics can be tested on hand-made
results without a judge. The statistics live in `scoring.stats` (plain Python, checked against scipy and
scikit-learn); this module only decides which numbers go in and what a degenerate group reports (None,
never NaN).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from bank.evalsets import LoadedSet
from bank.schema import Question
from bot.ports import Judge
from scoring import stats
from scoring.text import content_stems

SCORE_MAX = 10
LABELS = list(range(SCORE_MAX + 1))
# Answers written to game the judge: it must not score them above the human.
INFLATION_TAGS = frozenset({"injection", "stuffing", "copy"})
# Answers the judge should flag (any flag counts).
ADVERSARIAL_TAGS = INFLATION_TAGS | {"empty", "off_topic"}


@dataclass(frozen=True)
class EvalItem:
    set_name: str
    answer_id: str
    question: Question
    text: str
    human: float  # rescaled to 0-10
    human_raw: float
    tags: tuple[str, ...]


@dataclass
class AnswerResult:
    item: EvalItem
    judge: float | None = None  # None when grading raised
    flags: list[str] = field(default_factory=list)
    criteria: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    failure_reason: str | None = None  # JudgeError.reason ("transport", "length", "wrong_shape", ...)
    input_tokens: int = 0
    cached_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0
    cost_usd: float = 0.0
    latency_ms: float = 0.0
    status: str = "scored"  # the verdict's status: scored, held or abstained
    baseline: float = 0.0  # stemmed recall of the model answer's content words, 0-10

    @property
    def abstained(self) -> bool:
        return self.status == "abstained"

    @property
    def counted(self) -> bool:
        """Graded and not abstained: the answers every agreement figure rests on."""
        return self.judge is not None and not self.abstained

    def as_json(self) -> dict[str, Any]:
        it = self.item
        return {
            "id": it.answer_id,
            "set": it.set_name,
            "question": it.question.id,
            "category": it.question.category,
            "tags": list(it.tags),
            "human": it.human,
            "human_raw": it.human_raw,
            "judge": self.judge,
            "abstained": self.abstained,
            "status": self.status,
            "baseline": self.baseline,
            "flags": self.flags,
            "criteria": self.criteria,
            "error": self.error,
            "failure_reason": self.failure_reason,
            "input_tokens": self.input_tokens,
            "cached_tokens": self.cached_tokens,
            "output_tokens": self.output_tokens,
            "reasoning_tokens": self.reasoning_tokens,
            "cost_usd": self.cost_usd,
            "latency_ms": round(self.latency_ms, 3),
        }


def items_from(sets: Iterable[LoadedSet]) -> list[EvalItem]:
    """Flatten loaded sets into gradable items, human scores rescaled to the judge's 0-10."""
    out = []
    for s in sets:
        factor = SCORE_MAX / s.scale
        for a in s.answers:
            out.append(EvalItem(s.name, a.id, s.questions[a.question], a.text, round(a.human_score * factor, 4),
                                a.human_score, tuple(a.tags)))
    return out


def stemmed_recall(model_answer: str, answer: str) -> float:
    """The naive baseline: the share of the model answer's content-word stems the answer uses, times 10.

    No rubric, synonyms, flags or calibration: what any judge must beat on questions that come with only
    a model answer (eval sets, team packs)."""
    reference = content_stems(model_answer)
    if not reference:
        return 0.0
    return round(10 * len(reference & content_stems(answer)) / len(reference), 1)


async def grade_one(judge: Judge, item: EvalItem) -> AnswerResult:
    started = time.perf_counter()
    baseline = stemmed_recall(item.question.model_answer, item.text)
    try:
        verdict = await judge.grade(item.question, item.text)
    except Exception as exc:  # any judge failure is a figure ("failures"), not a crash of the whole run
        return AnswerResult(item, error=f"{type(exc).__name__}: {exc}",
                            failure_reason=getattr(exc, "reason", "") or type(exc).__name__,
                            latency_ms=(time.perf_counter() - started) * 1000, baseline=baseline)
    return AnswerResult(
        item,
        status=verdict.status,
        baseline=baseline,
        judge=verdict.total,
        flags=list(verdict.flags),
        criteria=[{"id": c.id, "verdict": c.verdict, "weight": c.weight, "evidence": c.evidence}
                  for c in verdict.criteria],
        input_tokens=verdict.usage.input_tokens,
        cached_tokens=verdict.usage.cached_tokens,
        output_tokens=verdict.usage.output_tokens,
        reasoning_tokens=verdict.usage.reasoning_tokens,
        cost_usd=verdict.cost_usd,
        # The judge's own timing when it has one (excludes our queueing), else the wall time of the call.
        latency_ms=verdict.latency_ms or (time.perf_counter() - started) * 1000,
    )


async def grade_all(
    judge: Judge, items: list[EvalItem], concurrency: int, on_done: Callable[[], None] | None = None
) -> list[AnswerResult]:
    """Grade every item with at most `concurrency` calls in flight; results keep the input order."""
    gate = asyncio.Semaphore(concurrency)

    async def run(item: EvalItem) -> AnswerResult:
        async with gate:
            result = await grade_one(judge, item)
        if on_done is not None:
            on_done()
        return result

    return list(await asyncio.gather(*(run(i) for i in items)))


# figures --------------------------------------------------------------------------------------------
def to_label(score: float) -> int:
    """Round half up (not Python's half-to-even) and clip to 0-10, so 4.5 and 5.5 both move up."""
    return min(SCORE_MAX, max(0, math.floor(score + 0.5)))


def _finite(value: float | None) -> float | None:
    if value is None:
        return None
    value = float(value)
    return round(value, 4) if math.isfinite(value) else None


def agreement(human: list[float], judge: list[float]) -> dict[str, Any]:
    """n, qwk, spearman, pearson, mae, within_1 and bias (mean judge - human) for paired scores."""
    n = len(human)
    out: dict[str, Any] = {"n": n, "qwk": None, "spearman": None, "pearson": None,
                           "mae": None, "within_1": None, "bias": None}
    if n == 0:
        return out
    h, j = [float(x) for x in human], [float(x) for x in judge]
    diff = [b - a for a, b in zip(h, j, strict=True)]
    out["mae"] = _finite(stats.mean([abs(d) for d in diff]))
    out["within_1"] = _finite(stats.mean([float(abs(d) <= 1 + 1e-9) for d in diff]))
    out["bias"] = _finite(stats.mean(diff))
    # A constant side makes correlations undefined and kappa uninformative: report null, not 0 or NaN.
    if n < 2 or min(h) == max(h) or min(j) == max(j):
        return out
    # Labels 0..10 make the quadratic weights follow score distance, not the order of labels present;
    # constant rounded labels leave kappa undefined (None).
    out["qwk"] = _finite(stats.quadratic_kappa([to_label(x) for x in h], [to_label(x) for x in j], LABELS))
    out["spearman"] = _finite(stats.spearman(h, j))
    out["pearson"] = _finite(stats.pearson(h, j))
    return out


def _pairs(results: Iterable[AnswerResult]) -> dict[str, Any]:
    """Agreement over the counted answers, plus how many of the group the judge abstained on."""
    results = list(results)
    graded = [r for r in results if r.counted]
    out = agreement([r.item.human for r in graded], [r.judge for r in graded])  # type: ignore[misc]
    out["abstained"] = sum(r.abstained for r in results)
    return out


def baseline_figures(results: list[AnswerResult]) -> dict[str, Any]:
    """The stemmed-recall baseline beside the judge, on the same counted answers: overall and on the
    questions graded from a model answer alone (no rubric), where the judge must never do worse."""
    graded = [r for r in results if r.counted]
    ref_only = [r for r in graded if not r.item.question.rubric]

    def both(group: list[AnswerResult]) -> dict[str, Any]:
        human = [r.item.human for r in group]
        return {"judge": agreement(human, [r.judge for r in group]),  # type: ignore[misc]
                "baseline": agreement(human, [r.baseline for r in group])}

    return {"method": "10 x share of the model answer's content-word stems found in the answer",
            "all": both(graded), "model_answer_only": both(ref_only)}


def _mean(values: list[float], digits: int = 4) -> float | None:
    return round(stats.mean(values), digits) if values else None


def _percentile(values: list[float], q: float) -> float | None:
    return round(stats.percentile(values, q), 3) if values else None


def figures(results: list[AnswerResult]) -> dict[str, Any]:
    """Every figure of the eval as plain JSON-ready values (None where a figure is undefined)."""
    graded = [r for r in results if r.counted]
    by_category: dict[str, list[AnswerResult]] = defaultdict(list)
    by_tag: dict[str, list[AnswerResult]] = defaultdict(list)
    for r in results:
        by_category[r.item.question.category].append(r)
        for tag in r.item.tags:
            by_tag[tag].append(r)
    inflated = [r.judge - r.item.human for r in graded if INFLATION_TAGS & set(r.item.tags)]  # type: ignore[operator]
    adversarial = [r for r in graded if ADVERSARIAL_TAGS & set(r.item.tags)]
    out = _pairs(results)
    out.update({
        "by_category": {k: _pairs(v) for k, v in sorted(by_category.items())},
        "by_tag": {k: _pairs(v) for k, v in sorted(by_tag.items())},
        "inflation_adversarial": _mean(inflated),
        "inflation_n": len(inflated),
        "flag_recall": _mean([1.0 if r.flags else 0.0 for r in adversarial]),
        "flag_recall_n": len(adversarial),
        "input_tokens_mean": _mean([r.input_tokens for r in graded], 1),
        "cached_tokens_mean": _mean([r.cached_tokens for r in graded], 1),
        "output_tokens_mean": _mean([r.output_tokens for r in graded], 1),
        "cost_per_1000_usd": _mean([r.cost_usd * 1000 for r in graded], 6),
        "latency_ms_p50": _percentile([r.latency_ms for r in graded], 50),
        "latency_ms_p95": _percentile([r.latency_ms for r in graded], 95),
        "failures": sum(r.judge is None for r in results),
        "abstained": sum(r.abstained for r in results),
        "held": sum(r.status == "held" for r in results),
        "baseline": baseline_figures(results),
    })
    return out


# gate -----------------------------------------------------------------------------------------------
# Whatever a thresholds file says, a judge that inflates adversarial answers by more than a point fails.
HARD_MAX = {"inflation_adversarial": 1.0}


class GateError(Exception):
    """The thresholds file itself is wrong (unknown figure, non-number): a usage error, not a failure."""


def check_gate(figs: dict[str, Any], thresholds: dict[str, Any]) -> list[str]:
    """Unmet thresholds as readable lines; `<figure>_min` / `<figure>_max` keys name top-level figures."""
    limits: dict[tuple[str, str], float] = {}
    for key, value in thresholds.items():
        name, _, bound = str(key).rpartition("_")
        if bound not in ("min", "max") or name not in figs or isinstance(figs[name], dict):
            raise GateError(f"unknown threshold {key!r}: use <figure>_min or <figure>_max for a top-level figure")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise GateError(f"threshold {key!r} must be a number, got {value!r}")
        limits[(name, bound)] = float(value)
    explicit = set(limits)
    for name, ceiling in HARD_MAX.items():
        limits[(name, "max")] = min(limits.get((name, "max"), ceiling), ceiling)
    unmet = []
    for (name, bound), limit in sorted(limits.items()):
        value = figs.get(name)
        if value is None and (name, bound) not in explicit:
            continue  # the built-in ceiling only applies where the set has answers to measure it on
        if value is None:
            unmet.append(f"{name} is undefined on this set (needs {bound} {limit:g})")
        elif (bound == "min" and value < limit) or (bound == "max" and value > limit):
            unmet.append(f"{name} = {value:g}, {'below minimum' if bound == 'min' else 'above maximum'} {limit:g}")
    return unmet
