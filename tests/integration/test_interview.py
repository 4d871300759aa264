"""Mock interviews through the core, on SQLite and PostgreSQL: follow-ups, hints, skip, end, idle
expiry, restarts, and what an interview counts for."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bank.loader import Bank
from bot.clock import FakeClock
from bot.config import Settings
from bot.core import Core
from bot.events import AnswerEvent, CommandContext
from bot.ports import Judge
from bot.services import interview
from bot.store.models import (
    Answer,
    CategoryStatRow,
    InterviewSession,
    InterviewTurn,
    RoundPoints,
    Streak,
)
from scoring import OfflineJudge
from tests.conftest import empty_tables
from tests.fakes.interview_bank import QIDS, interview_bank
from tests.fakes.judges import ScriptedJudge
from tests.fakes.platform import FakePlatform

USER = "test:W1:U1"
DM = CommandContext(USER, "ada", None, "", is_dm=True)
_ids = itertools.count(1)


@pytest.fixture
async def start_core(database_url: str, bank: Bank, clock: FakeClock, platform: FakePlatform
                     ) -> AsyncIterator[Callable[..., object]]:
    """Cores over one database (a second call is a restart); the bank's follow-ups carry rubrics."""
    await empty_tables(database_url)
    made: list[Core] = []

    async def factory(judge: Judge | None = None, *, unwritten_second: bool = False, **settings: object) -> Core:
        for old in made:
            await old.close()
        s = Settings(database_url=database_url, _env_file=None, **settings)  # type: ignore[call-arg]
        core = await Core.create(s, judge or ScriptedJudge(), clock=clock, migrate=False,
                                 bank=interview_bank(bank, unwritten_second=unwritten_second))
        core.register(platform)
        made.append(core)
        return core

    yield factory
    await made[-1].close()


async def say(core: Core, text: str, clock: FakeClock) -> None:
    clock.advance(timedelta(seconds=30))
    event = AnswerEvent(f"test:W1:D1:m{next(_ids)}", f"{USER}:dm", USER, text, clock.now(), "ada", is_dm=True)
    result = await core.answer(event)
    assert result.outcome in ("interview", "interview-done", "command"), result


def titles(platform: FakePlatform) -> list[str]:
    return [s.message.title for s in platform.sent if s.kind == "dm"]


async def test_three_questions_with_follow_ups_across_a_restart(start_core, platform, clock) -> None:  # type: ignore[no-untyped-def]
    core = await start_core()
    reply = await core.command(DM, "interview evals --questions 3")
    assert "direct message" in reply.text
    assert titles(platform)[-1].startswith("Question 1 of 3")
    await say(core, "ok I would keep a golden set", clock)  # partial -> follow-up on the weakest point
    assert titles(platform)[-1] == "Question 1 of 3 · follow-up 1"
    await say(core, "ok because", clock)
    assert titles(platform)[-1] == "Question 1 of 3 · follow-up 2"

    core = await start_core()  # restart between turns: the session lives in SQL
    await say(core, "great because risk", clock)  # second follow-up answered: at most two, so next question
    assert titles(platform)[-1].startswith("Question 2 of 3")
    await say(core, "great answer", clock)  # all met: nothing to push on, next question
    assert titles(platform)[-1].startswith("Question 3 of 3")
    await say(core, "ok", clock)
    await say(core, "skip", clock)  # skips the follow-up; that was the last question
    summary = platform.sent[-1].message
    assert summary.title == "Interview summary"
    body = summary.plain()
    assert "First answer: 5.0/10" in body and "Follow-up 2" in body and "improved on the first answer" in body
    assert "Model answer:" in body and "What the interviewer probes:" in body
    study = next(f for f in summary.fields if f.name == "Two things to study").value
    assert study.count("•") == 2
    async with core.ctx.sessions() as s:
        assert await s.scalar(select(InterviewSession.status)) == "done"
        # The three first answers count (stats, streak); follow-ups do not; no leaderboard rows.
        assert await s.scalar(select(func.count(Answer.id))) == 3
        assert await s.scalar(select(CategoryStatRow.attempts).where(CategoryStatRow.category == "evals")) == 3
        assert (await s.get(Streak, (await s.scalar(select(Answer.member_id))))).current == 1  # type: ignore[union-attr]
        assert await s.scalar(select(func.count(RoundPoints.id))) == 0
        turns = (await s.scalars(select(InterviewTurn).order_by(InterviewTurn.seq))).all()
    assert [(t.number, t.follow_up, t.status) for t in turns] == [
        (1, 0, "scored"), (1, 1, "scored"), (1, 2, "scored"), (2, 0, "scored"), (3, 0, "scored"), (3, 1, "skipped")]
    assert {t.qid for t in turns} == set(QIDS)


async def test_hint_costs_points_and_never_shows_the_rubric(start_core, platform, clock) -> None:  # type: ignore[no-untyped-def]
    core = await start_core(interview_hint_penalty=1.5)
    await core.command(DM, "interview evals --questions 1")
    await say(core, "hint", clock)
    hint = platform.sent[-1].message
    assert hint.title == "Hint" and "1.5" in hint.text
    question = core.ctx.catalog.get(QIDS[0])
    for qid in QIDS:
        q = core.ctx.catalog.get(qid)
        assert q is not None
        for c in q.rubric:
            assert c.text not in hint.text and c.id not in hint.text
    assert question is not None
    await say(core, "great", clock)
    assert platform.sent[-2].message.title.startswith("8.5/10")  # 10 minus one hint


async def test_end_and_idle_expiry_close_the_session_with_a_summary(start_core, platform, clock) -> None:  # type: ignore[no-untyped-def]
    core = await start_core(interview_idle_minutes=30)
    await core.command(DM, "interview")
    await say(core, "end", clock)
    assert platform.sent[-1].message.title == "Interview summary"
    assert "You ended the interview" in platform.sent[-1].message.text

    await core.command(DM, "interview evals")
    clock.advance(timedelta(minutes=31))
    await say(core, "a late answer", clock)
    last = platform.sent[-1].message
    assert last.title == "Interview summary" and "expired after 30 idle minutes" in last.text
    async with core.ctx.sessions() as s:
        assert sorted((await s.scalars(select(InterviewSession.status))).all()) == ["ended", "expired"]
        assert await s.scalar(select(func.count(Answer.id))) == 0  # the late message was not taken


async def test_offline_judge_grades_only_written_follow_up_rubrics(start_core, platform, clock) -> None:  # type: ignore[no-untyped-def]
    core = await start_core(OfflineJudge(), unwritten_second=True)
    await core.command(DM, "interview evals --questions 1")
    await say(core, "A golden set is versioned.", clock)
    assert "follow-up 1" in titles(platform)[-1]
    await say(core, "I prefer task completion because thumbs are misleading; monitor edits.", clock)
    assert "follow-up 2" in titles(platform)[-1]
    await say(core, "Shadow traffic and a canary.", clock)
    texts = [s.message.text for s in platform.sent]
    assert any("offline scorer grades only follow-ups with one" in t for t in texts)
    async with core.ctx.sessions() as s:
        states = (await s.scalars(select(InterviewTurn.status).order_by(InterviewTurn.seq))).all()
    assert states[0] == "scored" and sorted(states[1:]) == ["scored", "ungraded"]


async def test_an_answer_stored_before_a_crash_is_graded_after_restart(start_core, platform, clock) -> None:  # type: ignore[no-untyped-def]
    core = await start_core()
    await core.command(DM, "interview evals --questions 2")
    async with core.ctx.sessions.begin() as s:  # the process died after storing, before grading
        turn = await s.scalar(select(InterviewTurn))
        turn.status, turn.text = "answered", "great"  # type: ignore[union-attr]
    core = await start_core()
    await say(core, "help", clock)  # any DM after the restart: the stored answer is graded first
    assert any(t.startswith("10.0/10") for t in titles(platform))
    assert any(t.startswith("Question 2 of 2") for t in titles(platform))


def test_interview_arguments() -> None:
    assert interview.parse_args([], 5) == (None, 3)
    assert interview.parse_args(["evals", "--questions", "2"], 5) == ("evals", 2)
    assert interview.parse_args(["--questions=4"], 5) == (None, 4)
    assert isinstance(interview.parse_args(["--questions", "9"], 5), str)
    assert isinstance(interview.parse_args(["nonsense"], 5), str)
    assert isinstance(interview.parse_args(["--questions"], 5), str)
    # Two known categories are not an "unknown category".
    two = interview.parse_args(["evals", "Fundamentals"], 5)
    assert isinstance(two, str) and "Unknown" not in two and "one category" in two
    assert interview.parse_args(["EVALS"], 5) == ("evals", 3)  # any letter case, as `practice` accepts


async def test_llm_judge_derives_a_rubric_for_unwritten_follow_ups_and_tokens_are_kept_per_turn(
        start_core, platform, clock, bank) -> None:  # type: ignore[no-untyped-def]
    from scoring.llm import LLMJudge
    from tests.fakes.openai_server import Behaviour, FakeOpenAI, request_rubric_ids

    def all_partial(body: dict) -> dict:  # every criterion half met, citing the answer's first sentence
        return {"met": [], "partial": [{"id": i, "sentences": [1]} for i in request_rubric_ids(body)],
                "feedback": "Half way there.", "follow_up": "", "flags": []}

    with FakeOpenAI() as server:
        judge = LLMJudge(base_url=server.base_url, api_key="test-key", model="gpt-4o-mini", timeout=2.0,
                         max_retries=0)
        try:
            core = await start_core(judge, unwritten_second=True)
            await core.command(DM, "interview evals --questions 1")
            partial = Behaviour(kind="custom", content=all_partial, cached_tokens=1024)
            server.push(partial, partial, Behaviour(cached_tokens=1024))
            await say(core, "A golden set is versioned and rerun before shipping.", clock)
            await say(core, "I prefer task completion because thumbs are noisy.", clock)
            await say(core, "Shadow traffic first, then a canary with monitoring.", clock)
        finally:
            await judge.aclose()
    async with core.ctx.sessions() as s:
        turns = (await s.scalars(select(InterviewTurn).order_by(InterviewTurn.seq))).all()
    assert [t.status for t in turns] == ["scored", "scored", "scored"]  # the third had no written rubric
    # Graded on criteria derived from the model answer; evidence that is not about a criterion earns nothing.
    assert turns[2].total is not None and turns[2].total > 0 and turns[2].criteria
    assert all(t.input_tokens > 0 and t.cached_tokens == 1024 for t in turns)
    assert platform.sent[-1].message.title == "Interview summary"


async def test_held_and_abstained_verdicts_are_not_counted(start_core, platform, clock) -> None:  # type: ignore[no-untyped-def]
    from tests.fakes.judges import all_marked

    def rule(question, answer):  # type: ignore[no-untyped-def]
        verdict = all_marked("met")(question, answer)
        verdict.status = "abstained" if "hola" in answer else "held" if "hold" in answer else "scored"
        verdict.status_reason = "I cannot grade Spanish fairly yet." if verdict.status == "abstained" else ""
        return verdict

    core = await start_core(ScriptedJudge(rule))
    await core.command(DM, "interview evals --questions 2")
    await say(core, "hola, respondo en español", clock)
    assert any("cannot grade Spanish" in s.message.text for s in platform.sent)
    assert titles(platform)[-1].startswith("Question 2 of 2")
    await say(core, "hold this one please", clock)
    async with core.ctx.sessions() as s:
        assert await s.scalar(select(func.count(CategoryStatRow.id))) == 0  # held: out of stats
        assert await s.scalar(select(func.count(Answer.id))) == 1


async def test_a_redelivered_message_answers_only_once(start_core, platform, clock) -> None:  # type: ignore[no-untyped-def]
    core = await start_core()
    await core.command(DM, "interview evals --questions 2")
    event = AnswerEvent("test:W1:D1:same", f"{USER}:dm", USER, "ok, a first answer", clock.now(), "ada", True)
    await core.answer(event)
    assert titles(platform)[-1] == "Question 1 of 2 · follow-up 1"
    await core.answer(event)  # the platform delivered it again: it must not answer the follow-up
    async with core.ctx.sessions() as s:
        statuses = (await s.scalars(select(InterviewTurn.status).order_by(InterviewTurn.seq))).all()
    assert statuses == ["scored", "asked"]
