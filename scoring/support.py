"""Does this evidence support this criterion? Shared by both judges.

A sentence earns credit for a criterion only if it is about that criterion (shares a word with its text,
key phrases or the model-answer sentences that match it), is not text the person was handed (the question,
the rubric, feedback shown earlier), and does not contradict the criterion's claim.

Contradiction is decided clause by clause against the polarity of a reference (criterion text, key
phrases, matching model-answer sentences), so "the model does not remember between calls" agrees with a
reference that says the same and only a reversal counts:
- negation: the first content word after not/never/cannot/... (with a generic verb, the pair "verb +
  next word") is denied; "X is a myth / irrelevant / pointless / doesn't matter" denies the whole clause;
- antonyms: a clause that says "cheaper", "stateful", "untrusted", "broad privilege" where the reference
  says the opposite about the same thing.
Negations inside a condition ("you don't need an agent when ...") are not judged clause by clause: they
are usually right. A conditional is instead compared whole with the reference's (scoring/conditionals.py):
"if it is NOT small, paste it" against "if it is small, paste it" is a contradiction.
Lexicons are generic English and field vocabulary, not tuned to particular answers.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from difflib import SequenceMatcher
from functools import lru_cache
from itertools import groupby

from bank.schema import Question
from scoring.conditionals import reversed_conditional
from scoring.feedback_text import BOILERPLATE
from scoring.rubric import RubricItem
from scoring.text import VERBS, clean, content_words, is_verb, stem, unmark, words, wordset

# Words that deny what follows them.
_NEGATORS = wordset("""not no never cannot can't don't doesn't isn't aren't won't shouldn't needn't didn't
    wasn't weren't
    mustn't nor neither hardly avoid avoids avoiding avoided without skip skips skipping skipped omit omits
    omitting omitted forgo forgoing""")
# What follows these is the rejected alternative ("narrow tools instead of generic ones", "X, not a shared
# superuser"): neither claimed nor denied by the clause, so a sentence that denies it agrees.
_CONTRAST = wordset("""instead rather""")
# Words that deny the clause they sit in: "X is a myth", "X is pointless", "a waste of time".
_FRAMES = frozenset(
    stem(w)
    for w in wordset("""irrelevant myth myths false untrue overrated pointless unnecessary needless useless
    nonsense bogus overkill
    waste misconception fallacy superstition counterproductive meaningless impossible""")
)
# After a negator these carry no claim of their own: the denial is about the clause's subject
# ("latency doesn't matter", "caching isn't needed").
_WEAK = frozenset(
    stem(w)
    for w in wordset("""matter matters need needed necessary important required useful relevant true real
    worth count apply
    exist help helps really actually even always ever at all
    happen happens occur occurs possible bother""")
)
# "X isn't needed / necessary / important": a negated copula before one of these denies the subject X, not
# the words after it ("evals aren't needed for prompts because ..." dismisses evals).
_SUBJECT_WEAK = frozenset(stem(w) for w in wordset("""needed necessary important required useful relevant worth
    essential"""))
# "X isn't (really) a problem / a concern": dismissing X, as "X doesn't matter" does. Only after a negated
# copula: "Y doesn't have these issues" and "it would not be a problem" say something else.
_DISMISSED = wordset("""problem problems issue issues concern concerns worry""")
_EXISTENCE = frozenset(stem(w) for w in wordset("""happen happens occur occurs exist exists possible"""))
_COPULAS = wordset("""is are was were""")
_COPULA_NEGATIONS = wordset("""isn't aren't wasn't weren't""")
_GENERIC_VERBS = frozenset(stem(w) for w in VERBS)
# A condition or contrast makes a negation conditional or partial: not judged.
_CONDITIONAL = wordset("""if when unless until whenever only except but than instead""")
# "It is false that ...", "It's a myth that ...": the whole sentence is denied, whatever its commas.
_DENIED_SENTENCE = re.compile(
    r"^\W*(?:it\s+is|it's|it\s+was)\s+(?:a\s+myth|false|not\s+true|untrue|wrong|nonsense|a\s+misconception)"
    r"\s+(?:that|to\s+say)\b"
)
_AUX = wordset("""is are was were be been being am do does did can could should would will shall must may
    might have has
    had need needs there's it's that's what's here's which who""")
# After a negator these dismiss everything the clause goes on to name ("no need for X", "don't bother Y-ing").
_DISMISSAL_WORDS = wordset("""need needs bother point""")
_DISMISSAL_HEADS = frozenset(stem(w) for w in _DISMISSAL_WORDS)
_NO_HEADS = wordset("""need point reason benefit value use way real longer""")
# Words after which a frame word judges the clause: "X is a myth", "it's pointless", "totally irrelevant".
_PREDICATIVE = _AUX | wordset("""a an just totally completely entirely really pure simply basically mostly
    largely utterly so very seem
    seems""")
_LIMITERS = wordset("""just only always all every necessarily simply merely alone enough entirely fully""")
# "only X" limits X; "X can not only Y" says the opposite of "X can only Y" (unless "... but also Z" follows).
_ONLY = wordset("""only just merely solely""")
# A sum in the reference ("cascade cost is cheap + rate x strong") against "X is just Y" in the answer: one term
# of the sum claimed to be the whole.
_SUM = re.compile(r"\s\+\s|\bplus\b")
# Scope: a clause that claims no bound ("keep it forever", "store it indefinitely", "multi-agent by default") where the
# reference bounds the same thing ("retention limits", "a sliding window", "split only on evidence") asserts the
# opposite choice in plain words, with no negation or antonym to catch.
_UNBOUNDED = wordset("""forever indefinitely indefinite permanently unlimited unbounded bydefault""")
# "they can bounce work back and forth forever" names a risk, not a choice.
_MODALS = wordset("""can could may might""")
_BOUNDED = frozenset(stem(w) for w in wordset("""only limit limits limited retention expire expires expiry expiration
    ttl window windows windowing trim trimming cap capped bounded"""))
# Sentence ends and "and" are captured: "and" can join the two halves of one condition.
# Brackets are not clause ends: "when an (irreversible) action" keeps its condition.
_CLAUSE_SPLIT = re.compile(
    r"[,;:]|\s[-–—]\s|(\.\s|\.$|\n)|\b(and)\b|\b(?:but|while|whereas|although|though|so)\b"
)
_SENTENCE_END = re.compile(r"\.\s|\.$|\n")
_CONDITION_OPENERS = wordset("""if when unless whenever once until""")
_PREPOSITIONS = wordset("""for in on at with by from to of per during after before under over within across""")
_DETERMINERS = wordset("""the a an this that these those its their our your""")

def _with_and_without(ws: list[str]) -> bool:
    """A sentence that sets "without X" beside "with X" (or "with it"): a comparison of the two cases."""
    after_without = {stem(ws[i + 1]) for i, w in enumerate(ws[:-1]) if w == "without"}
    if not after_without:
        return False
    after_with = {ws[i + 1] for i, w in enumerate(ws[:-1]) if w == "with"}
    return bool(after_with & {"it", "them", "that", "one"}) or bool({stem(w) for w in after_with} & after_without)
# A clause opening with one of these (or with a verb) has no subject of its own: it continues the last one.
_CONTINUING = _AUX | wordset("""it they this these that which also then""")

# Two-word comparatives written as one token, so "less expensive" reads as "cheaper".
_REWRITES = [
    # "X has nothing to do with Y", "X makes no difference": X dismissed, as "X is irrelevant" does.
    (re.compile(r"\b(?:has|have|had)\s+nothing\s+to\s+do\s+with\b"), "is irrelevant to"),
    (re.compile(r"\b(?:makes?|made)\s+no\s+(?:real\s+)?difference\b"), "is irrelevant"),
    # "X are (just) noise" ends its clause; "noise reduction", "noise in the labels" are ordinary nouns.
    (re.compile(r"\b(is|are|was|were)\s+(?:just\s+|only\s+|pure\s+|mostly\s+)?noise"
                r"(?=\s*(?:[.,;:!?)]|$|\s(?:and|but|so|because)\b))"), r"\1 irrelevant"),
    # "negligible memory" claims about as little as "no memory".
    (re.compile(r"\bnegligible\b"), "no"),
    # "X is rare enough to ignore", "X can safely be ignored", "X tells you nothing useful": X dismissed.
    (re.compile(r"\b(?:(?:\w+\s+)?enough|safe)\s+to\s+(?:ignore|skip)\b"), "irrelevant"),
    # "safely": "packets that arrive late may be ignored" (dropped) is a claim about the packets, not a dismissal.
    (re.compile(r"\b(?:can|could|may)\s+safely\s+be\s+(?:ignored|skipped)\b"), "is irrelevant"),
    (re.compile(r"\b(?:tells?|gives?|adds?|shows?)\s+(?:you\s+|us\s+)?nothing(?:\s+(?:useful|of\s+value|new))?\b"),
     "is useless"),
    (re.compile(r"\bby\s+default\b"), "bydefault"),
    (re.compile(r"\b(?:costs?|spends?)\s+(?:a\s+lot\s+|much\s+|far\s+)?more\b|\bmore\s+(?:expensive|costly)\b"),
     "costlier"),
    (re.compile(r"\b(?:costs?|spends?)\s+(?:a\s+lot\s+|much\s+|far\s+)?less\b|\bless\s+(?:expensive|costly)\b"),
     "cheaper"),
    # "saves money", "cuts the bill", "a 78% saving" claim "cheaper"; "saves no money" denies it.
    (re.compile(r"\b(?:saves?|saved|saving)\s+no\s+(?:money|costs?|spend)\b"), "is not cheaper"),
    (re.compile(r"\b(?:saves?|saved|saving)\s+(?:you\s+|us\s+)?(?:any\s+|much\s+|a\s+lot\s+of\s+)?"
                r"(?:money|costs?|spend)\b|\b(?:cuts?|lowers?|reduces?)\s+(?:the\s+)?(?:bill|costs?|spend)\b"),
     "cheaper"),
    (re.compile(r"(?<=\d)\s*%\s+(?:cost\s+)?(?:saving|savings|saved|discount)\b"), "% cheaper"),
    (re.compile(r"\bless\s+(predictable|deterministic|reliable|secure|safe|stable|consistent)\b"), r"un\1"),
    (re.compile(r"\bleast[- ]privilege[sd]?\b|\b(?:minimal|minimum|narrow(?:ly)?|tightly)[- ]scoped\b"),
     "leastprivilege"),
    (re.compile(r"\b(?:broad|full|admin|unrestricted|unlimited|blanket|wide|all)\s+(?:privileges?|permissions?|"
                r"access|rights)\b"), "broadprivilege"),
    (re.compile(r"\bnon[- ]?deterministic\b"), "nondeterministic"),
    (re.compile(r"\b(?:poorly|badly|often\s+poorly)[- ]calibrated\b|\bmis-?calibrated\b"), "unreliable"),
    (re.compile(r"\bnot\s+trusted\b"), "untrusted"),
    # "may no longer represent users" denies "represent", as "not" does (not "longer").
    (re.compile(r"\bno\s+longer\b"), "not"),
]


@dataclass(frozen=True)
class _Concept:
    plus: frozenset[str]
    minus: frozenset[str]
    specific: bool  # the words alone carry the claim; generic ones need a shared topic word too
    anchored: bool = False  # only between clauses with the same subject and another shared word


def _concept(plus: str, minus: str, *, specific: bool = False, anchored: bool = False) -> _Concept:
    # Exact words, not stems: "costly" and "cost" share a stem but only one of them is a comparison.
    return _Concept(frozenset(plus.split()), frozenset(minus.split()), specific, anchored)


_CONCEPTS = (
    _concept("cheap cheaper cheapest inexpensive affordable economical", "expensive costly costlier pricey pricier"),
    _concept("stateless", "stateful", specific=True),
    _concept("trusted trustworthy trust", "untrusted untrustworthy distrust", specific=True),
    _concept("leastprivilege", "broadprivilege", specific=True),
    _concept("deterministic predictable reproducible repeatable consistent reliable",
             "nondeterministic unpredictable unreliable random inconsistent flaky"),
    _concept("simple simpler simplest", "complex complicated"),
    _concept("fast faster fastest quick quicker", "slow slower slowest"),
    _concept("easy easier easiest", "hard harder hardest difficult"),
    _concept("secure safe safer", "insecure unsafe vulnerable", specific=True),
    # Direction, amount and order ("latency drops" where the reference says it grows): words that every
    # comparison uses, so they count only between clauses about the same subject (_Concept.anchored).
    _concept("increase increases increased increasing raise raises rises grows grow higher larger bigger longer "
             "multiplied doubled",
             "decrease decreases decreased decreasing reduce reduces lowers drops falls shrinks shrink lower "
             "smaller shorter divided halved", anchored=True),
    _concept("lossless", "lossy", specific=True),
    _concept("independent", "dependent", anchored=True),
)
_CONCEPT_OF: dict[str, tuple[int, int]] = {}
for _k, _c in enumerate(_CONCEPTS):
    for _s in _c.plus:
        _CONCEPT_OF[_s] = (_k, 1)
    for _s in _c.minus:
        _CONCEPT_OF[_s] = (_k, -1)
_CONCEPT_WORDS = frozenset(_CONCEPT_OF)


@dataclass(frozen=True)
class _Clause:
    stems: frozenset[str]  # content stems of the clause
    denied: frozenset[tuple[str, ...]]  # targets it denies: a stem, or a generic verb and its object
    affirmed: frozenset[tuple[str, ...]]  # the same kind of target, said positively
    signs: frozenset[tuple[int, int]]  # (concept, +1/-1) after negation
    framed: bool = False  # the whole clause is denied ("X is a myth")
    subject: str = ""  # its first content word
    compared: bool = False  # "X is shorter than Y": which side is the subject is not tracked
    heads: frozenset[tuple[int, str]] = frozenset()  # (concept, a stem beside its word): what the word is about
    sentence: frozenset[str] = frozenset()  # content stems of the whole sentence the clause sits in
    always: bool = False  # "always X": the opposite of a reference's "never X"
    limited: frozenset[str] = frozenset()  # stems after "only" ("can only reorder what ... found")
    unlimited: frozenset[str] = frozenset()  # stems after "not only", with no "also" in the sentence
    unbounded: bool = False  # claims no bound, not negated or conditional ("store everything indefinitely")
    bounded: bool = False  # names a bound ("retention limits", "only on evidence")
    sums: bool = False  # adds terms ("cheap + escalation rate x strong", "TTFT plus decode time")
    rejected: frozenset[str] = frozenset()  # stems after "instead of" / "rather than": the alternative turned down
    plain: bool = False  # a plain assertion: no negation, condition, contrast, modal or frame word

    def subject_ok(self, other: _Clause, prompt_stems: frozenset[str]) -> bool:
        """A comparison is about its subject: when `other` is about one of the things the question
        compares ("an agent is cheaper"), a reference clause about something else does not answer it."""
        return not (other.subject in prompt_stems and other.subject not in self.stems)


# One scan says whether any rewrite applies: most sentences need none, and 20-odd scans were a tenth of the
# judge's post-check.
_ANY_REWRITE = re.compile("|".join(f"(?:{pattern.pattern})" for pattern, _ in _REWRITES))


def _normalise(text: str) -> str:
    text = unmark(clean(text)).lower().replace("’", "'")
    if not _ANY_REWRITE.search(text):
        return text
    for pattern, repl in _REWRITES:
        text = pattern.sub(repl, text)
    return text


def _target(stems: list[str], i: int) -> tuple[str, ...]:
    """The claim at position i: a specific word, or a generic verb with the word after it."""
    if stems[i] in _GENERIC_VERBS and i + 1 < len(stems):
        return (stems[i], stems[i + 1])
    return (stems[i],)


@lru_cache(maxsize=8192)
def _clauses(text: str) -> tuple[_Clause, ...]:
    out = []
    normal = _normalise(text)
    sentence_denied = bool(_DENIED_SENTENCE.match(normal))
    if sentence_denied:
        normal = _DENIED_SENTENCE.sub(" ", normal)
    sentence_no = 0
    sentences = [words(s) for s in _SENTENCE_END.split(normal)]
    also = ["also" in ws for ws in sentences]  # "not only X but also Y" adds, not denies
    compares = [_with_and_without(ws) for ws in sentences]
    sentence_of: list[int] = []
    last_subject = ""  # the subject a clause without its own continues ("a tree has no loops, includes ...")
    last_stems: frozenset[str] = frozenset()  # the previous clause's words, in the same sentence
    last_noun = ""  # the previous clause's last content word
    consequent = False  # the clause after "if ...," is its consequence: as conditional as the condition
    in_condition = joined = False  # "if it is small | and | stable, ...": the condition goes on after "and"
    last_modal = False
    for raw in _CLAUSE_SPLIT.split(normal):
        if raw is None:
            continue
        if raw == "and":
            joined = True
            continue
        if _SENTENCE_END.fullmatch(raw):
            last_subject, consequent, in_condition = "", False, False
            last_stems, last_noun = frozenset(), ""
            sentence_no += 1
            continue
        ws = words(raw)
        if not ws:
            continue
        # "they can bounce work back | and | forth forever": the modal carries over an "and".
        modal = bool(_MODALS & set(ws)) or (joined and last_modal)
        last_modal = modal
        opens_condition = ws[0] in _CONDITION_OPENERS or (joined and in_condition)
        in_condition, joined = opens_condition, False
        consequent = consequent or opens_condition  # a condition's continuation is as conditional as its start
        # "X rather than Y" names the rejected alternative (_CONTRAST): a negation before it is still a claim.
        own_condition = any(w in _CONDITIONAL and not (w == "than" and k and ws[k - 1] == "rather")
                            for k, w in enumerate(ws))
        conditional = consequent or own_condition
        hypothetical = consequent or any(w in ("if", "when", "unless", "until", "whenever", "once") for w in ws)
        consequent = opens_condition
        relative = any(w in ("that", "which", "who", "what") for w in ws)  # "APIs that don't exist"
        # Content stems in order, with the index of each negator just before them.
        seq: list[str] = []
        seq_words: list[str] = []
        negated_at: set[int] = set()
        # "the victim, not the attacker": an elliptical contrast, not a claim to judge.
        elliptical = ws[0] == "not"
        pending = False
        weak_denied = False  # a negator followed by "matter", "needed", "true" ...
        copula_negated = False  # the last negator was "isn't", "are not" ...: "X isn't a problem"
        framed = 0
        contrasting = elliptical
        contrast_at: set[int] = set()
        rejecting = elliptical  # "X, not Y": the clause "not Y" turns Y down
        rejected_at: set[int] = set()
        limited_at = unlimited_at = -1  # where "only" / "not only" starts, in seq
        listing = False  # inside the list after "no need for": each thing named is dismissed
        unbounded = bounded = False
        after_prep: set[int] = set()  # content words reached through a preposition ("drops with a second agent")
        prep_since = False
        for j, w in enumerate(ws):
            if w in _PREPOSITIONS:
                prep_since = True
            if w in _CONTRAST:
                contrasting = True
                # "instead of Y", "rather than Y": Y is turned down ("instead, Y" chooses Y).
                rejecting = rejecting or (j + 1 < len(ws) and ws[j + 1] in ("of", "than"))
                continue
            prev = ws[j - 1] if j else ""
            nxt = ws[j + 1] if j + 1 < len(ws) else ""
            if w in _UNBOUNDED and not pending and not contrasting:
                unbounded = True
            if stem(w) in _BOUNDED:
                bounded = True
            if w in _NEGATORS:
                # Bare "not" without an auxiliary ("the victim, not the attacker", "maybe not") and "no" as
                # a label ("no cache: $34.5k") contrast or name things; they deny nothing.
                if w == "not" and prev not in _AUX:
                    rejecting = rejecting or j > 0  # "X not Y": Y is turned down, as after "instead of"
                    continue
                if w == "without" and (j == 0 or compares[min(sentence_no, len(compares) - 1)]):
                    # "compare with and without rewriting", "$34.5k without caching and $7.5k with it": one
                    # side of a comparison, which denies nothing.
                    continue
                # "no" inside a clause ("the consequence of no exact-match tests", "with no retries") denies
                # its noun; "no" opening a clause is a label or a bare answer unless a head word follows.
                if w == "no" and j == 0 and nxt not in _NO_HEADS:
                    continue
                pending = not pending
                copula_negated = w in _COPULA_NEGATIONS or (w == "not" and prev in _COPULAS)
                continue
            if w in _ONLY and not hypothetical:
                if pending and prev in _NEGATORS:
                    unlimited_at = unlimited_at if unlimited_at >= 0 else len(seq)
                elif not pending:
                    limited_at = limited_at if limited_at >= 0 else len(seq)
            if pending and w in _LIMITERS and prev in _NEGATORS:
                pending = False  # "not just", "not always": a limit, not a denial
                continue
            s = stem(w)
            # A frame word judges the clause after a copula or negator; otherwise ("irrelevant text", "passages
            # that are irrelevant") it describes a noun and is an ordinary word, which a negation can deny.
            if s in _FRAMES and ((prev in _PREDICATIVE or pending) and not _describes_relative(ws, j)):
                framed += 1
                if pending:  # "not pointless": the two cancel
                    pending, framed = False, framed - 1
                continue
            dismissed = w in _DISMISSED and pending and copula_negated
            if pending and (dismissed or s in _EXISTENCE) and seq and not negated_at and not relative:
                # "overfitting can't happen because ...", "handoffs aren't a problem": settled here, so a later
                # negation in the clause ("because we never train on it") cannot undo it.
                framed += 1
                pending = False
                continue
            if pending and copula_negated and s in _SUBJECT_WEAK and seq and not negated_at and not relative:
                framed += 1  # "evals aren't needed for prompts": settled here, as for "X isn't a problem"
                pending = False
                continue
            if pending and s in _DISMISSAL_HEADS and prev in _NEGATORS and not relative and not conditional:
                # "no need for X or Y to Z", "no point in X": every thing listed is dismissed, not only the first
                # word; the list ends at the next preposition ("... to tune the threshold", "... for batch jobs").
                listing, pending = True, False
                continue
            if listing and (w in _PREPOSITIONS or w == "to"):
                listing = bool(prev in _DISMISSAL_WORDS)  # "no need for": the object marker, not the list's end
                if not listing:
                    continue
            if s in _WEAK or dismissed:
                weak_denied = weak_denied or pending
                continue
            if w in content_words(w) or w in _CONCEPT_WORDS:
                if pending or listing:
                    negated_at.add(len(seq))
                    pending = False
                if contrasting:
                    contrast_at.add(len(seq))
                if rejecting:
                    rejected_at.add(len(seq))
                if prep_since:
                    after_prep.add(len(seq))
                prep_since = False
                seq.append(s)
                seq_words.append(w)
        denied: set[tuple[str, ...]] = set()
        affirmed: set[tuple[str, ...]] = set()
        if pending and weak_denied and seq and not negated_at and not relative:
            # "caching doesn't matter": the denial reaches back to the subject.
            framed += 1
        whole_clause = (framed % 2 == 1) != sentence_denied
        for i in range(len(seq)):
            t = _target(seq, i)
            if whole_clause or i in negated_at:
                # A verdict on the whole clause ("X is a myth") after a condition ("if you do run them, X is a
                # myth") is still a verdict: only a condition inside the clause itself makes it partial.
                if (not conditional or (whole_clause and not own_condition)) and not elliptical:
                    denied.add(t)
            elif i not in contrast_at:
                affirmed.add(t)
                if len(t) == 2:
                    affirmed.add(t[:1])
        # "Open weights are not open source": a word the clause also says plainly ("open") is not what it
        # denies; the denial is about the thing named after it, which shares the word.
        denied = {t for t in denied if whole_clause or not (t in affirmed or t[:1] in affirmed)}
        signs = set()
        heads: set[tuple[int, str]] = set()
        for i, w in enumerate(seq_words):
            if w in _CONCEPT_OF and not hypothetical and i not in contrast_at:
                k, sign = _CONCEPT_OF[w]
                flipped = (i in negated_at or whole_clause) and not conditional
                signs.add((k, -sign if flipped else sign))
                # What goes up or down: the words beside the direction word ("latency drops", "raises cost").
                # What changes: its object or noun ("higher throughput", "increases the length"), else the word
                # before it ("latency drops", "latency drops with more agents").
                # Two words on that side, for compounds ("token spend").
                side = [i + 1, i + 2] if i + 1 < len(seq) and i + 1 not in after_prep else [i - 1, i - 2]
                for n in side:
                    if not 0 <= n < len(seq) or seq_words[n] in _CONCEPT_OF:
                        break
                    heads.add((k, seq[n]))
                    if n in after_prep or n + 1 in after_prep:
                        break
        own_subject = ws[0] not in _CONTINUING and not is_verb(ws[0])
        subject = _subject(ws, frozenset(seq)) if own_subject else last_subject
        if ws[0] in _RELATIVE_OPENERS and last_noun:
            subject = last_noun  # ", which is ...": about the word just before it, not the sentence's subject
        last_noun = seq[-1] if seq else ""
        stems = frozenset(seq) | ({subject} if subject else set())
        if ws[0] in _RELATIVE_OPENERS:
            stems |= last_stems  # ", which is the most reliable signal" says it of the clause before
        last_stems = stems
        if subject:
            last_subject = subject
        sentence_of.append(sentence_no)
        out.append(_Clause(stems, frozenset(denied), frozenset(affirmed), frozenset(signs), whole_clause, subject,
                           "than" in ws, frozenset(heads),
                           # "still X" insists X holds, against a reference that says it no longer does.
                           always=("always" in ws or "still" in ws) and not conditional and not negated_at,
                           limited=frozenset(seq[limited_at:]) if limited_at >= 0 else frozenset(),
                           unlimited=frozenset(seq[unlimited_at:]) if unlimited_at >= 0 and not also[sentence_no]
                           else frozenset(),
                           unbounded=unbounded and not hypothetical and not negated_at and not whole_clause
                           and not modal,
                           bounded=bounded, sums=bool(_SUM.search(raw)),
                           rejected=frozenset(seq[i] for i in rejected_at),
                           plain=not (conditional or hypothetical or negated_at or whole_clause or contrasting
                                      or modal or pending or _NEGATORS & set(ws))))
    # Each clause learns its sentence's words ("plot precision and recall" splits at "and").
    done: list[_Clause] = []
    for _, group in groupby(zip(sentence_of, out, strict=True), key=lambda p: p[0]):
        clauses = [x for _, x in group]
        words_ = frozenset().union(*(x.stems for x in clauses))
        done += [replace(x, sentence=words_) for x in clauses]
    return tuple(done)


_RELATIVE_PRONOUNS = wordset("""that which who""")
_RELATIVE_OPENERS = wordset("""which who""")
_ADVERBS = wordset("""really totally completely entirely just simply mostly largely so very often""")


def _describes_relative(ws: list[str], j: int) -> bool:
    """Whether the frame word at j sits in a relative clause ("passages that are (not) irrelevant"): it
    describes a noun, as "irrelevant text" does, and is a claim about it rather than a verdict on the clause."""
    k = j - 1
    while k >= 0 and (ws[k] in _NEGATORS or ws[k] in _ADVERBS):
        k -= 1
    return k >= 1 and ws[k] in _COPULAS | {"be", "been"} and ws[k - 1] in _RELATIVE_PRONOUNS


def _subject(ws: list[str], stems: frozenset[str]) -> str:
    """The clause's first content word that is not a generic verb, after an opening prepositional phrase
    ("for event C the order is not relevant" is about the order)."""
    start = 0
    if ws[0] in _PREPOSITIONS:
        start = next((j + 1 for j, w in enumerate(ws) if j and w in _DETERMINERS), 0)
    for w in ws[start:]:
        s = stem(w)
        if s in stems and s not in _GENERIC_VERBS:
            return s
    return ""


@lru_cache(maxsize=2048)
def _reference_clauses(reference: str) -> tuple[_Clause, ...]:
    return _clauses(reference)


def _echoes(clause: _Clause, ref: _Clause) -> bool:
    shared = len(clause.stems & ref.stems)
    return shared >= 3 and 3 * shared >= 2 * len(clause.stems | ref.stems)


def _covers(clause: _Clause, ref: _Clause) -> bool:
    """The clause restates most of the reference clause (two thirds of its words, three at least)."""
    shared = len(clause.stems & ref.stems)
    return shared >= 3 and 3 * shared >= 2 * len(ref.stems)


def _has(clause: _Clause, target: tuple[str, ...]) -> bool:
    return all(s in clause.stems for s in target)


def _claims_rejected(clause: _Clause, ref: Sequence[_Clause], prompt_stems: frozenset[str]) -> bool:
    """The clause asserts the alternative the reference turns down ("paste every table schema into the prompt"
    against "retrieve the few relevant views, instead of pasting hundreds of table schemas into the prompt"):
    two words only the rejected side uses, one of them not handed out by the prompt, and none of the words
    of the side the reference prefers anywhere in the clause's sentence."""
    for r in ref:
        if not r.rejected:
            continue
        preferred = r.sentence - r.rejected - prompt_stems - _GENERIC_VERBS
        only = r.rejected - r.sentence.difference(r.rejected) - _GENERIC_VERBS
        shared = clause.stems & only
        # A turn-down needs the side it prefers: a key phrase "not open source" on its own names no choice.
        if preferred and len(shared) >= 2 and shared - prompt_stems and not clause.sentence & preferred:
            return True
    return False


def contradicts(
    evidence: str, reference: str, *, framed_only: bool = False, prompt_stems: frozenset[str] = frozenset()
) -> bool:
    """Whether some clause of `evidence` denies or reverses what `reference` says. With `framed_only`,
    plain negations are not judged (only "X is a myth"-style denials of a whole clause and antonyms):
    for a broad reference such as a whole model answer, where a negated word often matches a sentence
    about something else."""
    return contradiction(evidence, reference, framed_only=framed_only, prompt_stems=prompt_stems) is not None


def contradiction(
    evidence: str, reference: str, *, framed_only: bool = False, prompt_stems: frozenset[str] = frozenset()
) -> str | None:
    """How `evidence` contradicts `reference`, if it does: "framed" (a whole clause called a myth, false,
    pointless ...), "antonym" (the opposite word about the same thing) or "negation" (a negated claim the
    reference makes). The first two rarely fire on a right answer; a plain negation can misread a correct
    comparison ("UDP has no sequence number" beside a reference about TCP's). "conditional": a conditional
    with the opposite polarity of the reference's (scoring/conditionals.py), judged even with `framed_only`
    since condition and consequence must both match. "scope": a clause that claims no bound ("keep it forever",
    "multi-agent by default") where the reference bounds the same topic ("retention limits", "only on evidence").
    "rejected": a plain clause asserting the alternative the reference turns down ("instead of pasting every
    schema", "rather than the SQL text", "X, not Y"), with none of the side it prefers. A plain clause that restates
    most of a reference clause without the reference's denial ("a stronger prompt reliably stops injection" beside
    "no prompt reliably stops the injection") is a "negation" too."""
    kind = _clause_contradiction(evidence, reference, framed_only=framed_only, prompt_stems=prompt_stems)
    if kind is None and reversed_conditional(
        evidence, reference, lambda a, b: _clause_contradiction(a, b, prompt_stems=prompt_stems) is not None
    ):
        return "conditional"
    return kind


def _clause_contradiction(
    evidence: str, reference: str, *, framed_only: bool = False, prompt_stems: frozenset[str] = frozenset()
) -> str | None:
    ref = _reference_clauses(reference)
    if not ref:
        return None
    for clause in _clauses(evidence):
        if not framed_only or clause.framed:
            for target in clause.denied:
                # The reference clauses that make this claim: they name the target and share another word.
                other = clause.stems - set(target)
                with_it = [r for r in ref if _has(r, target) and (not other or other & r.stems)]
                # Subject tracking: "UDP has no sequence number" is not answered by a reference clause about
                # TCP. When the reference speaks of this clause's subject at all, only those clauses count.
                if clause.subject and clause.subject not in target and any(clause.subject in r.stems for r in ref):
                    with_it = [r for r in with_it if clause.subject in r.stems]
                if not framed_only and not with_it:
                    continue
                # Against a whole model answer, a clause called a myth must share two words with the sentence
                # it denies ("for event C the order is not relevant" does not deny every sentence on events).
                need = 1 if target == (clause.subject,) else min(2, len(clause.stems))
                with_it = with_it or [r for r in ref if _has(r, target) and len(clause.stems & r.sentence) >= need]
                if with_it and any(target in r.affirmed or target[:1] in r.affirmed for r in with_it) and not any(
                    target in r.denied or target[:1] in r.denied for r in with_it
                ):
                    return "framed" if clause.framed else "negation"
        if framed_only and not clause.framed:
            # Against a whole model answer a plain negation counts only when the clause echoes one of its
            # clauses (two thirds of their words in common, three at least): "first-stage retrievers are not
            # bi-encoders" beside "first-stage retrievers are bi-encoders", not a comparison with something else.
            for target in clause.denied:
                if any(_echoes(clause, r) and (target in r.affirmed or target[:1] in r.affirmed)
                       and not (target in r.denied or target[:1] in r.denied) for r in ref):
                    return "negation"
        if clause.plain:
            # The reverse: a plain clause echoing a reference clause that denies what this one asserts ("a
            # stronger prompt reliably stops injection" beside "no prompt reliably stops the injection").
            # Which reference clauses it echoes does not depend on the target: find them once per clause.
            covered = [r for r in ref if r.denied and _covers(clause, r)] if clause.affirmed else []
            for target in clause.affirmed if covered else ():
                if target[0] not in _GENERIC_VERBS and any(
                    (target in r.denied or target[:1] in r.denied)
                    and not (target in r.affirmed or target[:1] in r.affirmed) for r in covered
                ):
                    return "negation"
        if clause.unlimited and not framed_only and any(
            len(clause.unlimited & r.limited) >= 2 and clause.unlimited & r.limited - _GENERIC_VERBS for r in ref
        ):
            return "negation"  # "it can not only reorder what the first stage found" against "only reorder ..."
        if clause.plain and not framed_only and _claims_rejected(clause, ref, prompt_stems):
            return "rejected"
        if clause.unbounded and not framed_only:
            topic = clause.sentence - prompt_stems - _GENERIC_VERBS - _BOUNDED
            if any(r.bounded and topic & r.sentence for r in ref):
                return "scope"
        if clause.limited and clause.subject and not clause.sums and not framed_only:
            claimed = clause.limited
            if claimed - _GENERIC_VERBS and any(
                r.sums and r.subject == clause.subject and len(claimed & r.stems) >= 2
                and (claimed & r.stems) - _GENERIC_VERBS
                and (r.stems - clause.stems - _GENERIC_VERBS - prompt_stems) for r in ref
            ):
                return "scope"
        if clause.always and not framed_only:
            # always/never: "always trust the model's confidence" against "never trust ...", same subject matter.
            for target in clause.affirmed:
                if len(target) == 1 and target[0] not in _GENERIC_VERBS and any(
                    target in r.denied and len((clause.stems - set(target)) & r.stems) >= 1 for r in ref
                ):
                    return "antonym"
        for k, sign in clause.signs:
            concept = _CONCEPTS[k]
            topic = clause.stems - {stem(w) for w in concept.plus | concept.minus}
            if concept.anchored and framed_only:
                continue  # too common to compare with every sentence of a model answer
            if concept.anchored:
                # "increases the length" says nothing about a reference that "reduces the overhead": the
                # thing that goes up or down must be the same.
                mine = {h for kk, h in clause.heads if kk == k}
                relevant = [r for r in ref if mine & {h for kk, h in r.heads if kk == k}
                            and not (clause.compared or r.compared)]
            else:
                # Against a whole model answer even a specific word needs a shared topic word.
                relevant = [r for r in ref if r.subject_ok(clause, prompt_stems) and (
                    (concept.specific and not framed_only) or topic & r.stems)]
                if concept.specific and any(topic & r.stems for r in ref):
                    # The reference speaks of this clause's topic: a specific word elsewhere in it is about
                    # something else ("don't trust self-reported confidence" beside "checks are trustworthy").
                    relevant = [r for r in relevant if topic & r.stems]
            opposite = any((k, -sign) in r.signs for r in relevant)
            same = any((k, sign) in r.signs for r in relevant)
            if opposite and not same:
                return "antonym"
    return None


# ---- copied text ----

# The shape of a grader's hint, as this bot and others print them: a label, a colon, a topic ("Think about:
# drift"), or an instruction about what to say rather than what to do ("Mention label imbalance", "Consider how
# the model imitates the examples"). Pasted back into an answer (from an earlier try, another person's thread or
# another tool) it says nothing itself. "Consider caching the prefix" is advice, so "consider" alone is not one.
HINT_LABEL = re.compile(
    r"^\W*(?:(?:think\s+about|hint|to\s+strengthen\s+it|consider|missing)\s*:|"
    r"(?:think\s+about|mention|discuss|talk\s+about|remember\s+to\s+(?:mention|discuss|cover)|"
    r"don'?t\s+forget\s+(?:to\s+mention|about)|consider\s+(?:how|whether|what|why|when|which)\b))",
    re.IGNORECASE,
)

COPY_MIN_WORDS = 5
COPY_SHARE = 0.8


def copied_from(evidence: str, sources: Iterable[str]) -> bool:
    """Whether most of `evidence` is a run of words taken from one of `sources` (5+ words)."""
    ev = words(clean(evidence))
    if len(ev) < COPY_MIN_WORDS:
        return False
    need = COPY_SHARE * len(ev)
    counts = Counter(ev)
    # One check against every source's words together settles most sentences (no source can hold the run).
    if isinstance(sources, tuple) and sum(counts[w] for w in _union_words(sources).intersection(counts)) < need:
        return False
    for source in sources:
        src = _source_words(source)
        # How many of the evidence's words the source has (a set intersection, then a short sum): most
        # sources share too few words for a run, and this spares the alignment for them.
        if sum(counts[w] for w in src[1].intersection(counts)) < need:
            continue
        match = SequenceMatcher(None, ev, src[0], autojunk=False).find_longest_match(0, len(ev), 0, len(src[0]))
        if match.size >= need:
            return True
    return False


@lru_cache(maxsize=512)
def _union_words(sources: tuple[str, ...]) -> frozenset[str]:
    return frozenset().union(*(_source_words(s)[1] for s in sources))


@lru_cache(maxsize=2048)
def _source_words(source: str) -> tuple[list[str], frozenset[str]]:
    ws = words(clean(source))
    return ws, frozenset(ws)


# ---- relevance and the per-criterion reference ----


@lru_cache(maxsize=4096)
def _model_sentences(model_answer: str) -> tuple[tuple[str, frozenset[str]], ...]:
    from scoring.text import units

    return tuple((u.text, frozenset(stem(w) for w in content_words(u.text))) for u in units(model_answer))


def _item_stems(item: RubricItem) -> frozenset[str]:
    source = " ".join(item.terms) if item.derived else item.text
    return frozenset(stem(w) for w in content_words(" ".join([source, *item.key_phrases])))


@lru_cache(maxsize=2048)
def _reference(item: RubricItem, model_answer: str, prompt: str) -> tuple[str, frozenset[str]]:
    """The criterion's claim in words (text, key phrases, the model-answer sentences that match it) and
    the stems that make a sentence about it (minus the prompt's, which every answer gets for free)."""
    own = _item_stems(item)
    scored = sorted(
        ((len(own & s), i, text) for i, (text, s) in enumerate(_model_sentences(model_answer))),
        key=lambda t: (-t[0], t[1]),
    )
    matching = [text for n, _, text in scored[:2] if n >= 2]
    text = item.text if not item.derived else " ".join(matching)
    reference = ". ".join([text, *item.key_phrases, *matching])
    prompt_stems = frozenset(stem(w) for w in content_words(prompt))
    topic = frozenset().union(own, *(frozenset(stem(w) for w in content_words(t)) for t in matching))
    return reference, (topic - prompt_stems) or topic


def given_text(question: Question, shown: Sequence[str] = ()) -> tuple[str, ...]:
    """Text the person was handed, so copying it earns nothing: the question, its follow-up questions (every
    reply ends with one, and interviews ask them), the written rubric (never shown on purpose, but feedback
    has leaked it), and whatever was shown earlier (feedback, hints, a model answer revealed after a previous
    try), and the bot's own fixed feedback sentences, which every reply shows (scoring/feedback_text.py). A
    derived rubric is model-answer prose: not included."""
    return (question.prompt, *(f.prompt for f in question.follow_ups), *(c.text for c in question.rubric),
            *BOILERPLATE, *(s for s in shown if s.strip()))


def relevant(evidence: str, item: RubricItem, question: Question) -> bool:
    _, topic = _reference(item, question.model_answer, question.prompt)
    return bool(topic & {stem(w) for w in content_words(clean(evidence))})


def supports(evidence: str, item: RubricItem, question: Question, shown: Sequence[str] = ()) -> bool:
    """(b) not copied from what the person was handed, (c) about the criterion, (d) not contradicting it.
    (a), being in the answer, is scoring.evidence.find_quote's job."""
    return why_not(evidence, item, question, shown) is None


def undermined(evidence: str, item: RubricItem, question: Question, shown: Sequence[str] = ()) -> bool:
    """Copied from what the person was handed, or contradicting the criterion (relevance not asked)."""
    return why_not(evidence, item, question, shown, check_relevance=False) is not None


def why_not(
    evidence: str, item: RubricItem, question: Question, shown: Sequence[str] = (), *, check_relevance: bool = True
) -> str | None:
    """None when the evidence supports the criterion, else "copied", "off_criterion" or "contradiction".
    The offline judge picks sentences by the criterion's own vocabulary already (with synonyms), so it
    asks only about copying and contradiction (`check_relevance=False`)."""
    return _why_not(
        evidence, item, question.prompt, question.model_answer, given_text(question, shown), check_relevance
    )


@lru_cache(maxsize=16384)
def _why_not(
    evidence: str, item: RubricItem, prompt: str, model_answer: str, given: tuple[str, ...], check_relevance: bool
) -> str | None:
    if copied_from(evidence, given):
        return "copied"
    reference, topic = _reference(item, model_answer, prompt)
    if check_relevance and not topic & {stem(w) for w in content_words(clean(evidence))}:
        return "off_criterion"
    if contradiction_kind(evidence, item, prompt, model_answer) is not None:
        return "contradiction"
    return None


def wrong_claim(evidence: str, item: RubricItem, question: Question) -> str | None:
    """The kind of contradiction (see `contradiction`) between `evidence` and the criterion, or None."""
    return contradiction_kind(evidence, item, question.prompt, question.model_answer)


@lru_cache(maxsize=16384)
def contradiction_kind(evidence: str, item: RubricItem, prompt: str, model_answer: str) -> str | None:
    reference, _ = _reference(item, model_answer, prompt)
    prompt_stems = _prompt_stems(prompt)
    # A sentence that contradicts the model answer anywhere is a wrong claim: evidence for nothing.
    return contradiction(evidence, reference, prompt_stems=prompt_stems) or _against_model_answer(
        evidence, model_answer, prompt_stems
    )


@lru_cache(maxsize=16384)
def _against_model_answer(evidence: str, model_answer: str, prompt_stems: frozenset[str]) -> str | None:
    """The same for every criterion of the question: checked once per sentence, not once per criterion."""
    return contradiction(evidence, model_answer, framed_only=True, prompt_stems=prompt_stems)


@lru_cache(maxsize=1024)
def _prompt_stems(prompt: str) -> frozenset[str]:
    return frozenset(stem(w) for w in content_words(prompt))
