"""Per-person category statistics and the choice of weak categories."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

ALPHA = 0.3
MIN_ATTEMPTS_FOR_WEAK = 2


@dataclass(frozen=True)
class CategoryStat:
    category: str
    attempts: int = 0
    mean: float = 0.0
    weighted_mean: float = 0.0
    last_score: float | None = None


def update(stat: CategoryStat, score: float) -> CategoryStat:
    attempts = stat.attempts + 1
    mean = stat.mean + (score - stat.mean) / attempts
    ewma = score if stat.attempts == 0 else ALPHA * score + (1 - ALPHA) * stat.weighted_mean
    return CategoryStat(stat.category, attempts, round(mean, 4), round(ewma, 4), score)


def from_scores(category: str, scores: Iterable[float]) -> CategoryStat:
    stat = CategoryStat(category)
    for s in scores:
        stat = update(stat, s)
    return stat


def weak_categories(stats: Iterable[CategoryStat], all_categories: Sequence[str], limit: int = 3) -> list[str]:
    """Lowest weighted means among categories tried at least twice, then categories never tried."""
    by_cat = {s.category: s for s in stats}
    tried = sorted(
        (s for s in by_cat.values() if s.attempts >= MIN_ATTEMPTS_FOR_WEAK and s.category in all_categories),
        key=lambda s: (s.weighted_mean, s.category),
    )
    untried = [c for c in all_categories if by_cat.get(c, CategoryStat(c)).attempts == 0]
    return [s.category for s in tried][:limit] + untried[: max(0, limit - len(tried))]
