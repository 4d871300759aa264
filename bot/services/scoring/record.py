"""Recording verdicts: the score, the person's points, streak and stats, and the claim on the reply, for
a batch of answers in one transaction, so a crash leaves either everything or nothing (and the answers
still leased)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.ports import Verdict, status_flags
from bot.services import progress
from bot.services.context import Context
from bot.services.scoring import replies
from bot.services.scoring.replies import Route, ScoreReply, build_reply
from bot.store.models import Score


def score_row(answer_id: int, verdict: Verdict, judge_id: str, now: datetime) -> Score:
    """The stored score for a verdict. A held verdict waits for an admin like any flagged answer; an
    abstained one has nothing to review and counts for nothing. Neither shows a number (render.score_reply)."""
    flags = sorted(set(verdict.flags) | status_flags(verdict.status))
    feedback = verdict.feedback
    if verdict.status == "held" and verdict.status_reason:
        feedback = f"{verdict.status_reason}\n{feedback}".strip()
    return Score(
        answer_id=answer_id, total=verdict.total, criteria=[dict(vars(c)) for c in verdict.criteria],
        feedback=feedback, follow_up=verdict.follow_up, flags=flags,
        review_state="flagged" if flags and verdict.status != "abstained" else "none", counts=not flags,
        judge_id=verdict.judge_id or judge_id, offline=verdict.offline,
        input_tokens=verdict.usage.input_tokens, cached_tokens=verdict.usage.cached_tokens,
        output_tokens=verdict.usage.output_tokens, cost_usd=verdict.cost_usd,
        reasoning_tokens=verdict.usage.reasoning_tokens,
        latency_ms=verdict.latency_ms, created_at=now, streak_note="",
    )


@dataclass(frozen=True)
class Graded:
    """A verdict waiting to be recorded."""

    answer_id: int
    member_id: int
    verdict: Verdict


Recorded = tuple[Route, ScoreReply] | None


async def record(ctx: Context, answer_id: int, verdict: Verdict, judge_id: str) -> Recorded:
    """Record one verdict in its own transaction (see `record_batch`)."""
    return (await record_batch(ctx, [Graded(answer_id, 0, verdict)], judge_id))[0]


async def record_batch(ctx: Context, batch: Sequence[Graded], judge_id: str,
                       acks: replies.Acks | None = None) -> list[Recorded]:
    """Store each verdict's score and effects and claim its reply, all in one transaction (group commit):
    mark the batch scored in one statement (SQLite's write lock; PostgreSQL then locks the people's rows),
    one joined read of everything the scores update, then the writes at commit, which SQLAlchemy sends
    as one statement per table and kind. The batch holds at most one answer per person (the caller keeps
    a person's answers in order). `acks`, replies posted since the last commit, ride along. An answer no
    longer ours gives None. Raises IntegrityError when another process won a race: the whole batch is
    rolled back and the caller retries its answers one by one."""
    now = ctx.clock.now()
    stored: list[tuple[Score, Route, str, bool, int] | None] = [None] * len(batch)
    async with ctx.uow() as uow:
        if acks:
            await uow.outbox.settle(acks)
        inputs = await progress.load_for_scores(uow, [item.answer_id for item in batch], now)
        for i in sorted(range(len(batch)), key=lambda i: batch[i].member_id):
            item = batch[i]
            got = inputs.get(item.answer_id)
            if got is None:
                continue
            answer = got.answer
            score = score_row(item.answer_id, item.verdict, judge_id, now)
            uow.effects.insert(score)  # written with core statements before commit
            change = await progress.apply_score(ctx, uow, got, score)
            score.streak_note = progress.streak_note(change)  # stored, so a resent reply says the same
            mode = got.channel.feedback_mode if got.channel is not None else None
            route = Route(answer.thread_key, answer.message_key, got.member.user_key, mode)
            stored[i] = (score, route, got.member.display_name, answer.practice_id is not None, answer.question_id)
    out: list[Recorded] = []
    for item, row in zip(batch, stored, strict=True):
        if row is None:
            out.append(None)
            continue
        score, route, name, practice, question_row = row
        out.append((route, await build_reply(ctx, item.answer_id, score, name, practice, question_row)))
    return out
