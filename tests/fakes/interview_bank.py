"""A small bank for interview tests: three real questions whose follow-ups carry rubrics of their own,
plus one whose second follow-up has none (the judge must derive one, or say it cannot)."""

from __future__ import annotations

from bank.loader import Bank
from bank.schema import BankQuestion, Criterion, FollowUp

QIDS = ("evals-offline-vs-online", "evals-nondeterministic-assertions", "evals-prompt-regression-ci")


def _rubric(prefix: str) -> list[Criterion]:
    return [
        Criterion(id=f"{prefix}-choice", text="Names one concrete choice and defends it with a reason.", weight=2,
                  key_phrases=["because", "choose", "prefer"]),
        Criterion(id=f"{prefix}-risk", text="Says what could go wrong with that choice and how to notice.",
                  key_phrases=["risk", "misleading", "monitor"]),
    ]


def interview_bank(base: Bank, *, unwritten_second: bool = False) -> Bank:
    questions: dict[str, BankQuestion] = {}
    for qid in QIDS:
        q = base.get(qid)
        assert q is not None, qid
        second = FollowUp(prompt=f"And how would you check that holds up in production for {qid}?",
                          rubric=[] if unwritten_second else _rubric("f2"))
        follow_ups = [FollowUp(prompt=f"{q.follow_ups[0].prompt}", rubric=_rubric("f1")), second]
        questions[qid] = q.model_copy(update={"follow_ups": follow_ups})
    return Bank(questions, {qid: "tests" for qid in questions})
