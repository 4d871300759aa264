"""OfflineJudge: deterministic rubric matching, no network, thousands of answers a second.

Per criterion it measures how much of the criterion's vocabulary (key phrases, content words of its
text, an optional number) the answer's real sentences cover, after stemming and a small synonym table.
Text that cannot earn credit: keyword-bag fragments in a stuffed answer, sentences copied from the
prompt, words the prompt itself supplies, and anything addressed to the grader.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

from bank.schema import Question
from bot.ports import CriterionMark, CriterionResult, Verdict
from scoring.flags import detect_flags, injection_in
from scoring.numbers import mentions_number
from scoring.rubric import RubricItem, public_text, rubric_for
from scoring.text import (
    RUBRIC_FILLER,
    STOPWORDS,
    Unit,
    clean,
    content_stems,
    fragments,
    is_sentence_like,
    stem,
    units,
    words,
)

OFFLINE_NOTE = (
    "Scored by the offline rubric scorer. Set DRILLBOT_JUDGE=openai with OPENAI_API_KEY to enable the LLM judge."
)
MET_AT, PARTIAL_AT = 0.6, 0.3
EVIDENCE_CHARS = 200

# Small on purpose: each group is a set of words interviewers use interchangeably in AI engineering.
_SYNONYM_GROUPS = [
    "cache caching cached memoize memoise",
    "cost price pricing spend expense bill billing dollars",
    "latency delay slowness lag",
    "llm model",
    "retrieval retrieve search lookup fetch",
    "evaluation eval evals benchmark",
    "hallucination hallucinate fabricate fabrication confabulation",
    "embedding embeddings vector vectors",
    "reduce cut lower decrease minimise minimize shrink",
    "increase raise grow boost",
    "monitor monitoring observe observability track tracking",
    "guardrail guardrails safeguard safeguards",
    "rerank reranker reranking reorder",
    "chunk chunks chunking split splitting segment",
    "human manual annotator annotators labeller labelers",
    "batch batching bulk",
    "cheap cheaper inexpensive",
    "fast faster quick quicker speedy",
    "user users customer customers",
    "error errors failure failures mistake mistakes",
    "test tests testing",
    "prompt prompts instruction instructions",
    "tokens token",
    "accuracy correctness",
    "quantization quantisation quantize quantise",
    "distillation distil distill distilled",
    "finetune finetuning fine-tune fine-tuning",
    "throughput qps rps",
    "timeout timeouts deadline",
    "retry retries",
    "fallback fallbacks failover",
    "permission permissions privilege privileges",
    "sanitize sanitise sanitization sanitisation escape escaping",
]
_CANON: dict[str, str] = {}
for _group in _SYNONYM_GROUPS:
    _stems = [stem(w) for w in _group.replace("-", "").split()]
    for _s in _stems:
        _CANON.setdefault(_s, _stems[0])


def _canon(s: str) -> str:
    return _CANON.get(s, s)


def _stem_set(text: str) -> set[str]:
    return {_canon(stem(w)) for w in words(text.replace("-", "")) if w not in STOPWORDS}


@dataclass(frozen=True)
class _Matcher:
    item: RubricItem
    phrases: tuple[frozenset[str], ...]
    terms: frozenset[str]


@dataclass(frozen=True)
class _Prepared:
    matchers: tuple[_Matcher, ...]
    prompt_stems: frozenset[str]
    prompt_words: tuple[str, ...]


@lru_cache(maxsize=512)
def _prepare(prompt: str, items: tuple[RubricItem, ...]) -> _Prepared:
    prompt_stems = frozenset(_canon(s) for s in content_stems(prompt))
    matchers = []
    for item in items:
        source = " ".join(item.terms) if item.derived else item.text
        all_terms = {s for s in _stem_set(source) if s not in {stem(f) for f in RUBRIC_FILLER}}
        all_terms = {s for s in all_terms if not re.fullmatch(r"[\d.,]+", s)}
        # Words the prompt hands out for free earn nothing, unless that would leave nothing to match.
        terms = (all_terms - prompt_stems) or all_terms
        phrases = []
        for phrase in item.key_phrases:
            full = _stem_set(phrase)
            kept = (full - prompt_stems) or full
            if kept:
                phrases.append(frozenset(kept))
        matchers.append(_Matcher(item, tuple(phrases), frozenset(terms)))
    return _Prepared(tuple(matchers), prompt_stems, tuple(words(prompt)))


def _real_sentence(text: str) -> bool:
    """Most of the unit's words sit in clause-like fragments (so a comma list inside it does not count)."""
    frags = fragments(text)
    total = sum(len(words(f)) for f in frags)
    good = sum(len(words(f)) for f in frags if is_sentence_like(f))
    return total > 0 and good / total >= 0.5


def _copied(unit: Unit, prep: _Prepared) -> bool:
    u = words(unit.text)
    p = prep.prompt_words
    if len(u) >= 4 and SequenceMatcher(None, u, p, autojunk=False).find_longest_match(
        0, len(u), 0, len(p)
    ).size >= 0.8 * len(u):
        return True
    stems = {_canon(s) for s in content_stems(unit.text)}
    # A reshuffle of the prompt's words, unless it adds a figure of its own (a terse calculation).
    has_new_number = any(w.isdigit() and w not in prep.prompt_words for w in words(unit.text))
    return bool(stems) and not (stems - prep.prompt_stems) and not has_new_number


def _credit_units(question: Question, answer: str, prep: _Prepared) -> list[Unit]:
    topic = question.prompt + " " + question.model_answer
    out = []
    for u in units(answer):
        if not is_sentence_like(clean(u.text)):
            continue
        # Evidence must read as a sentence: a comma list inside a unit does not (stuffed or not).
        if not _real_sentence(u.text):
            continue
        if injection_in(u.text, topic) or _copied(u, prep):
            continue
        out.append(u)
    return out


def _evidence(unit: Unit) -> str:
    text = unit.text
    if len(text) <= EVIDENCE_CHARS:
        return text
    cut = text.rfind(" ", 0, EVIDENCE_CHARS)
    return text[: cut if cut > 40 else EVIDENCE_CHARS]


def _grade_item(m: _Matcher, unit_stems: list[set[str]], cunits: list[Unit]) -> tuple[CriterionMark, str]:
    union: set[str] = set().union(*unit_stems) if unit_stems else set()
    term_cov = len(m.terms & union) / len(m.terms) if m.terms else 0.0
    if m.phrases:
        hits = sum(any(p <= s for s in unit_stems) for p in m.phrases)
        kp_cov = min(1.0, hits / min(2, len(m.phrases)))
        score = 0.5 * kp_cov + 0.5 * term_cov
    else:
        score = term_cov

    def support(i: int) -> float:
        s = unit_stems[i]
        return len(m.terms & s) + sum(2 for p in m.phrases if p <= s)

    candidates = list(range(len(cunits)))
    item = m.item
    if item.number is not None:
        with_number = [i for i in candidates if mentions_number(clean(cunits[i].text), item.number, item.tolerance)]
        if with_number:
            score, candidates = max(score, MET_AT), with_number
        else:
            score = min(score, PARTIAL_AT)
    verdict: CriterionMark = "met" if score >= MET_AT else "partial" if score >= PARTIAL_AT else "missed"
    if verdict == "missed" or not candidates:
        return "missed", ""
    best = max(candidates, key=lambda i: (support(i), -i))
    if support(best) == 0 and item.number is None:
        return "missed", ""
    return verdict, _evidence(cunits[best])


_LEAD_VERB = re.compile(
    r"^(?:correctly\s+|clearly\s+)?(?:mentions?|explains?|states?|describes?|identifies|identify|discuss(?:es)?|"
    r"notes?|names?|gives?|computes?|calculates?|recommends?|proposes?|considers?|covers?|includes?|"
    r"shows?|argues?|suggests?|uses?)\s+(?:that\s+|how\s+|why\s+)?",
    re.IGNORECASE,
)
_FIGURE = re.compile(r"[$€£]?\d[\d,.]*\s*(?:k|m|bn|thousand|million|billion|%)?(?=\W|$)", re.IGNORECASE)


def _hint(item: RubricItem) -> str:
    """A nudge toward a missed criterion that neither pastes the model answer nor gives away a number."""
    if item.derived:
        named = [t for t in item.terms if len(t) > 3][:2] or list(item.terms[:2])
        return f"Say more about {' and '.join(named)}." if named else "Cover more of the core idea."
    rest = _LEAD_VERB.sub("", item.text.strip()).rstrip(".")
    rest = _FIGURE.sub("the figure", rest)
    hint = f"Think about: {rest[:1].lower()}{rest[1:]}."
    if item.number is not None:
        hint += " Work the arithmetic through to a final number and state it."
    return hint


_FLAG_NOTES = {
    "empty": "The answer was empty.",
    "too_short": "The answer is very short; a few full sentences would let you show more.",
    "off_topic": "The answer does not seem to address this question.",
    "copied_question": "Text repeated from the question earns no credit.",
    "injection_suspected": "Instructions addressed to the grader were ignored and earn no credit.",
    "stuffing": "Keyword lists earn no credit; explain each point in a sentence.",
}


def _short(text: str, limit: int = 80) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _feedback(items: list[RubricItem], results: list[CriterionResult], flags: list[str]) -> str:
    lines = [OFFLINE_NOTE]
    lines += [_FLAG_NOTES[f] for f in flags if f in _FLAG_NOTES]
    good = [(i, r) for i, r in zip(items, results, strict=True) if r.verdict != "missed"]
    todo = [(i, r) for i, r in zip(items, results, strict=True) if r.verdict != "met"]
    if good:
        lines.append("What you got right:")
        for item, r in good[:4]:
            label = "a key point" if item.derived else _short(item.text, 60)
            lines.append(f'- {label}: "{_short(r.evidence)}"')
    if todo:
        lines.append("To strengthen it:")
        lines += [f"- {_hint(item)}" for item, _ in todo[:4]]
    return "\n".join(lines)


def _follow_up(question: Question, items: list[RubricItem], results: list[CriterionResult]) -> str:
    if question.follow_ups:
        return question.follow_ups[0]
    missed = [i for i, r in zip(items, results, strict=True) if r.verdict != "met" and i.terms]
    if missed:
        named = " and ".join(missed[0].terms[:2])
        return f"If you had to expand on {named}, what would you add?"
    return "What would you measure to know this works in production?"


class OfflineJudge:
    """Deterministic rubric matcher; the reply says it was offline."""

    id = "offline-rubric-v1"

    async def grade(self, question: Question, answer: str) -> Verdict:
        return self.grade_sync(question, answer)

    def grade_sync(self, question: Question, answer: str) -> Verdict:
        started = time.perf_counter()
        items = rubric_for(question)
        flags = detect_flags(question, answer)
        prep = _prepare(question.prompt, tuple(items))
        cunits = [] if "empty" in flags else _credit_units(question, answer, prep)
        unit_stems = [{_canon(s) for s in _stem_set(clean(u.text))} for u in cunits]
        results = []
        for m in prep.matchers:
            verdict, evidence = _grade_item(m, unit_stems, cunits)
            results.append(CriterionResult(m.item.id, verdict, evidence, m.item.weight, public_text(m.item)))
        return Verdict(
            criteria=results,
            feedback=_feedback(items, results, flags),
            follow_up=_follow_up(question, items, results),
            flags=flags,
            judge_id=self.id,
            offline=True,
            latency_ms=(time.perf_counter() - started) * 1000,
        )
