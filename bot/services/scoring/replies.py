"""The outbox: a score reply is built from the stored score and claimed for sending in the database, so a
reply lost to a crash or an outage is found and sent again, once, by whichever process sweeps first."""

from __future__ import annotations

from dataclasses import dataclass

from bot import render
from bot.messages import Message, user_text
from bot.services.context import Context
from bot.services.scoring.lease import LEASE
from bot.store.models import Score


@dataclass(frozen=True)
class Route:
    """Where replies about an answer go: its thread, or the person's DMs in private feedback mode.
    `mode` is the channel's feedback mode, None outside a channel round (practice, interviews)."""

    thread_key: str
    message_key: str
    user_key: str
    mode: str | None

    @property
    def private(self) -> bool:
        return self.mode == "private"

    @property
    def hints_apart(self) -> bool:
        """In a channel round's thread the hints and follow-up go to the person alone."""
        return self.mode == "thread"


@dataclass(frozen=True)
class ScoreText:
    """What a score reply says beyond the score itself."""

    who: str
    practice: bool
    streak_note: str


@dataclass(frozen=True)
class ScoreReply:
    view: render.ScoreView
    text: ScoreText
    reveal: Message | None  # practice: the model answer, sent after the score


async def build_reply(ctx: Context, answer_id: int, score: Score, display_name: str, practice: bool,
                      question_row: int) -> ScoreReply:
    """The one builder of a score reply, from the stored score: the fresh and the resend path both use
    it, so a reply resent after an outage is the reply the person would have had."""
    view = render.ScoreView(score.total, score.criteria, score.feedback, score.follow_up, score.flags,
                            score.offline, score.judge_id, answer_id=answer_id)
    text = ScoreText("" if practice else user_text(display_name, 80), practice, score.streak_note)
    # Practice: after the score, show the model answer and what the interviewer was probing for.
    if not practice:
        return ScoreReply(view, text, None)
    async with ctx.uow() as uow:  # the catalog caches it: no query once seen
        question = await ctx.catalog.question_for_row(uow, question_row)
    return ScoreReply(view, text, render.practice_reveal(question))


async def stored_reply(ctx: Context, answer_id: int) -> ScoreReply | None:
    """The reply for an already stored score (the resend path)."""
    async with ctx.uow() as uow:
        row = await uow.outbox.stored_score(answer_id)
    if row is None:
        return None
    practice_id, question_row, score, name = row
    return await build_reply(ctx, answer_id, score, name, practice_id is not None, question_row)


async def route_of(ctx: Context, answer_id: int) -> Route | None:
    async with ctx.uow() as uow:
        row = await uow.outbox.route(answer_id)
    if row is None:
        return None
    return Route(row.thread_key, row.message_key, row.user_key, row.feedback_mode)


async def who_answered(ctx: Context, answer_id: int) -> str:
    """The name a notice about a channel answer addresses; practice notices address no one."""
    async with ctx.uow() as uow:
        row = await uow.outbox.author(answer_id)
    return user_text(row.display_name, 80) if row and row.practice_id is None else ""


async def claim_reply(ctx: Context, answer_id: int) -> bool:
    """Only one process sends a given score reply; a claim older than the lease may be retaken."""
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        return await uow.outbox.claim(answer_id, now, now - LEASE)


# Replies posted and not yet recorded: answer id -> True if the reply was sent, False if posting failed.
Acks = dict[int, bool]


async def finish_reply(ctx: Context, answer_id: int, sent: bool) -> None:
    """Record one sent reply, or release its claim, in its own transaction."""
    async with ctx.uow() as uow:
        await uow.outbox.settle({answer_id: sent})


async def unsent(ctx: Context, limit: int) -> list[int]:
    """Scored answers whose reply was never sent (platform down, process died while posting)."""
    async with ctx.uow() as uow:
        return await uow.outbox.unsent(limit)


async def reply_settled(ctx: Context, answer_id: int) -> bool:
    """An answer has a sent reply or a sent "score coming" notice (or is gone)."""
    async with ctx.uow() as uow:
        return await uow.outbox.settled(answer_id)
