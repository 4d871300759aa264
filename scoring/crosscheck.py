"""Two signals, not one: the LLM judge's total is checked against the offline judge's.

When the LLM gives an answer far more than the offline rubric matcher finds support for, the higher number
is not shown on faith: the verdict is held for review. Both totals and the gap are recorded on the verdict
(`Verdict.checks`). A much lower LLM total is shown as is (a low score cannot be gamed upward) but recorded.

DISAGREE_AT = 5.0 points. Using the human score as a stand-in for an LLM that grades like a person,
human - offline exceeds 5.0 for 2 of 215 non-adversarial bank/evals answers (0.9% would be held); at 4.0 it
would be 9 of 215 (4.2%) (docs/evaluation.md, "Hard to game"). With the judge of 8 December: 2 of 375 tuning
answers (0.5%) and 2 of 139 held-out ones (1.4%).
"""

from __future__ import annotations

from collections.abc import Sequence

from bank.schema import Question
from bot.ports import Judge, Verdict
from scoring.offline import OfflineJudge

DISAGREE_AT = 5.0
HELD_REASON = (
    "Held for review, not scored: the two graders disagree by {gap:.1f} points, so a person should look first."
)


class CrossCheckJudge:
    def __init__(self, primary: Judge, offline: OfflineJudge | None = None, *, disagree_at: float = DISAGREE_AT):
        self.primary = primary
        self.offline = offline or OfflineJudge()
        self.disagree_at = disagree_at
        self.id = primary.id

    @property
    def inner(self) -> Judge:
        """The judge it checks (the LLM judge): batch grading and price lookups need it unwrapped."""
        return self.primary

    async def grade(self, question: Question, answer: str, *, shown: Sequence[str] = ()) -> Verdict:
        verdict = await self.primary.grade(question, answer, **shown_kwargs(shown))
        return self.check(question, answer, verdict, shown)

    def check(self, question: Question, answer: str, verdict: Verdict, shown: Sequence[str] = ()) -> Verdict:
        """Records both totals on `verdict` and holds it when the LLM is far above the offline judge; also
        applied to verdicts graded elsewhere (a Batch API run)."""
        if verdict.offline or verdict.status == "abstained":
            return verdict
        second = self.offline.grade_sync(question, answer, shown=shown)
        gap = round(verdict.total - second.total, 1)
        verdict.checks = {"llm": verdict.total, "offline": second.total, "gap": gap}
        if second.status == "abstained":
            return verdict  # the offline judge cannot read it: no second signal
        if gap > self.disagree_at and verdict.status == "scored":
            verdict.status = "held"
            verdict.status_reason = HELD_REASON.format(gap=gap)
        return verdict

    async def aclose(self) -> None:
        close = getattr(self.primary, "aclose", None)
        if close is not None:
            await close()


def shown_kwargs(shown: Sequence[str]) -> dict[str, Sequence[str]]:
    """Pass `shown` only when there is some, so judges written before it existed keep working."""
    return {"shown": shown} if shown else {}
