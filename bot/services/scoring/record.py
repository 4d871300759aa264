"""Recording a verdict: the score, the person's points, streak and stats, and the claim on the reply,
all in one transaction, so a crash leaves either everything or nothing (and the answer still leased)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from bot.ports import Verdict, status_flags
from bot.services import progress
from bot.services.context import Context
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
        answer_id=answer_id, total=verdict.total, criteria=[asdict(c) for c in verdict.criteria],
        feedback=feedback, follow_up=verdict.follow_up, flags=flags,
        review_state="flagged" if flags and verdict.status != "abstained" else "none", counts=not flags,
        judge_id=verdict.judge_id or judge_id, offline=verdict.offline,
        input_tokens=verdict.usage.input_tokens, cached_tokens=verdict.usage.cached_tokens,
        output_tokens=verdict.usage.output_tokens, cost_usd=verdict.cost_usd,
        reasoning_tokens=verdict.usage.reasoning_tokens,
        latency_ms=verdict.latency_ms, created_at=now, streak_note="",
    )


async def record(ctx: Context, answer_id: int, verdict: Verdict, judge_id: str) -> tuple[Route, ScoreReply] | None:
    """Store the score and its effects, and claim its reply, in one transaction: lock the person, one
    joined read of everything the score updates, then the writes at commit. None if the answer is no
    longer ours to score. Raises IntegrityError when another process won a race (the caller requeues)."""
    now = ctx.clock.now()
    async with ctx.sessions.begin() as s:
        got = await progress.load_for_score(s, answer_id, now)
        if got is None:
            return None
        answer = got.answer
        score = score_row(answer_id, verdict, judge_id, now)
        s.add(score)
        change = await progress.apply_score(ctx, s, got, score)
        score.streak_note = progress.streak_note(change)  # stored, so a resent reply says the same
        mode = got.channel.feedback_mode if got.channel is not None else None
        route = Route(answer.thread_key, answer.message_key, got.member.user_key, mode)
        name, practice, question_row = got.member.display_name, answer.practice_id is not None, answer.question_id
    return route, await build_reply(ctx, answer_id, score, name, practice, question_row)
