"""Key phrases that do not separate a good answer from a bad one.

A key phrase that is one generic word ("cost", "latency", "result") is hit by a wrong answer as easily
as by a right one, so the offline judge credits a criterion for the topic rather than the idea. Each
such phrase is reported by `drillbot bank validate` (a failure with --strict, which `make test` uses for
the bank and the example pack). So is a phrase made only of direction or size words ("multiplies", "cut",
"too big"): the judge reads each through its synonym group, so "Use a bigger model." hits "multiplies".
"""

from __future__ import annotations

import re

from bank.schema import Question
from scoring.lexicon import SYNONYMS
from scoring.offline import _canon, _stem_set  # the judge's own reading of a phrase, so lint and judge agree
from scoring.text import stem

# Words every answer on an AI-engineering question uses whatever it claims. Issue 19 named the first
# seven; the rest are the same kind of word found in the bank's rubrics.
GENERIC_WORDS = frozenset({
    "cost", "latency", "output", "result", "percent", "tools", "prompts",
    "results", "outcome", "accuracy", "quality", "performance", "eval", "evals", "evaluation", "test",
    "tests", "data", "model", "models", "metric", "metrics", "score", "scores", "monitor", "monitoring",
    "log", "logs", "budget", "token", "tokens", "feedback", "review", "agent", "agents", "user", "users",
    "rate", "safety", "memory", "error", "errors", "policy", "retrieval", "prompt", "tool", "context",
    "time", "speed", "price", "answer", "answers", "risk", "team", "human", "better", "improved",
    # Words any story or plan uses whether or not it is right: a behavioural answer with no lesson says
    # "I learned", a guess says "we would measure".
    "because", "compared", "separately", "together", "fixed", "weeks", "measure", "measured", "sample",
    "sampled", "evidence", "examples", "learned", "lesson", "takeaway",
})
# Function words do not make a generic word specific ("the cost", "against policy").
_FILLER = frozenset({"a", "an", "the", "of", "to", "in", "on", "for", "and", "or", "with", "against", "through",
                     "by", "at", "its", "their", "our", "your", "is", "are"})


def is_generic(phrase: str) -> bool:
    content = [w for w in re.findall(r"[a-z0-9^@%$'-]+", phrase.lower()) if w not in _FILLER]
    return len(content) == 1 and content[0] in GENERIC_WORDS


# Synonym groups that say only which way or how big something goes. The set is taken from the judge's
# lexicon, not listed here, because the judge matches every word of these groups: a word someone adds to
# a group (say "slash" to reduce) widens what such a phrase matches, and the rule follows without an edit.
_DIRECTION_SEEDS = frozenset({"increase", "reduce", "large", "small", "fast", "improve", "cheap"})
DIRECTION_STEMS = frozenset(_canon(stem(w)) for group in SYNONYMS if _DIRECTION_SEEDS & set(group.split())
                            for w in group.split())


def is_direction_only(phrase: str) -> bool:
    """Every word the judge reads in the phrase (its own stems and synonyms) only names a direction or size,
    so any answer saying something grew, shrank or got cheaper meets it, whatever it says grew."""
    stems = _stem_set(phrase)
    return bool(stems) and stems <= DIRECTION_STEMS


def _problem(phrase: str) -> str | None:
    if is_generic(phrase):
        return "is one generic word"
    if is_direction_only(phrase):
        return "names only a direction or size, not what changes"
    return None


def generic_key_phrases(question: Question) -> list[str]:
    """One line per generic key phrase, naming the criterion (follow-up criteria included)."""
    criteria = [(c.id, c) for c in question.rubric]
    criteria += [(f"follow-up {n} {c.id}", c) for n, f in enumerate(question.follow_ups, 1) for c in f.rubric]
    found = [(cid, p, why) for cid, c in criteria for p in c.key_phrases if (why := _problem(p))]
    return [f"{question.id}: criterion {cid}: key phrase {p!r} {why}" for cid, p, why in found]


_TODO = re.compile(r"\bTODO\b")


def _strings(value: object, where: str) -> list[tuple[str, str]]:
    """Every string in a dumped question, with the field path it sits at ("rubric.0.key_phrases.1")."""
    if isinstance(value, str):
        return [(where, value)]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in _strings(v, f"{where}.{k}" if where else str(k))]
    if isinstance(value, list):
        return [s for i, v in enumerate(value) for s in _strings(v, f"{where}.{i}")]
    return []


def todo_placeholders(question: Question) -> list[str]:
    """One line per field still holding a `bank new` placeholder. A template with only its answer and
    rubric filled in can pass the graded checks, so an unreplaced TODO in the probing note, a follow-up
    or the tags would otherwise ship to players."""
    return [f"{question.id}: {field}: still holds a TODO placeholder from `drillbot bank new`"
            for field, text in _strings(question.model_dump(mode="json"), "") if _TODO.search(text)]
