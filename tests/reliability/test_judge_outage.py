"""Judge outage through the real core and the real LLM judge against the fake OpenAI server: 500s and
timeouts for a while, then recovery. No invented scores; one "score coming" notice; the fallback works."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from bot.core import Core
from bot.store.models import Answer, Score
from scoring import LLMJudge, build_judge
from scoring.fallback import FALLBACK_NOTE
from tests.fakes.openai_server import Behaviour, FakeOpenAI
from tests.fakes.platform import FakePlatform
from tests.integration.test_rounds_and_intake import ALICE, BOB, answer, count, setup_round

HONEST = ("I would put the static system prompt first so the provider's prompt cache reuses the prefix, "
          "route easy questions to a smaller model, and rerun the eval set after each change.")


async def test_outage_keeps_answers_pending_then_scores_each_once(make_core, fake: FakeOpenAI,
                                                                  platform: FakePlatform) -> None:  # type: ignore[no-untyped-def]
    judge = LLMJudge(base_url=fake.base_url, api_key="test", timeout=0.5, max_retries=0)
    core: Core = await make_core(judge)
    try:
        thread = await setup_round(core)
        # Two answers, each meets: a 500, then a timeout, then a 500 again; afterwards the server is fine.
        fake.push("error_500", "error_500", Behaviour(kind="slow", delay_s=1.5), Behaviour(kind="slow", delay_s=1.5),
                  "error_500", "error_500")
        events: list[tuple[str, object]] = []
        core.worker.listeners.append(lambda event, payload: events.append((event, payload)))
        await core.answer(answer(thread, "m1", ALICE, HONEST, core))
        await core.answer(answer(thread, "m2", BOB, HONEST, core))
        for _ in range(3):
            await core.worker.run_once()
            assert await count(core, Score) == 0, "a score was recorded while the judge was down"
            core.ctx.clock.advance(timedelta(hours=1))
        pending = platform.of_kind("pending")
        assert len(pending) == 2 and {p.target for p in pending} == {thread}
        for p in pending:
            assert "score coming" in p.message.text and not any(ch.isdigit() for ch in p.message.plain())
        assert platform.of_kind("score") == []
        async with core.ctx.sessions() as s:
            rows = (await s.execute(select(Answer.status, Answer.attempts, Answer.last_error))).all()
        assert all(r.status == "pending" and r.attempts == 3 for r in rows)
        errors = [str(p) for e, p in events if e == "failed"]
        assert len(errors) == 6 and sum("timed out" in e for e in errors) == 2
        assert sum("HTTP 500" in e for e in errors) == 4 and all("HTTP 500" in (r.last_error or "") for r in rows)
        await core.worker.run_once()  # recovered
        assert await count(core, Score) == 2
        for _ in range(2):  # nothing graded or sent twice
            core.ctx.clock.advance(timedelta(hours=1))
            await core.worker.run_once()
        assert await count(core, Score) == 2
        scores = platform.of_kind("score")
        # Both carry a real score, the same for the same answer (its value depends on the question drawn).
        assert len(scores) == 2 and len({s.message.title.split(": ")[1] for s in scores}) == 1
        assert all(re.fullmatch(r"(alice|bob): \d+\.\d/10", s.message.title) for s in scores)
        assert len(platform.of_kind("pending")) == 2
        assert len(fake.requests) == 8
    finally:
        await judge.aclose()


async def test_fallback_grades_offline_after_consecutive_failures_and_says_so(make_core, fake: FakeOpenAI,
                                                                             platform: FakePlatform) -> None:  # type: ignore[no-untyped-def]
    fake.default = Behaviour(kind="error_500")
    judge = build_judge("openai", fallback_after_failures=2, base_url=fake.base_url, api_key="test",
                        timeout=0.5, max_retries=0)
    core: Core = await make_core(judge)
    thread = await setup_round(core)
    await core.answer(answer(thread, "m1", ALICE, HONEST, core))
    await core.worker.run_once()  # first failure: below the threshold, the answer waits
    assert await count(core, Score) == 0 and len(platform.of_kind("pending")) == 1
    core.ctx.clock.advance(timedelta(hours=1))
    await core.worker.run_once()  # second failure: the offline judge takes over
    async with core.ctx.sessions() as s:
        score = await s.scalar(select(Score))
    assert score is not None and score.offline is True
    reply = platform.of_kind("score")
    assert len(reply) == 1
    msg = reply[0].message
    assert msg.footer == "Scored by the offline rubric scorer" and FALLBACK_NOTE in msg.text
    assert len(fake.requests) == 2
    await judge.primary.aclose()  # type: ignore[attr-defined]
