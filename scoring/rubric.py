"""The rubric a judge grades against: the question's own, or pseudo-criteria from its model answer.

Eval-set questions may come without a rubric. Both judges then use the same derived criteria
(ids "ma-1".."ma-6", weight 1), so offline and LLM verdicts stay comparable criterion by criterion.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from bank.schema import Question
from scoring.text import content_stems, content_words, stem, units

MIN_PSEUDO, MAX_PSEUDO = 3, 6


@dataclass(frozen=True)
class RubricItem:
    id: str
    text: str
    weight: int = 1
    key_phrases: tuple[str, ...] = ()
    number: float | None = None
    tolerance: float = 0.02
    derived: bool = False  # a pseudo-criterion: its text is model-answer prose, never shown to users
    terms: tuple[str, ...] = field(default=())  # key terms of a derived item, safe to name in hints


def rubric_for(question: Question) -> list[RubricItem]:
    if question.rubric:
        return [
            RubricItem(c.id, c.text, c.weight, tuple(c.key_phrases), c.number, c.tolerance) for c in question.rubric
        ]
    return list(_derive(question.prompt, question.model_answer))


@lru_cache(maxsize=512)
def _derive(prompt: str, model_answer: str) -> tuple[RubricItem, ...]:
    prompt_stems = content_stems(prompt)
    sentences = [u.text for u in units(model_answer) if len(content_words(u.text)) >= 2]
    if not sentences:
        sentences = [model_answer]
    # Too many sentences: merge neighbours; too few: split the key terms of the longest ones.
    groups: list[list[str]] = [[s] for s in sentences]
    while len(groups) > MAX_PSEUDO:
        i = min(range(len(groups) - 1), key=lambda k: sum(len(s) for s in groups[k] + groups[k + 1]))
        groups[i : i + 2] = [groups[i] + groups[i + 1]]
    items: list[tuple[str, list[str]]] = []
    for g in groups:
        text = " ".join(g)
        terms = _key_terms(text, prompt_stems)
        if terms:
            items.append((text, terms))
    while 0 < len(items) < MIN_PSEUDO and any(len(t) >= 2 for _, t in items):
        i = max(range(len(items)), key=lambda k: len(items[k][1]))
        text, terms = items[i]
        half = len(terms) // 2
        items[i : i + 1] = [(text, terms[:half]), (text, terms[half:])]
    return tuple(
        RubricItem(f"ma-{n}", text, 1, tuple(terms), derived=True, terms=tuple(terms))
        for n, (text, terms) in enumerate(items, 1)
    )


def _key_terms(text: str, exclude: set[str], limit: int = 6) -> list[str]:
    seen: set[str] = set()
    terms: list[str] = []
    for w in content_words(text):
        s = stem(w)
        if s in exclude or s in seen or len(w) < 3:
            continue
        seen.add(s)
        terms.append(w)
    # Longer words are usually the more specific ones; adverbs and gerunds name a topic poorly.
    return sorted(terms, key=lambda w: (w.endswith(("ly", "ing")), -len(w)))[:limit]


def public_text(item: RubricItem) -> str:
    """What a reply may show for a criterion: derived items are named by key terms, not model-answer prose."""
    return f"Covers {', '.join(item.terms[:3])}" if item.derived else item.text
