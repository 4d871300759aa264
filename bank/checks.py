"""Rubrics that check themselves: grade probe answers to every question with the offline judge.

For each question five probes are graded, and each must land where a rubric that grades what it claims
would put it:

- ``model_answer``: the question's own model answer scores at least 8.
- ``paraphrase``: a correct answer in other words, written by hand for this check, scores at least 7.
  Paraphrases live in a ``checks/`` folder beside the question files (``bank/questions/checks/*.yaml``
  for the built-in bank, ``<pack>/checks/*.yaml`` for a pack), not in the question itself, so that
  editing a check never changes a question's version hash.
- ``keywords``: a comma list of the rubric's key phrases scores at most 1.5 (or is held).
- ``question_copy``: the prompt pasted back scores 0 and is flagged.
- ``negated``: the model answer with every claim negated scores at most 1.5 (or is held). This check
  warns unless ``strict``; `make test` validates with ``--strict``.

A failing probe names the criteria at fault: for a probe that should score high, the criteria it missed;
for one that should score low, the criteria that gave it credit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bank.loader import read_yaml
from bank.schema import BankQuestion
from bot.ports import Verdict

MODEL_MIN, PARAPHRASE_MIN, LOW_MAX = 8.0, 7.0, 1.5
GATING = ("model_answer", "paraphrase", "keywords", "question_copy")
WARNING_ONLY = ("negated",)
CHECKS = GATING + WARNING_ONLY
CHECKS_DIR = "checks"


@dataclass(frozen=True)
class CheckResult:
    question_id: str
    check: str
    passed: bool
    score: float | None
    detail: str = ""  # why it failed, naming the criteria at fault

    def __str__(self) -> str:
        score = "-" if self.score is None else f"{self.score:.1f}"
        return f"{self.question_id}: {self.check} (score {score}){': ' + self.detail if self.detail else ''}"


def load_paraphrases(question_dirs: Iterable[Path]) -> tuple[dict[str, str], list[str]]:
    """Paraphrases from every `checks/*.yaml` beside the given question files or folders."""
    found: dict[str, str] = {}
    problems: list[str] = []
    folders = {(p if p.is_dir() else p.parent) / CHECKS_DIR for p in question_dirs}
    for folder in sorted(folders):
        for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
            doc = read_yaml(path)
            items = doc.get("paraphrases") if isinstance(doc, dict) else None
            if not isinstance(items, dict):
                problems.append(f"{path}: expected a top-level 'paraphrases:' mapping of question id to text")
                continue
            for qid, text in items.items():
                if not isinstance(text, str) or len(text.split()) < 20:
                    problems.append(f"{path}: paraphrase for {qid!r} must be text of at least 20 words")
                elif qid in found:
                    problems.append(f"{path}: second paraphrase for {qid!r}")
                else:
                    found[str(qid)] = text
    return found, problems


# Negation: the first auxiliary or copula of each sentence gets "not"; a sentence without one is
# wrapped. Crude, but every claim the model answer makes now says the opposite.
_AUX = re.compile(
    r"\b(is|are|was|were|can|could|should|must|will|would|does|do|did|has|have|may|might|needs to)\b(?!\s+not\b)",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def negate(text: str) -> str:
    out = []
    for sentence in _SENTENCE.split(" ".join(text.split())):
        if not sentence:
            continue
        negated, n = _AUX.subn(lambda m: f"{m.group(1)} not", sentence, count=1)
        if not n:
            negated = f"It is not true that {sentence[:1].lower()}{sentence[1:]}"
        out.append(negated)
    return " ".join(out)


def keyword_list(question: BankQuestion) -> str:
    return ", ".join(p for c in question.rubric for p in c.key_phrases)


def _high(qid: str, check: str, verdict: Verdict, minimum: float) -> CheckResult:
    total = verdict.total
    if total >= minimum and not verdict.flags:
        return CheckResult(qid, check, True, total)
    bits = [f"below {minimum:g}"] if total < minimum else []
    if verdict.flags:
        bits.append(f"flagged {', '.join(verdict.flags)}")
    missed = [c.id for c in verdict.criteria if c.verdict != "met"]
    if missed:
        bits.append(f"criteria not met: {', '.join(missed)}")
    return CheckResult(qid, check, False, total, "; ".join(bits))


def _low(qid: str, check: str, verdict: Verdict, *, must_flag: bool = False, maximum: float = LOW_MAX) -> CheckResult:
    total = verdict.total
    held = verdict.status == "held"
    ok = (total <= maximum or held) and (verdict.flags or not must_flag)
    if ok:
        return CheckResult(qid, check, True, total)
    bits = []
    if total > maximum and not held:
        credited = [c.id for c in verdict.criteria if c.verdict != "missed"]
        bits.append(f"above {maximum:g}; credit from: {', '.join(credited)}")
    if must_flag and not verdict.flags:
        bits.append("not flagged")
    return CheckResult(qid, check, False, total, "; ".join(bits))


def check_question(question: BankQuestion, paraphrase: str | None, judge: object) -> list[CheckResult]:
    """The five probes for one question, graded by `judge` (an object with `grade_sync`)."""
    grade = judge.grade_sync  # type: ignore[attr-defined]
    qid = question.id
    results = [_high(qid, "model_answer", grade(question, question.model_answer), MODEL_MIN)]
    if paraphrase is None:
        results.append(CheckResult(qid, "paraphrase", False, None, "no paraphrase in a checks/ file"))
    else:
        results.append(_high(qid, "paraphrase", grade(question, paraphrase), PARAPHRASE_MIN))
    results.append(_low(qid, "keywords", grade(question, keyword_list(question))))
    results.append(_low(qid, "question_copy", grade(question, question.prompt), must_flag=True, maximum=0.0))
    results.append(_low(qid, "negated", grade(question, negate(question.model_answer))))
    return results


def run_checks(questions: Iterable[BankQuestion], paraphrases: dict[str, str]) -> list[CheckResult]:
    from scoring.offline import OfflineJudge

    judge = OfflineJudge()
    return [r for q in questions for r in check_question(q, paraphrases.get(q.id), judge)]


def failures(results: Iterable[CheckResult], *, strict: bool = False) -> list[CheckResult]:
    """The failed results that fail validation (negated-answer results only when strict)."""
    gating = set(CHECKS if strict else GATING)
    return [r for r in results if not r.passed and r.check in gating]
