"""Judging a claimed answer: the claim returned what the judge needs (the question comes from the
catalog's cache), then the Judge port is called outside any transaction (a judge call may take seconds
and must hold no database connection)."""

from __future__ import annotations

from bot.ports import Judge, Verdict
from bot.services.context import Context
from bot.services.scoring.lease import Claimed, still_claimed


async def grade(ctx: Context, judge: Judge, answer_id: int, claimed: Claimed | None) -> tuple[Claimed, Verdict] | None:
    """Grade one claimed answer; None if it is no longer claimed. `claimed` is what the claim returned,
    or None when the answer was claimed elsewhere and must be read. A JudgeError propagates to the
    caller, which applies the failure policy."""
    answer = claimed
    question = ctx.catalog.cached_question(claimed.question_id) if claimed is not None else None
    if question is None:  # a session only for what the claim did not return and the catalog has not cached
        async with ctx.uow() as uow:
            answer = claimed if claimed is not None else await still_claimed(uow, answer_id)
            if answer is None:
                return None
            question = await ctx.catalog.question_for_row(uow, answer.question_id)
    assert answer is not None
    return answer, await judge.grade(question, answer.text, shown=list(answer.shown))
