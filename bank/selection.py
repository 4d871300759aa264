"""Which question a channel gets today, and which one a person practises next.

Pure and deterministic: the same inputs, seed and date give the same pick.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from bank.schema import BankQuestion


@dataclass(frozen=True)
class Asked:
    qid: str
    category: str
    day: date


def _rng(*parts: object) -> random.Random:
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()
    return random.Random(int(digest[:16], 16))


def eligible(questions: Iterable[BankQuestion], categories: Sequence[str] = (), difficulty_max: int = 3,
             difficulty_min: int = 1) -> list[BankQuestion]:
    """Questions a channel's filter admits, in a stable order."""
    wanted = set(categories)
    return sorted(
        (q for q in questions if (not wanted or q.category in wanted)
         and difficulty_min <= q.difficulty <= difficulty_max),
        key=lambda q: q.id,
    )


def pick_round_question(
    candidates: Sequence[BankQuestion],
    history: Sequence[Asked],
    today: date,
    *,
    seed: str,
    cooldown_days: int = 60,
    team_weak: Sequence[str] = (),
    weak_weight: float = 0.5,
    avoid: Iterable[str] = (),
) -> BankQuestion | None:
    """No repeats until the eligible pool is exhausted (or a question's cooldown has passed); prefer the
    category asked longest ago, leaning toward the team's weakest categories. Questions in `avoid` (real
    answers show them too easy, too hard or not discriminating) are left out while others remain."""
    if not candidates:
        return None
    avoided = set(avoid)
    if avoided:
        kept = [q for q in candidates if q.id not in avoided]
        candidates = kept or candidates
    last_asked: dict[str, date] = {}
    for a in history:
        last_asked[a.qid] = max(a.day, last_asked.get(a.qid, a.day))
    fresh = [q for q in candidates if q.id not in last_asked]
    if not fresh:
        fresh = [q for q in candidates if (today - last_asked[q.id]).days >= cooldown_days]
    if not fresh:
        oldest = min(last_asked[q.id] for q in candidates)
        fresh = [q for q in candidates if last_asked[q.id] == oldest]

    cat_last: dict[str, date] = {}
    for a in history:
        cat_last[a.category] = max(a.day, cat_last.get(a.category, a.day))
    rng = _rng(seed, today.isoformat())
    weak_rank = {c: i for i, c in enumerate(team_weak)}

    def category_score(category: str) -> float:
        # Days since the category was last asked (never asked counts as a long time).
        gap = (today - cat_last[category]).days if category in cat_last else 365
        rotation = min(gap, 14) / 14
        weakness = 1 - weak_rank[category] / max(1, len(team_weak)) if category in weak_rank else 0.0
        return (1 - weak_weight) * rotation + weak_weight * weakness * rotation + rng.random() * 1e-3

    categories = sorted({q.category for q in fresh})
    best_category = max(categories, key=category_score)
    pool = [q for q in fresh if q.category == best_category]
    return pool[rng.randrange(len(pool))]


def pick_practice_question(
    questions: Sequence[BankQuestion],
    *,
    due_reviews: Sequence[str],
    weak_categories: Sequence[str],
    seen: Iterable[str],
    leeches: Iterable[str] = (),
    category: str | None = None,
    exclude: Iterable[str] = (),
    seed: str,
) -> BankQuestion | None:
    """Due reviews first, then unseen questions in the weakest categories, then any unseen, then any."""
    skip = set(exclude) | set(leeches)
    pool = [q for q in questions if (category is None or q.category == category) and q.id not in skip]
    if not pool:
        return None
    by_id: Mapping[str, BankQuestion] = {q.id: q for q in pool}
    for qid in due_reviews:
        if qid in by_id:
            return by_id[qid]
    seen_set = set(seen)
    unseen = [q for q in pool if q.id not in seen_set]
    rng = _rng(seed)
    for weak in weak_categories:
        matches = [q for q in unseen if q.category == weak]
        if matches:
            return matches[rng.randrange(len(matches))]
    choices = unseen or pool
    return sorted(choices, key=lambda q: q.id)[rng.randrange(len(choices))]
