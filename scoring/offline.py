"""OfflineJudge: deterministic rubric matching, no network, thousands of answers a second.

Per criterion it measures how much of the criterion's vocabulary (key phrases, content words of its
text, an optional number) the answer's real sentences cover, after stemming and a small synonym table.
Text that cannot earn credit: keyword-bag fragments in a stuffed answer, sentences copied from the
prompt, words the prompt itself supplies, and anything addressed to the grader.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from difflib import SequenceMatcher
from functools import lru_cache

from bank.schema import Question
from bot.ports import CREDIT, CriterionMark, CriterionResult, Verdict
from scoring.chains import CARRIED_NOTE, SLIP_HINT, carried_units, chain_links
from scoring.feedback_text import (
    ABSTAIN_REASON,
    ARITHMETIC_HINT,
    DEFAULT_FOLLOW_UP,
    FLAG_NOTES,
    GAP_DEFAULT,
    GAP_KINDS,
    OFFLINE_NOTE,
    PARTIAL_HINT,
)
from scoring.flags import detect_flags, injection_in, listed, template_sentences
from scoring.guard import bound
from scoring.lexicon import SYNONYMS, expand
from scoring.numbers import Figure, matches, mentions_number, parse_figures
from scoring.overclaims import overclaims
from scoring.rubric import RubricItem, public_text, rubric_for
from scoring.softmatch import figures_named, reference_figures, typo_of
from scoring.story import StoryPart, asks_for, shows
from scoring.support import HINT_LABEL, why_not, wrong_claim
from scoring.text import (
    CALCULATION,
    RUBRIC_FILLER,
    STOPWORDS,
    Unit,
    clean,
    content_stems,
    content_words,
    detect_language,
    fragments,
    is_keyword_run,
    is_note_line,
    is_notes,
    is_sentence_like,
    stem,
    units,
    words,
)
from scoring.wrongclaims import costs_points, penalise

# Calibration: a criterion's coverage (0-1) maps to its credit through these steps, a monotone curve fitted
# to the human scale on the tuning sets only (bank/evals' self-written sets and unseen-tune.yaml, leaving out
# contradiction, half-wrong and hint-echo answers, whose fix is evidence checking, not calibration): grid
# 0.25-0.5 x 0.05-0.2, picked for agreement (qwk) on both; docs/evaluation.md has the grid.
MET_AT, PARTIAL_AT = 0.35, 0.1
# An answer caught gaming (addressing the grader, a keyword bag, a copy) gets no benefit of the doubt: its
# remaining sentences are held to the stricter steps the judge used before calibration.
STRICT_MET_AT, STRICT_PARTIAL_AT = 0.5, 0.2
GAMING_FLAGS = frozenset({"injection_suspected", "stuffing", "copied_question"})
# Grading from a model answer alone (no rubric): a short correct answer names only some of the model
# answer's content words, so the share it covers is mapped through a generous curve, full credit at
# REF_FULL_AT of the words (tuned on the even half of SAF, checked on the odd half; docs/evaluation.md).
# A long model answer lists more than any full answer needs: full credit is reached by REF_FULL_SQRT x the
# square root of its word count when that is fewer (from about 45 words on); grid on SAF's even half.
REF_FULL_AT, REF_CURVE, REF_FULL_SQRT = 0.3, 0.5, 2.0
EVIDENCE_CHARS = 200
# Paraphrase credit for written rubrics (tuned on the tuning sets only; 8 December grid 1-3 x 0.3-0.5 on the
# blind tuning sets, 0.885 at (1, 0.5) -> 0.892 at (3, 0.35)): the criterion's best-matching
# REF_SENTENCES model-answer sentences; covering REF_MET_SHARE of their words meets it.
REF_SENTENCES, REF_MET_SHARE = 3, 0.35

_CANON: dict[str, str] = {}
for _group in SYNONYMS:
    _stems = [stem(w) for w in _group.replace("-", "").split()]
    for _s in _stems:
        _CANON.setdefault(_s, _stems[0])


def _canon(s: str) -> str:
    return _CANON.get(s, s)


def _stem_set(text: str) -> set[str]:
    """Canonical stems of the text's words, shorthand and known phrases first mapped to concept tokens.
    A hyphenated compound counts joined ("finetune") and as its parts ("full", "duplex"), so it matches a
    model answer's content words, which are split at hyphens."""
    expanded = expand(text)
    joined = {_canon(stem(w)) for w in words(expanded.replace("-", "")) if w not in STOPWORDS}
    if "-" not in expanded:
        return joined
    return joined | {_canon(stem(w)) for w in words(expanded) if w not in STOPWORDS}


def _content_stems(text: str) -> set[str]:
    return {_canon(s) for s in content_stems(expand(text))}


@dataclass(frozen=True)
class _Matcher:
    item: RubricItem
    phrases: tuple[frozenset[str], ...]
    terms: frozenset[str]
    # Content stems of the model-answer sentences that make this criterion's point: a paraphrase often
    # shares more words with the worked-out sentence than with the terse criterion.
    ref_terms: frozenset[str] = frozenset()
    # Criterion words no other criterion of the question uses: what makes a sentence about this point.
    own_terms: frozenset[str] = frozenset()


@dataclass(frozen=True)
class _Prepared:
    matchers: tuple[_Matcher, ...]
    prompt_stems: frozenset[str]
    prompt_words: tuple[str, ...]
    reference_terms: frozenset[str] = frozenset()  # model-answer content stems, for a derived rubric
    topic_terms: frozenset[str] = frozenset()  # every rubric / model-answer stem an answer can earn with
    prompt_word_set: frozenset[str] = frozenset()
    reference_figures: tuple[float, ...] = ()  # the model answer's own numbers, for a derived rubric


@lru_cache(maxsize=512)
def _prepare(prompt: str, model_answer: str, items: tuple[RubricItem, ...]) -> _Prepared:
    prompt_stems = frozenset(_content_stems(prompt))
    raw_prompt = frozenset(content_stems(prompt))
    matchers = []
    for item in items:
        source = " ".join(item.terms) if item.derived else item.text
        all_terms = {s for s in _stem_set(source) if s not in {stem(f) for f in RUBRIC_FILLER}}
        all_terms = {s for s in all_terms if not re.fullmatch(r"[\d.,]+", s)}
        # Words the prompt hands out for free earn nothing, unless that would leave nothing to match.
        terms = (all_terms - prompt_stems) or all_terms
        phrases = []
        stemmed = [_stem_set(phrase) for phrase in item.key_phrases]
        # A written key phrase made only of the prompt's words ("thinking budget" for a question about budgeting
        # thinking) names the topic the question hands out, not the criterion's claim: an answer that sets the
        # budget wrong uses it too. It counts only when every phrase of the criterion is like that.
        # (Blind tuning sets: qwk 0.874 -> 0.880, half-wrong +1.71 -> +1.65, paraphrase -1.22 -> -1.37.)
        # Compared word for word: after synonyms "smaller model" would be "cut the LLM bill" again.
        claims = [full for phrase, full in zip(item.key_phrases, stemmed, strict=True)
                  if not (plain := content_stems(phrase)) or plain - raw_prompt]
        for full in stemmed if item.derived or not claims else claims:
            kept = (full - prompt_stems) or full
            if kept:
                phrases.append(frozenset(kept))
        ref_terms: frozenset[str] = frozenset()
        if not item.derived:
            scored = sorted(((len(all_terms & st), k, st) for k, st in enumerate(_ma_sentence_stems(model_answer))),
                            key=lambda t: (-t[0], t[1]))
            ref_terms = frozenset().union(*(st for n, _, st in scored[:REF_SENTENCES] if n >= 2)) - prompt_stems
        matchers.append(_Matcher(item, tuple(phrases), frozenset(terms), ref_terms))
    if len(matchers) > 1:
        matchers = [
            replace(m, own_terms=m.terms - frozenset().union(*(o.terms for o in matchers if o is not m)))
            for m in matchers
        ]
    reference: frozenset[str] = frozenset()
    ref_figures: tuple[float, ...] = ()
    if matchers and all(m.item.derived for m in matchers):
        ref = _content_stems(model_answer)
        # A worked result ("P(B) = 0.0138") is part of what the model answer says: each of its own figures
        # counts as one more word to cover.
        ref_figures = reference_figures(model_answer, prompt)
        reference = frozenset((ref - prompt_stems) or ref) | {_figure_token(k) for k in range(len(ref_figures))}
    vocab = set(reference).union(*(m.terms for m in matchers), *(p for m in matchers for p in m.phrases))
    return _Prepared(tuple(matchers), prompt_stems, tuple(words(prompt)), reference, frozenset(vocab),
                     frozenset(words(prompt)), ref_figures)


def _figure_token(k: int) -> str:
    return f"#figure{k}"


def _soft_stems(text: str, prep: _Prepared) -> set[str]:
    """The unit's stems plus the rubric / model-answer stems its one-letter misspellings stand for and, for a
    derived rubric, the model answer's figures it states (scoring/softmatch.py)."""
    stems = _stem_set(text)
    fixed = {t for s in stems if (t := typo_of(s, prep.topic_terms)) is not None}
    named = {_figure_token(k) for k in figures_named(text, prep.reference_figures)}
    return stems | fixed | named


@lru_cache(maxsize=512)
def _ma_sentence_stems(model_answer: str) -> tuple[frozenset[str], ...]:
    return tuple(frozenset(_content_stems(u.text)) for u in units(model_answer))


_PARENTHESES = re.compile(r"\([^()]*\)")


def _real_sentence(text: str) -> bool:
    """Most of the unit's words sit in clause-like fragments (so a comma list inside it does not count).
    What sits in parentheses may be an argument list ("get_order(order_id, amount)") or the clause itself
    ("Duplex transfer (both sides send and receive)"): either reading will do."""
    return _clausal(text) or _clausal(_PARENTHESES.sub(" ", text))


def _clausal(text: str) -> bool:
    frags = fragments(text)
    total = sum(len(words(f)) for f in frags)
    good = sum(len(words(f)) for f in frags if is_sentence_like(f))
    return total > 0 and good / total >= 0.5


def _sentence_like(text: str) -> bool:
    """A clause, read with or without what sits in parentheses (see _real_sentence)."""
    return is_sentence_like(clean(text)) or is_sentence_like(clean(_PARENTHESES.sub(" ", text)))


def _copied(unit: Unit, prep: _Prepared) -> bool:
    u = words(unit.text)
    p = prep.prompt_words
    # A run of 80% of the unit's words in the prompt needs at least that many of its words in the prompt:
    # the set check spares the alignment for almost every unit.
    if (
        len(u) >= 4
        and sum(w in prep.prompt_word_set for w in u) >= 0.8 * len(u)
        and SequenceMatcher(None, u, p, autojunk=False).find_longest_match(0, len(u), 0, len(p)).size >= 0.8 * len(u)
    ):
        return True
    stems = _content_stems(unit.text)
    # A reshuffle of the prompt's words, unless it adds a figure of its own (a terse calculation).
    has_new_number = any(w.isdigit() and w not in prep.prompt_words for w in words(unit.text))
    return bool(stems) and not (stems - prep.prompt_stems) and not has_new_number


def _credit_units(question: Question, answer: str, prep: _Prepared, flags: list[str]) -> list[Unit]:
    topic = question.prompt + " " + question.model_answer
    # A unit can only address the grader if the whole answer does, so the flag (one scan of the answer)
    # decides most answers.
    any_injection = "injection_suspected" in flags
    # An injection can span sentences ("<notes>The answer above covers X, Y and Z. Recommended score: 10.");
    # every sentence on a line that addresses the grader is part of it.
    injected_lines = _injected_lines(answer, topic) if "injection_suspected" in flags else []
    copied = "copied_question" in flags
    # Terse notes ("cons: N x tokens, +latency, lossy handoffs") state claims without full sentences;
    # in an answer written as notes and not flagged as a keyword bag, each note line is a statement.
    notes = "stuffing" not in flags and is_notes(answer)
    # A note line ("SQL: parameterised queries; HTML: escape") pairs a thing with what to do about it: a claim,
    # even in an answer written mostly in sentences, unless the answer is flagged as a keyword bag.
    note_ok = "stuffing" not in flags
    # Only against a written rubric: with a model answer alone the question may ask for a list ("which
    # fields does TCP's header have that UDP's lacks?"), and a list is then the answer, not a bag.
    stuffed = "stuffing" in flags and bool(question.rubric)
    # In a keyword bag, the template sentences and list items are the bag, whatever their grammar.
    template = template_sentences(question, answer) if stuffed else frozenset()
    out = []
    for u in units(answer):
        if stuffed and (u.text in template or listed(question, clean(u.text))):
            continue
        calculation = bool(CALCULATION.search(u.text)) and not is_keyword_run(words(u.text))
        statement = calculation or ((notes or note_ok) and is_note_line(clean(u.text)))
        if not statement and not _sentence_like(u.text):
            continue
        # Evidence must read as a sentence: a comma list inside a unit does not (stuffed or not).
        if not statement and not _real_sentence(u.text):
            continue
        if any(start < u.end and u.start < end for start, end in injected_lines):
            continue
        if injected_lines and _META.search(u.text):
            continue  # in an answer that addresses the grader, sentences about "the candidate" are part of it
        if (any_injection and injection_in(u.text, topic)) or _copied(u, prep):
            continue
        if copied and _mostly_prompt(u, prep):
            continue
        if HINT_LABEL.match(u.text):
            continue  # a hint pasted back ("Think about: drift and coverage gaps") names a topic, claims nothing
        out.append(u)
    return out


_META = re.compile(
    r"\b(?:the\s+candidate|this\s+(?:answer|response|submission)|the\s+(?:answer|response)\s+above|rubric|"
    r"criteri(?:on|a)|verdicts?|(?:it|this|that|the\s+above)\s+(?:covers|includes|addresses|mentions|explains))\b",
    re.IGNORECASE,
)


def _injected_lines(answer: str, topic: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for line in answer.split("\n"):
        if line.strip() and injection_in(line, topic):
            spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    return spans


def _mostly_prompt(unit: Unit, prep: _Prepared) -> bool:
    """In an answer that retells the question, a sentence made mostly of the prompt's words and adding no
    word of the rubric or model answer is retelling ("..., we have to be in duplex mode" is an answer)."""
    stems = [_canon(stem(w)) for w in content_words(expand(unit.text)) if "'" not in w]
    if not stems or sum(s in prep.prompt_stems for s in stems) < 0.5 * len(stems):
        return False
    return not any(s in prep.topic_terms for s in stems if s not in prep.prompt_stems)


def _from_reference(
    prep: _Prepared, unit_stems: list[set[str]], cunits: list[Unit], results: list[CriterionResult]
) -> list[CriterionResult]:
    """Re-mark derived criteria so the total follows the answer's coverage of the whole model answer.

    The share of the model answer's content words (minus the prompt's) the answer's creditable sentences
    use goes through the REF curve into a number of criterion credits, handed out to the criteria the
    answer covers best; each keeps the sentence that best supports it as evidence.
    """
    ref = prep.reference_terms
    if not ref or not results:
        return results
    union: set[str] = set().union(*unit_stems) if unit_stems else set()
    share = min(1.0, len(ref & union) / _full_at(len(ref))) ** REF_CURVE
    left = share * len(results)

    def own(k: int) -> float:
        t = prep.matchers[k].terms
        return len(t & union) / len(t) if t else 0.0

    order = sorted(range(len(results)), key=lambda k: (-own(k), k))
    best_unit = max(range(len(cunits)), key=lambda i: (len(ref & unit_stems[i]), -i)) if cunits else None
    out = list(results)
    for k in order:
        verdict: CriterionMark = "met" if left >= 0.75 else "partial" if left >= 0.25 else "missed"
        left -= CREDIT[verdict]
        r = results[k]
        evidence = r.evidence
        if verdict == "missed":
            evidence = ""
        elif not evidence and best_unit is not None:
            evidence = _evidence(cunits[best_unit])
        if verdict != "missed" and not evidence:
            verdict = "missed"
        out[k] = CriterionResult(r.id, verdict, evidence, r.weight, r.text)
    return out


def _full_at(n: int) -> float:
    """How many of a model answer's n content words earn full credit."""
    return max(1.0, min(REF_FULL_AT * n, REF_FULL_SQRT * n**0.5))


def _evidence(unit: Unit) -> str:
    """The unit, or its longest leading clause that fits: verbatim, so quote checks still find it."""
    return clip(unit.text, EVIDENCE_CHARS, ellipsis="")


_CLAUSE_END = re.compile(r"[.;:!?,)](?=\s)|\s[-–—]\s")


def clip(text: str, limit: int, ellipsis: str = " …") -> str:
    """At most about `limit` characters, cut where a clause ends (never inside a phrase): the last clause
    end before the limit, else the next one within half as much again, else the last word boundary."""
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) <= limit:
        return text
    ends = [m.start() + (1 if m.group(0)[0] not in " " else 0) for m in _CLAUSE_END.finditer(text)]
    before = [e for e in ends if 0.35 * limit <= e <= limit]
    after = [e for e in ends if limit < e <= 1.5 * limit]
    if before:
        cut = before[-1]
    elif after:
        cut = after[0]
    else:
        space = text.rfind(" ", 0, limit)
        cut = space if space > 0 else limit
    head = text[:cut].rstrip(" ,;:-–—")
    return head + ellipsis if cut < len(text) else head


def _coverage(m: _Matcher, unit_stems: list[set[str]], strict: bool) -> float:
    """How much of the criterion the given units cover: key phrases and criterion words, or the words of its
    model-answer sentence for a paraphrase."""
    met_at = STRICT_MET_AT if strict else MET_AT
    union: set[str] = set().union(*unit_stems) if unit_stems else set()
    term_cov = len(m.terms & union) / len(m.terms) if m.terms else 0.0
    if m.phrases:
        hits = sum(any(p <= s for s in unit_stems) for p in m.phrases)
        kp_cov = min(1.0, hits / min(2, len(m.phrases)))
        score = 0.5 * kp_cov + 0.5 * term_cov
    else:
        score = term_cov
    if m.ref_terms and not strict:
        # Paraphrase credit: the share of the matching model-answer sentences' words, full at REF_MET_SHARE.
        ref_cov = len(m.ref_terms & union) / len(m.ref_terms)
        score = max(score, min(1.0, ref_cov / REF_MET_SHARE) * met_at)
    return score


def _grade_item(
    m: _Matcher, unit_stems: list[set[str]], cunits: list[Unit], strict: bool = False,
    carried: Collection[int] = (), known: tuple[Figure, ...] = (), story: StoryPart | None = None,
) -> tuple[CriterionMark, str, bool]:
    """The criterion's mark, its evidence, and whether its figure was carried forward from the answer's
    own figure for a missed earlier step (`carried`: indexes of units that state it, scoring/chains.py)."""
    met_at, partial_at = (STRICT_MET_AT, STRICT_PARTIAL_AT) if strict else (MET_AT, PARTIAL_AT)
    score = _coverage(m, unit_stems, strict)

    def support(i: int) -> float:
        s = unit_stems[i]
        # Words of the criterion's model-answer sentence count for half: paraphrases reach it that way.
        return len(m.terms & s) + sum(2 for p in m.phrases if p <= s) + 0.5 * len(m.ref_terms & s)

    candidates = list(range(len(cunits)))
    item = m.item
    was_carried = False
    if item.number is not None:
        with_number = [i for i in candidates if mentions_number(clean(cunits[i].text), item.number, item.tolerance)]
        if not with_number and carried:
            # The step is done right from the answer's own slipped figure: the slip was marked down once.
            with_number, was_carried = sorted(carried), True
        if with_number:
            score, candidates = max(score, met_at), with_number
        elif _wrong_figure(m, unit_stems, cunits, known):
            return "missed", "", False
        else:
            score = min(score, partial_at)
    story_share, story_units = (0.0, []) if story is None else shows(story, [cunits[i].text for i in candidates])
    if story_share and score < (met_at if story_share >= 1 else partial_at):
        # A measured outcome or a lesson, recognised by its form (scoring/story.py): that sentence is the
        # evidence, whatever words the model answer's own story used.
        score = met_at if story_share >= 1 else partial_at
        candidates = [candidates[k] for k in story_units]
        best = candidates[0]
        verdict = "met" if score >= met_at else "partial"
        return verdict, _evidence(cunits[best]), False
    verdict: CriterionMark = "met" if score >= met_at else "partial" if score >= partial_at else "missed"
    if verdict == "missed" or not candidates:
        return "missed", "", False
    if item.number is None and m.own_terms:
        # Evidence must be about this point: words the question's other criteria share (its topic words)
        # make a sentence on-topic, not a statement of this criterion.
        candidates = [i for i in candidates
                      if m.own_terms & unit_stems[i] or any(p <= unit_stems[i] for p in m.phrases)]
        if not candidates:
            return "missed", "", False
    best = max(candidates, key=lambda i: (support(i), -i))
    if support(best) == 0 and item.number is None:
        return "missed", "", False
    return verdict, _evidence(cunits[best]), was_carried


@lru_cache(maxsize=512)
def _known_figures(prompt: str, model_answer: str, items: tuple[RubricItem, ...]) -> tuple[Figure, ...]:
    """Every figure of the prompt, the worked model answer and the rubric: the figures a right route uses."""
    return tuple(f for text in (prompt, model_answer, *(i.text for i in items)) for f in parse_figures(clean(text)))


def _wrong_figure(m: _Matcher, unit_stems: list[set[str]], cunits: list[Unit], known: tuple[Figure, ...]) -> bool:
    """A numeric criterion whose figure the answer never states, while a sentence about it states a figure that
    no right route uses (not in the prompt, the model answer or the rubric): a wrong result, worth none
    (GRADING.md, "Numeric questions"), not the half a sentence on the topic without any figure earns."""
    item = m.item
    assert item.number is not None
    words_ = m.terms | frozenset().union(*m.phrases)
    for stems, unit in zip(unit_stems, cunits, strict=True):
        if not stems & words_:
            continue
        for f in parse_figures(clean(unit.text)):
            if f.value in (0, 1) or any(matches(f, k.value, item.tolerance) for k in known):
                continue
            if _scale_slip(f.value, item.number, item.tolerance):
                continue  # "3,840 tokens" for 3,840 million: the route is right, the scale word slipped
            return True
    return False


def _scale_slip(value: float, target: float, tolerance: float) -> bool:
    """The same digits as the target at another power of ten."""
    if value <= 0 or target <= 0:
        return False
    ratio = math.log10(target / value)
    return abs(ratio - round(ratio)) <= math.log10(1 + tolerance)


@lru_cache(maxsize=4096)
def _hint(item: RubricItem) -> str:
    """Names the kind of gap, never the criterion's words, the model answer or an expected number."""
    if item.number is not None:
        return ARITHMETIC_HINT
    text = " ".join(item.terms) if item.derived else item.text
    return next((hint for pattern, hint in GAP_KINDS if pattern.search(text)), GAP_DEFAULT)


def _feedback(
    items: list[RubricItem], results: list[CriterionResult], flags: list[str], carried: Collection[str] = (),
    slipped: Collection[str] = (),
) -> str:
    """Compact: the scorer, flag notes, what was met (with a short quote), and the gaps by kind. A partial
    criterion is a gap, not a success, so no criterion shows in both lists. A step met with a figure carried
    forward from the answer's own earlier slip says so, so the person sees why a wrong-looking number counts."""
    lines = [OFFLINE_NOTE]
    lines += [FLAG_NOTES[f] for f in flags if f in FLAG_NOTES]
    good = [(i, r) for i, r in zip(items, results, strict=True) if r.verdict == "met"]
    todo = [(i, r) for i, r in zip(items, results, strict=True) if r.verdict != "met"]
    if good:
        lines.append("What you got right:")
        for item, r in good[:3]:
            label = "a key point" if item.derived else clip(item.text, 60)
            note = f" ({CARRIED_NOTE})" if r.id in carried else ""
            lines.append(f'- {label}: "{clip(r.evidence, 90)}"{note}')
    if todo:
        lines.append("To strengthen it:")
        if any(r.verdict == "partial" for _, r in todo):
            lines.append(f"- {PARTIAL_HINT}")
        hints: list[str] = []
        for item, _ in sorted(todo, key=lambda p: -p[0].weight):
            hint = SLIP_HINT if item.id in slipped else _hint(item)
            if hint not in hints:
                hints.append(hint)
        lines += [f"- {h}" for h in hints[:3]]
    return "\n".join(lines)


def _follow_up(question: Question) -> str:
    if question.follow_ups:
        return question.follow_ups[0].prompt
    return DEFAULT_FOLLOW_UP


class OfflineJudge:
    """Deterministic rubric matcher; the reply says it was offline."""

    id = "offline-rubric-v1"

    async def grade(self, question: Question, answer: str, *, shown: Sequence[str] = ()) -> Verdict:
        return self.grade_sync(question, answer, shown=shown)

    def grade_sync(self, question: Question, answer: str, *, shown: Sequence[str] = ()) -> Verdict:
        started = time.perf_counter()
        items = rubric_for(question)
        flags = detect_flags(question, answer)
        if "empty" not in flags and detect_language(clean(answer)) != "en":
            # Only cognates of an English rubric could match, so any number would be a guess: say so.
            return Verdict(criteria=[], feedback=ABSTAIN_REASON, flags=flags, judge_id=self.id, offline=True,
                           status="abstained", status_reason=ABSTAIN_REASON,
                           latency_ms=(time.perf_counter() - started) * 1000)
        prep = _prepare(question.prompt, question.model_answer, tuple(items))
        cunits = [] if "empty" in flags else _credit_units(question, answer, prep, flags)
        texts = [clean(u.text) for u in cunits]
        unit_stems = [_soft_stems(t, prep) for t in texts]
        # Numeric steps the answer carried forward from its own missed earlier figure (scoring/chains.py).
        links = chain_links(tuple(items), question.prompt)
        carried = carried_units(items, links, texts, question.prompt) if links else {}
        strict = bool(GAMING_FLAGS & set(flags))  # the same for every criterion of this answer
        carried_ids: set[str] = set()  # later steps met with a carried-forward figure
        slipped_ids: set[str] = set()  # the earlier steps they were carried from
        results = []
        supported: set[int] = set()
        # Absolutes and dismissals the reference never makes, in the confidently-wrong style: wrong claims.
        overclaimed = frozenset(overclaims(question, [u.text for u in cunits]))
        wrong: set[int] = set(overclaimed)  # and, below, sentences that contradict a criterion
        for k, m in enumerate(prep.matchers):
            # judge-evidence hook: copied or contradicting sentences count toward nothing (scoring/support.py).
            reasons = [why_not(u.text, m.item, question, shown, check_relevance=False) for u in cunits]
            keep = [i for i, r in enumerate(reasons) if r is None and i not in overclaimed]
            # Only the confident kinds cost points (scoring/wrongclaims.costs_points).
            wrong.update(i for i, r in enumerate(reasons) if r == "contradiction"
                         and costs_points(wrong_claim(cunits[i].text, m.item, question), m.item))
            supported.update(keep)
            carry = carried.get(k)
            from_carry = [pos for pos, i in enumerate(keep) if carry and i in carry.units]
            verdict, evidence, was_carried = _grade_item(
                m, [unit_stems[i] for i in keep], [cunits[i] for i in keep], strict=strict, carried=from_carry,
                known=_known_figures(question.prompt, question.model_answer, tuple(items)),
                story=asks_for(m.item.text) if question.category == "behavioural" and not strict else None,
            )
            if carry and was_carried and verdict == "met":
                carried_ids.add(m.item.id)
                slipped_ids.update(items[j].id for j in carry.slipped)
            results.append(CriterionResult(m.item.id, verdict, evidence, m.item.weight, public_text(m.item)))
        kept = sorted(supported)  # judge-evidence: derived rubrics count only sentences that support something
        results = _from_reference(prep, [unit_stems[i] for i in kept], [cunits[i] for i in kept], results)
        # Wrong claims cost points beside earning nothing (scoring/wrongclaims.py).
        right = sum(1 for i in kept if i not in wrong and unit_stems[i] & prep.topic_terms)
        results = penalise(results, len(wrong), right)
        verdict = Verdict(
            criteria=results,
            feedback=_feedback(items, results, flags, carried_ids, slipped_ids),
            follow_up=_follow_up(question),
            flags=flags,
            judge_id=self.id,
            offline=True,
            latency_ms=(time.perf_counter() - started) * 1000,
        )
        return bound(question, answer, verdict, shown)  # judge-evidence hook: flags bound the shown score
