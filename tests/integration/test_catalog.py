"""The bank is synced into the questions table; editing a question adds a version, history stays."""

from __future__ import annotations

from sqlalchemy import select

from bank.loader import Bank
from bot.core import Core
from bot.store.models import QuestionRow, Round
from bot.store.repositories import Repositories
from tests.integration.test_rounds_and_intake import setup_round


async def test_editing_a_question_adds_a_version_and_keeps_history(core: Core, make_core, bank: Bank) -> None:  # type: ignore[no-untyped-def]
    await setup_round(core)
    async with core.ctx.sessions() as s:
        rnd = await s.scalar(select(Round))
        old = await s.get(QuestionRow, rnd.question_id)  # type: ignore[union-attr]
        old_prompt, qid = old.data["prompt"], old.qid  # type: ignore[union-attr]
    edited = Bank(dict(bank.questions), dict(bank.source_of))
    edited.questions[qid] = bank.questions[qid].model_copy(update={"prompt": old_prompt + " Be concrete."})
    core.ctx.catalog.bank = edited
    async with core.ctx.uow() as uow:
        assert await core.ctx.catalog.sync(uow, core.ctx.clock.now()) == 1
    async with core.ctx.sessions() as s:
        versions = (await s.scalars(select(QuestionRow).where(QuestionRow.qid == qid).order_by(QuestionRow.id))).all()
        assert [v.current for v in versions] == [False, True]
        rnd = await s.scalar(select(Round))
        assert rnd.question_id == versions[0].id  # type: ignore[union-attr]
        past = await core.ctx.catalog.question_for_row(Repositories(s), versions[0].id)
    assert past.prompt == old_prompt
    async with core.ctx.uow() as uow:  # syncing again changes nothing
        assert await core.ctx.catalog.sync(uow, core.ctx.clock.now()) == 0
