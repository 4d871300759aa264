"""A scripted judge: grades by a rule the test sets, or fails on demand. No mocks."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bank.schema import Question
from bot.ports import CriterionResult, JudgeError, Verdict


def all_marked(mark: str, flags: list[str] | None = None) -> Callable[[Question, str], Verdict]:
    def grade(question: Question, answer: str) -> Verdict:
        crit = [
            CriterionResult(c.id, mark, answer[:20] if mark != "missed" else "", c.weight, c.text)  # type: ignore[arg-type]
            for c in question.rubric
        ]
        return Verdict(crit, feedback="ok", follow_up="why?", flags=list(flags or []), judge_id="scripted")

    return grade


def by_keyword(question: Question, answer: str) -> Verdict:
    """'great' -> all met, 'ok' -> partial, else missed; 'inject' flags injection."""
    mark = "met" if "great" in answer else "partial" if "ok" in answer else "missed"
    flags = ["injection_suspected"] if "inject" in answer else []
    return all_marked(mark, flags)(question, answer)


class ScriptedJudge:
    id = "scripted"

    def __init__(self, rule: Callable[[Question, str], Verdict] = by_keyword):
        self.rule = rule
        self.fail_next = 0
        self.calls = 0

    async def grade(self, question: Question, answer: str, *, shown: Sequence[str] = ()) -> Verdict:
        self.calls += 1
        if self.fail_next > 0:
            self.fail_next -= 1
            raise JudgeError("judge unavailable (scripted)")
        return self.rule(question, answer)
