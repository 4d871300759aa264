"""Overclaims: absolute or dismissive statements the reference never makes.

A confidently wrong answer reads differently from a right one: "X always works", "Y is a waste of time",
"Z is fine", "no need for W". The model answers and rubrics a person is graded against are hedged; when a
sentence asserts an absolute or waves a point away in words the reference never uses, it claims more than
the reference does. One such sentence is ordinary emphasis. When they make up a good part of the answer,
it is the confidently-wrong style: on the tuning sets (bank/evals and SAF's even half), the rule below
fires on 35 of 40 contradiction answers, 2 of 38 half-wrong ones, 1 of 98 partial ones and on no good,
paraphrase, terse or weak answer, nor on any of SAF's 738. Those sentences then count as wrong claims
(scoring/wrongclaims.py): they earn nothing and cost points, for both judges. A dismissal that is negated
("don't clutter what the coder sees") or conditional ("that only matters if answers stay right") claims
nothing absolute and is not counted; with those read right, 40% of the sentences (was 50%) is enough to call
the style: two more contradiction answers and no right one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from bank.schema import Question

# Generic English absolutes and dismissals; never taken from eval answers.
_MARKERS = re.compile(
    r"\b(?:always|never|fully|completely|reliably|guarantee[sd]?|no\s+need|don'?t\s+bother|waste\s+of|overkill|"
    r"everywhere|strictly|entirely|perfectly|totally|impossible|pointless|unnecessary|myths?|irrelevant|"
    r"no\s+reason|(?:is|are)\s+fine|nothing\s+to\s+do\s+with|(?:doesn'?t|don'?t)\s+matter|useless|"
    r"no\s+risk|zero\s+risk|"
    # Waving a point away: "is just noise", "tells you nothing", "for nothing", "wasted effort", "all you need".
    r"(?:is|are)\s+(?:just\s+|mostly\s+|only\s+)?noise|tells?\s+you\s+nothing|(?:don'?t|doesn'?t)\s+tell\s+you\s+anything|"
    r"nothing\s+(?:useful|to\s+(?:measure|worry|gain|fear|lose))|for\s+nothing|wasted\s+(?:money|effort|time|work|compute)|throws?\s+away|"
    r"all\s+you\s+need|just\s+as\s+well|exactly\s+like|(?:at\s+)?no\s+(?:extra\s+)?cost|no\s+quality\s+loss|"
    r"(?:adds|saves)\s+no|(?:only|just)\s+adds|(?:mostly\s+)?theoretical|obviously|anyway|negligible|"
    r"(?:safe|fine|ok|okay|enough)\s+to\s+ignore|only\s+(?:\w+\s+)?(?:that\s+)?matters|can'?t\s+(?:affect|hurt)|"
    r"cannot\s+(?:affect|hurt)|alone\s+(?:is\s+enough|settles)|(?:is|are)\s+enough|"
    # Calling a practice a cost with no benefit: "waste weeks on", "is friction", "a vanity metric",
    # "over-engineering", "no point", "just delays"; and settling a question by fiat: "by definition".
    r"waste\s+(?:weeks|days|hours|time|money|effort)|vanity\s+metrics?|side\s+issues?|rounding\s+error|"
    r"obsolete|(?:is|are)\s+(?:just\s+|pure\s+)?(?:friction|overhead|academic|redundant)|(?:is|are)\s+free\b|"
    r"(?:only|just)\s+(?:slows?|confuses?|clutters?|annoys?|distracts?)|across\s+the\s+board|if\s+at\s+all|"
    r"nothing\s+(?:more\s+|else\s+)?to\s+(?:report|fix|add|do)|no\s+point|by\s+definition|over-?engineer(?:ing|ed)?|"
    r"not\s+worried|(?:only|just)\s+(?:delays?|hurts?|undermines?|wastes?|duplicates?)|"
    # Handing a point to someone else: "out of scope", "their responsibility, not ours", "that's on them".
    r"out\s+of\s+scope|not\s+our\s+(?:problem|responsibility|job|concern)|untouched|(?:can|may)\s+(?:just\s+)?stay\b|"
    r"leave\s+(?:it|them)\s+(?:as\s+(?:is|it\s+is)|alone)|"
    r"(?:their|someone\s+else'?s)\s+(?:problem|responsibility|job)|(?:is|are|was|that'?s)\s+on\s+them|"
    # Superlatives and claims about everything: "the best way", "lossless", "store everything".
    r"(?:(?:is|are)\s+)?(?:the|by\s+far\s+the)\s+(?:best|worst|slowest|cheapest)\s+(?:way|option|choice|approach|guide|"
    r"fix|solution|of)|best\s+way|far\s+(?:better|worse|cheaper)|"
    r"gold\s+standard|lossless|(?<!not\s)everything|(?:only|all)\s+(?:that|what)\s+matters|what\s+matters|"
    r"by\s+themselves|annoys?|clutters?)\b",
    re.IGNORECASE,
)
# At least this many overclaiming sentences, making up at least this share of the answer's sentences.
# Half the answer must overclaim (MIN_SHARE_STRICT) when its markers are only absolutes, common in right answers
# ("greedy decoding means always taking the top token", "so I never use exact-match tests"), or when there is
# no written rubric: a one-line model answer lists few of the hedges a right answer may use (0.4 cost
# agreement on SAF's even half).
MIN_OVERCLAIMS, MIN_SHARE, MIN_SHARE_STRICT = 2, 0.4, 0.5
_ABSOLUTES = frozenset({"always", "never", "fully", "completely", "entirely", "strictly", "totally", "perfectly",
                        "reliably", "guarantee", "guarantees", "guaranteed", "everything", "everywhere", "anyway"})
# Quoted words are someone else's ("legal's position was 'it must never say anything wrong'").
_QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”|(?<!\w)'[^']*'(?!\w)")


# A negated dismissal affirms ("don't clutter what the coder sees", "isn't overkill"), and a conditional one
# hedges ("that only matters if answers stay right"): neither claims more than the reference.
_NEGATED_BEFORE = re.compile(r"\b(?:not|no|never|don'?t|doesn'?t|didn'?t|isn'?t|aren'?t|won'?t|wouldn'?t|shouldn'?t|"
                             r"cannot|can'?t|nor)\s+(?:\w+\s+){0,2}$", re.IGNORECASE)
_CONDITION_AFTER = re.compile(r"^\s*(?:if|unless)\b", re.IGNORECASE)


@lru_cache(maxsize=8192)
def _markers(text: str) -> frozenset[str]:
    text = _QUOTED.sub(" ", text.replace("’", "'"))
    return frozenset(
        re.sub(r"\s+", " ", m.group(0).lower().replace("'", ""))
        for m in _MARKERS.finditer(text)
        if not _NEGATED_BEFORE.search(text[: m.start()]) and not _CONDITION_AFTER.match(text[m.end():])
    )


def _reference_markers(question: Question) -> frozenset[str]:
    parts = [question.model_answer, *(c.text for c in question.rubric),
             *(p for c in question.rubric for p in c.key_phrases)]
    return _markers(" ".join(parts))


def overclaims(question: Question, sentences: Sequence[str]) -> set[int]:
    """Indexes of the sentences that overclaim, when the answer is written in the confidently-wrong style;
    empty otherwise."""
    allowed = _reference_markers(question)
    marked = {i: _markers(s) - allowed for i, s in enumerate(sentences)}
    found = {i for i, m in marked.items() if m}
    dismissive = any(m - _ABSOLUTES for m in marked.values())
    share = MIN_SHARE if question.rubric and dismissive else MIN_SHARE_STRICT
    if len(found) >= MIN_OVERCLAIMS and len(found) >= share * len(sentences):
        return found
    return set()
