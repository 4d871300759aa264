"""Wrong claims cost points, as they do for the people who grade (bank/evals/GRADING.md, "Adjustments after
the sum"): a confidently wrong statement costs 0.5-1.5 points, an answer whose main claims are wrong does
not rise above 2, and a criterion the answer contradicts elsewhere is not met.

Rubric matching alone cannot do this: a sentence that reverses a criterion ("a cascade is always cheaper")
uses the criterion's words. scoring/support.py decides which sentences contradict the reference; this
module turns that count into the adjustment, by criterion steps so the total stays a function of verdicts.
"""

from __future__ import annotations

from dataclasses import replace

from bank.schema import Question
from bot.ports import CriterionResult, compute_total
from scoring.overclaims import overclaims
from scoring.rubric import RubricItem, rubric_for
from scoring.support import HINT_LABEL, relevant, wrong_claim
from scoring.text import units

# Each wrong sentence takes one half-criterion step (met -> partial -> missed) off the heaviest credited
# criterion: about 1-1.5 points on a four- to five-criterion rubric, GRADING.md's 0.5-1.5.
STEPS_PER_WRONG = 1
# When wrong sentences are at least as many as right ones, the answer's main claim is wrong: at most this.
# GRADING.md's ceiling is 2; the people who grade give such answers 0-1 (a cap of 2 left contradiction
# answers at +0.71 over them on the tuning sets, 1 leaves +0.59; through the all-met LLM 1.32 -> 0.96).
MAIN_WRONG_CAP = 1.0
# The kinds of contradiction (scoring/support.contradiction) that cost points: on the tuning sets they fire
# on right answers rarely. A plain negation also drops the sentence, but against a model answer alone (no
# written rubric) it misreads correct comparisons too often ("UDP has no sequence number" beside a sentence
# about TCP's, in SAF) to take points for it.
PENALISED = frozenset({"framed", "antonym", "conditional", "scope", "rejected"})


def costs_points(kind: str | None, item: RubricItem) -> bool:
    return kind in PENALISED or (kind == "negation" and not item.derived)


def count_claims(question: Question, answer: str) -> tuple[int, int]:
    """(wrong, right): the answer's sentences that contradict a criterion in a way that costs points, and
    the others that are about some criterion. For a judge whose verdict did not count them itself."""
    items = rubric_for(question)
    wrong = right = 0
    sentences = [u.text for u in units(answer) if not HINT_LABEL.match(u.text)]
    overclaimed = overclaims(question, sentences)  # the confidently-wrong style (scoring/overclaims.py)
    for k, text in enumerate(sentences):
        if k in overclaimed or any(costs_points(wrong_claim(text, i, question), i) for i in items):
            wrong += 1
        elif any(relevant(text, i, question) for i in items):
            right += 1
    return wrong, right

_DOWN = {"met": "partial", "partial": "missed"}


def _step_down(results: list[CriterionResult]) -> bool:
    credited = [k for k, r in enumerate(results) if r.verdict != "missed"]
    if not credited:
        return False
    # The heaviest credited criterion, partial before met at equal weight (a half-made point goes first).
    k = max(credited, key=lambda k: (results[k].weight, results[k].verdict == "partial", -k))
    r = results[k]
    verdict = _DOWN[r.verdict]
    results[k] = replace(r, verdict=verdict, evidence=r.evidence if verdict != "missed" else "")
    return True


def penalise(results: list[CriterionResult], wrong: int, right: int) -> list[CriterionResult]:
    """Adjust criterion verdicts for `wrong` contradicting sentences beside `right` sound ones."""
    if wrong <= 0:
        return results
    out = list(results)
    for _ in range(wrong * STEPS_PER_WRONG):
        if not _step_down(out):
            break
    if wrong >= right:
        while compute_total(out) > MAIN_WRONG_CAP and _step_down(out):
            pass
    return out
