"""Wrong claims cost points, as they do for the people who grade (bank/evals/GRADING.md, "Adjustments after
the sum"): a confidently wrong statement costs 0.5-1.5 points, an answer whose main claims are wrong does
not rise above 2, and a criterion the answer contradicts elsewhere is not met.

Rubric matching alone cannot do this: a sentence that reverses a criterion ("a cascade is always cheaper")
uses the criterion's words. scoring/support.py decides which sentences contradict the reference; this
module turns that count into the adjustment, by criterion steps so the total stays a function of verdicts.
"""

from __future__ import annotations

from dataclasses import replace

from bot.ports import CriterionResult, compute_total

# Each wrong sentence takes one half-criterion step (met -> partial -> missed) off the heaviest credited
# criterion: about 1-1.5 points on a four- to five-criterion rubric, GRADING.md's 0.5-1.5.
STEPS_PER_WRONG = 1
# When wrong sentences are at least as many as right ones, the answer's main claim is wrong: at most this.
MAIN_WRONG_CAP = 2.0
# The kinds of contradiction (scoring/support.contradiction) that cost points: on the tuning sets they fire
# on right answers rarely, where plain negations fire mostly on correct comparisons in SAF.
PENALISED = frozenset({"framed", "antonym"})

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
