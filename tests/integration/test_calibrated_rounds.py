"""DRILLBOT_PREFER_CALIBRATED end to end: real answers flag a question, and a round then skips it."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from bank.calibration import MIN_ANSWERS
from bank.selection import eligible, pick_round_question
from bot.core import Core
from bot.events import AnswerEvent
from bot.rules.timing import local_date
from bot.services.calibration import poorly_calibrated
from bot.store.models import QuestionRow, Round

CONFIG = {"weekdays": "mon-sun", "categories": ["evals"]}


async def _posted_qid(core: Core, channel: str) -> str:
    result = await core.post_round(channel)
    assert result.posted, result.reason
    async with core.ctx.sessions() as s:
        qid = await s.scalar(select(QuestionRow.qid).join(Round, Round.question_id == QuestionRow.id)
                             .where(Round.id == result.round_id))
    assert qid is not None
    return qid


async def test_prefer_calibrated_skips_a_question_real_answers_show_too_easy(make_core: Callable[..., object]) -> None:
    plain: Core = await make_core()  # type: ignore[operator]
    first = "test:W1:C0"
    await plain.configure_channel(first, "first", **CONFIG)
    easy = await _posted_qid(plain, first)
    async with plain.ctx.sessions() as s:
        thread = await s.scalar(select(Round.thread_key))
    for n in range(MIN_ANSWERS):  # the scripted judge gives every answer 10: too easy
        event = AnswerEvent(f"test:W1:C0:m{n}", thread, f"test:W1:u{n}", "an answer", plain.ctx.clock.now(), f"u{n}")
        assert (await plain.answer(event)).outcome == "accepted"
    await plain.worker.drain()
    assert easy in await poorly_calibrated(plain.ctx)

    # A fresh channel whose plain pick today would be that same question.
    today = local_date(plain.ctx.clock.now(), plain.ctx.settings.timezone)
    pool = eligible(plain.ctx.catalog.current(), ["evals"], 3)
    channel = next(key for key in (f"test:W1:C{n}" for n in range(1, 500))
                   if getattr(pick_round_question(pool, [], today, seed=key,
                                                  cooldown_days=plain.ctx.settings.cooldown_days), "id", None) == easy)
    prefer: Core = await make_core(prefer_calibrated=True)  # type: ignore[operator]
    await prefer.configure_channel(channel, "second", **CONFIG)
    assert await _posted_qid(prefer, channel) != easy
