"""Suite 5: the offline rubric judge's speed on the labelled answers (bank/evals)."""

from __future__ import annotations

import time

from bench.common import eval_items
from scoring.offline import OfflineJudge


def run(quick: bool) -> dict[str, float | int]:
    items = eval_items()
    judge = OfflineJudge()
    for item in items:  # warm per-question caches, as a running bot has them
        judge.grade_sync(item.question, item.text)
    min_s = 1.0 if quick else 5.0
    n = 0
    started = time.perf_counter()
    while True:
        # A new sentence per pass makes every answer new to the judge's per-text caches, as real answers
        # are; only the per-question caches stay warm.
        suffix = f" We revisit this in review {n // len(items) + 1}."
        for item in items:
            judge.grade_sync(item.question, item.text + suffix)
        n += len(items)
        wall = time.perf_counter() - started
        if wall >= min_s:
            break
    return {"answers": n, "distinct_answers": len(items), "answers_per_s": round(n / wall, 1)}
