"""How each question behaves on real answers: does it separate strong answers from weak ones?

Pure: takes the scores, returns per-question figures and a verdict once there are enough answers.
`bot/services/calibration.py` reads the scores from the database.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

MIN_ANSWERS = 10
HIGH, LOW = 8.0, 3.0
TOO_EASY_SHARE = 0.7  # most answers score >= 8
TOO_HARD_SHARE = 0.7  # most answers score <= 3
FLAT_SPREAD = 1.0  # standard deviation below this: everyone gets about the same score


@dataclass(frozen=True)
class Calibration:
    qid: str
    attempts: int
    mean: float
    spread: float  # population standard deviation of the totals
    share_high: float  # share of answers scoring >= 8
    share_low: float  # share of answers scoring <= 3
    verdict: str  # "ok", "too easy", "too hard", "not discriminating" or "too few answers"

    @property
    def flagged(self) -> bool:
        return self.verdict not in ("ok", "too few answers")

    def as_dict(self) -> dict[str, object]:
        return {"qid": self.qid, "attempts": self.attempts, "mean": round(self.mean, 2),
                "spread": round(self.spread, 2), "share_high": round(self.share_high, 3),
                "share_low": round(self.share_low, 3), "verdict": self.verdict}


def calibrate_one(qid: str, scores: Iterable[float], min_answers: int = MIN_ANSWERS) -> Calibration:
    values = list(scores)
    n = len(values)
    if n == 0:
        return Calibration(qid, 0, 0.0, 0.0, 0.0, 0.0, "too few answers")
    mean = statistics.fmean(values)
    spread = statistics.pstdev(values) if n > 1 else 0.0
    high = sum(v >= HIGH for v in values) / n
    low = sum(v <= LOW for v in values) / n
    if n < min_answers:
        verdict = "too few answers"
    elif high >= TOO_EASY_SHARE:
        verdict = "too easy"
    elif low >= TOO_HARD_SHARE:
        verdict = "too hard"
    elif spread < FLAT_SPREAD:
        verdict = "not discriminating"
    else:
        verdict = "ok"
    return Calibration(qid, n, mean, spread, high, low, verdict)


def calibrate(scores_by_qid: Mapping[str, Iterable[float]], min_answers: int = MIN_ANSWERS) -> list[Calibration]:
    return [calibrate_one(qid, scores, min_answers) for qid, scores in sorted(scores_by_qid.items())]
