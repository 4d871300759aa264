"""What a new person trips on in practice and commands (issue 15), through the real core."""

from __future__ import annotations

import contextlib
from datetime import timedelta

from sqlalchemy import select

from bot.core import Core
from bot.events import AnswerEvent, CommandContext
from bot.ports import Posted
from bot.services import practice
from bot.store.models import PracticeSession
from tests.fakes.platform import FakePlatform, Sent
from tests.integration.test_rounds_and_intake import ALICE, BOB, CH, answer, setup_round


async def say(core: Core, thread: str, user: str, text: str, msg: str) -> None:
    await core.answer(answer(thread, msg, user, text, core))

ALICE_CC = CommandContext(ALICE, "alice", CH, "general")
ALICE_DM = CommandContext(ALICE, "alice", None, is_dm=True)


async def _practice_answer(core: Core, text: str, n: int) -> None:
    await core.answer(AnswerEvent(f"test:W1:D1:p{n}", f"{ALICE}:dm", ALICE, text, core.ctx.clock.now(),
                                  "alice", True))
    await core.worker.drain()


async def test_practice_score_is_followed_by_the_model_answer_and_probing(core: Core,
                                                                        platform: FakePlatform) -> None:
    await core.command(ALICE_CC, "practice evals")
    qid = platform.sent[-1].message.footer.rsplit("id ", 1)[1]
    await _practice_answer(core, "a great answer", 1)
    question = core.ctx.catalog.get(qid)
    assert question is not None
    reveal = platform.sent[-1]
    assert reveal.target == f"{ALICE}:dm" and platform.sent[-2].message.kind == "score"
    assert reveal.message.text == question.model_answer
    assert [f.value for f in reveal.message.fields] == [question.probing]


async def test_round_close_shows_what_the_interviewer_was_probing(core: Core, platform: FakePlatform) -> None:
    await setup_round(core)
    core.ctx.clock.advance(timedelta(hours=25))  # type: ignore[attr-defined]
    await core.close_due_rounds()
    closed = platform.of_kind("reveal")[-1].message
    qid = platform.of_kind("question")[0].message.footer.rsplit("id ", 1)[1]
    question = core.ctx.catalog.get(qid)
    assert question is not None and question.probing
    assert any(f.value == question.probing for f in closed.fields)


async def test_why_this_one_says_weakest_only_for_categories_with_scores(core: Core,
                                                                        platform: FakePlatform) -> None:
    # Never tried anything: no category is "one of your weakest".
    await core.command(ALICE_CC, "practice")
    assert "weakest" not in platform.sent[-1].message.fields[0].value
    # Asked for a category: the reason says so.
    await core.command(ALICE_CC, "practice evals")
    assert platform.sent[-1].message.fields[0].value == "You asked for Evals."


async def test_next_does_not_repeat_within_ten_presses(core: Core) -> None:
    picked = []
    for _ in range(10):
        chosen = await practice.start(core.ctx, ALICE, "alice", "agents_rag_tools")
        assert chosen.sent
        core.ctx.clock.advance(timedelta(seconds=1))  # type: ignore[attr-defined]
        qids = [q.id for q in core.ctx.catalog.current() if q.category == "agents_rag_tools"]
        picked.append(core.ctx.platform_for(ALICE).sent[-1].message.footer.rsplit("id ", 1)[1])  # type: ignore[attr-defined]
    assert all(q in qids for q in picked)
    window = min(10, len(qids))
    assert len(set(picked[:window])) == window


async def test_a_blank_effort_does_not_extend_a_streak(core: Core) -> None:
    thread = await setup_round(core)
    await say(core, thread, ALICE, "nothing useful here at all", "1")  # scripted judge: all missed -> 0.0
    await core.worker.drain()
    assert "Current: 0 day" in (await core.command(ALICE_CC, "streak")).text
    await say(core, thread, ALICE, "an ok answer", "2")
    await core.worker.drain()
    assert "Current: 1 day" in (await core.command(ALICE_CC, "streak")).text


async def test_channel_skip_asks_for_confirmation(make_core) -> None:  # type: ignore[no-untyped-def]
    core: Core = await make_core(admin_ids="test:W1:alice")
    await setup_round(core)
    ask = await core.command(ALICE_CC, "skip")
    assert "skip confirm" in ask.text
    from bot.services.intake import open_round_for_channel

    assert await open_round_for_channel(core.ctx, CH, core.ctx.clock.now()) is not None
    done = await core.command(ALICE_CC, "skip confirm")
    assert "skipped" in done.text
    assert await open_round_for_channel(core.ctx, CH, core.ctx.clock.now()) is None


async def test_stats_at_name_works_as_documented(core: Core) -> None:
    thread = await setup_round(core)
    await say(core, thread, BOB, "a great answer", "1")
    await core.worker.drain()
    reply = await core.command(ALICE_CC, "stats @bob")
    assert reply.kind != "error", reply.text
    unknown = await core.command(ALICE_CC, "stats @nobody")
    assert unknown.kind == "error" and "nobody" in unknown.text


def _last_qid(platform: FakePlatform) -> str:
    return platform.sent[-1].message.footer.rsplit("id ", 1)[1]


async def test_next_skip_and_the_button_keep_the_chosen_category(core: Core, platform: FakePlatform) -> None:
    await core.command(ALICE_CC, "practice evals")
    picked = [_last_qid(platform)]
    presses = [lambda: core.command(ALICE_DM, "next"), lambda: core.button(ALICE_DM, "practice:next"),
               lambda: core.button(ALICE_DM, "practice:skip"), lambda: core.command(ALICE_DM, "skip")]
    for i in range(10):
        core.ctx.clock.advance(timedelta(seconds=1))  # type: ignore[attr-defined]
        reply = await presses[i % len(presses)]()
        assert reply.kind != "error", reply.text
        picked.append(_last_qid(platform))
        assert platform.sent[-1].message.fields[0].value == "You asked for Evals."
    categories = {core.ctx.catalog.get(q).category for q in picked}  # type: ignore[union-attr]
    assert categories == {"evals"}
    assert len(set(picked)) == 11  # the bank has more than 11 evals questions: no repeat within ten presses
    # `practice` without a category lets go of it; `next CATEGORY` switches.
    await core.command(ALICE_CC, "next fundamentals")
    assert core.ctx.catalog.get(_last_qid(platform)).category == "fundamentals"  # type: ignore[union-attr]
    await core.command(ALICE_CC, "practice")
    assert await practice.chosen_category(core.ctx, ALICE) is None


class _PressesNextWhileSending(FakePlatform):
    """A DM that is still in flight when the person presses `next` (a slow platform, a busy bot)."""

    def __init__(self, core: Core) -> None:
        super().__init__()
        self.core = core
        self.seen_while_sending: list[str | None] = []

    async def dm(self, user_key: str, message: object) -> object:  # type: ignore[override]
        if not self.seen_while_sending:
            self.seen_while_sending.append(await practice.chosen_category(self.core.ctx, user_key))
        return await super().dm(user_key, message)  # type: ignore[arg-type]


async def test_next_pressed_before_the_practice_dm_lands_keeps_the_category(core: Core) -> None:
    """A fast `next` used to find no practice session yet (it was stored after the DM went out) and fell
    back to any category."""
    slow = _PressesNextWhileSending(core)
    core.register(slow)
    await core.command(ALICE_CC, "practice evals")
    assert slow.seen_while_sending == ["evals"]
    await core.command(ALICE_DM, "next")
    picked = [m.message.footer.rsplit("id ", 1)[1] for m in slow.sent if m.kind == "dm"]
    assert len(picked) == 2
    assert {core.ctx.catalog.get(q).category for q in picked} == {"evals"}  # type: ignore[union-attr]


async def test_a_practice_dm_that_fails_leaves_no_session(core: Core, platform: FakePlatform) -> None:
    platform.fail_next = 1
    with contextlib.suppress(Exception):  # the platform is down: the person sees an error either way
        await core.command(ALICE_CC, "practice evals")
    assert await practice.chosen_category(core.ctx, ALICE) is None


class _AsksAgainWhileSending(FakePlatform):
    """`practice` asked again while the first question's DM is still in flight."""

    def __init__(self, core: Core) -> None:
        super().__init__()
        self.core = core

    async def dm(self, user_key: str, message: object) -> object:  # type: ignore[override]
        if not self.sent:
            self.sent.append(Sent("dm", user_key, message))  # type: ignore[arg-type]
            await practice.start(self.core.ctx, user_key, "alice", "evals")
            return Posted(f"{user_key}:dm", f"{user_key}:dm:first")
        return await super().dm(user_key, message)  # type: ignore[arg-type]


async def test_a_question_superseded_while_its_dm_was_in_flight_is_not_left_open(core: Core) -> None:
    core.register(_AsksAgainWhileSending(core))
    await core.command(ALICE_CC, "practice evals")
    async with core.ctx.sessions() as s:
        statuses = (await s.scalars(select(PracticeSession.status).order_by(PracticeSession.id))).all()
    assert statuses == ["done", "open"]
