"""Secrets never reach the logs: a core flow and the LLM judge run with an API key and Slack/Discord-like
tokens configured; every log line (caplog at DEBUG, and the product's own handler with the JSON
formatter, as `drillbot run` installs it) is scanned for them, including error paths."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator, Sequence
from datetime import timedelta

import pytest

from bank.schema import Question
from bot import logs
from bot.config import Settings
from bot.core import Core
from bot.events import CommandContext
from bot.ports import JudgeError, Verdict
from bot.store.models import Answer
from scoring import LLMJudge
from tests.fakes.openai_server import Behaviour, FakeOpenAI
from tests.integration.test_rounds_and_intake import ALICE, BOB, CH, answer, count, setup_round

API_KEY = "sk-test-4f9a1c0e7b2d4a6c8e0f1a2b3c4d5e6f"
SLACK_BOT = "xoxb-1111111111-2222222222-AbCdEfGhIjKlMnOpQrStUvWx"
SLACK_APP = "xapp-1-A0123456789-1234567890123-0123456789abcdef0123456789abcdef"
SIGNING = "8f742231b10e8888abcd99yyyzzz85a5"
DISCORD = "MTA5ODc2NTQzMjEwOTg3NjU0.GhIjKl.MnOpQrStUvWxYzAbCdEfGhIjKlMnOpQrStUvWx"
SECRETS = [API_KEY, SLACK_BOT, SLACK_APP, SIGNING, DISCORD]


def leaks(text: str) -> list[str]:
    """Secrets (or a long enough piece of one) that appear in `text`."""
    return [s for s in SECRETS if s in text or s[6:26] in text]


@pytest.fixture
def product_log() -> Iterator[io.StringIO]:
    """The handler `drillbot run` installs (JSON formatter + redactor), writing to a buffer."""
    settings = Settings(_env_file=None, openai_api_key=API_KEY, slack_bot_token=SLACK_BOT,  # type: ignore[call-arg]
                        slack_app_token=SLACK_APP, slack_signing_secret=SIGNING, discord_token=DISCORD)
    from app.cli import _secrets

    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    logs.setup("DEBUG", True, _secrets(settings))
    buf = io.StringIO()
    handler = root.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(buf)
    root.handlers[:] = [handler, *[h for h in saved_handlers if h not in root.handlers]]  # keep caplog's
    try:
        yield buf
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)


def _lines(buf: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in buf.getvalue().splitlines() if line.strip()]


async def test_core_flow_and_llm_judge_log_no_secret(make_core, product_log: io.StringIO,
                                                    caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)
    with FakeOpenAI(script=["error_500", Behaviour(kind="slow", delay_s=1.0), "rate_limit", "malformed"]) as fake:
        judge = LLMJudge(base_url=fake.base_url, api_key=API_KEY, timeout=0.5, max_retries=1)
        core: Core = await make_core(judge, admin_ids="test:W1:admin")
        try:
            thread = await setup_round(core)
            text = "I would keep the static prompt first so caching discounts it, and route easy ones to a mini model."
            await core.answer(answer(thread, "m1", ALICE, text, core))
            await core.answer(answer(thread, "m2", BOB, text + f" My key is {API_KEY[:3]}…", core))
            for _ in range(4):
                await core.worker.run_once()
                core.ctx.clock.advance(timedelta(hours=1))
            await core.command(CommandContext("test:W1:admin", "admin", CH, "general"), "config time 10:00")
            await core.command(CommandContext(ALICE, "alice", CH, "general"), "stats")
        finally:
            await judge.aclose()
        assert fake.requests and fake.requests[0].headers.get("authorization") == f"Bearer {API_KEY}"
    assert await count(core, Answer, Answer.status == "scored") == 2
    records = caplog.records
    assert any(r.levelno == logging.DEBUG for r in records) and any(r.name.startswith("bot.") for r in records)
    caplog_text = "\n".join(f"{r.name} {r.getMessage()} {vars(r)}" for r in records)
    assert leaks(caplog_text) == []
    assert leaks(caplog.text) == []
    out = product_log.getvalue()
    assert _lines(product_log) and leaks(out) == []


async def test_secrets_in_messages_arguments_and_extras_are_scrubbed(product_log: io.StringIO) -> None:
    log = logging.getLogger("bot.test_secrets")
    log.error("connect failed with token %s", SLACK_BOT)
    log.warning("judge error", extra={"error": f"401 invalid key {API_KEY}", "answer": 3})
    log.info(f"discord login as {DISCORD} and app token {SLACK_APP} and signing {SIGNING}")
    log.info("db at postgresql://drillbot:hunter2secret@db.internal/drillbot")
    out = product_log.getvalue()
    assert len([line for line in _lines(product_log) if line["logger"] == "bot.test_secrets"]) == 4
    assert leaks(out) == [] and "hunter2secret" not in out
    assert out.count("[redacted]") >= 6


class KeyLeakingJudge:
    """A judge whose client library raised an error carrying the API key (as some SDKs do for 401s)."""

    id = "leaky"

    def __init__(self, error: type[Exception]):
        self.error = error

    async def grade(self, question: Question, answer: str, *, shown: Sequence[str] = ()) -> Verdict:
        raise self.error(f"Incorrect API key provided: {API_KEY}")


async def test_judge_error_with_the_key_in_its_message_is_not_logged(make_core, product_log: io.StringIO) -> None:  # type: ignore[no-untyped-def]
    core: Core = await make_core(KeyLeakingJudge(JudgeError))
    thread = await setup_round(core)
    await core.answer(answer(thread, "m1", ALICE, "a great answer", core))
    await core.worker.run_once()
    out = product_log.getvalue()
    assert "judge failed" in out and leaks(out) == []


async def test_exception_traceback_with_the_key_is_scrubbed(make_core, product_log: io.StringIO) -> None:  # type: ignore[no-untyped-def]
    core: Core = await make_core(KeyLeakingJudge(RuntimeError))
    thread = await setup_round(core)
    await core.answer(answer(thread, "m1", ALICE, "a great answer", core))
    await core.worker.run_once()  # the worker logs "scoring crashed" with the traceback
    lines = _lines(product_log)
    assert any(line["event"] == "scoring crashed" and "exc" in line for line in lines)
    assert leaks(product_log.getvalue()) == []


async def test_answer_intake_survives_info_logging(core: Core, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    thread = await setup_round(core)
    result = await core.answer(answer(thread, "m1", ALICE, "a great answer", core))
    assert result.outcome == "accepted"


async def test_secrets_inside_lists_and_dicts_of_an_error_payload_are_scrubbed(product_log: io.StringIO) -> None:
    """Issue 20.10: only string fields were scrubbed; a structured error carried the token in full."""
    log = logging.getLogger("bot.test_secrets")
    log.error("slack api error", extra={"error": ["invalid_auth", f"Bearer {SLACK_BOT}"],
                                        "response": {"headers": {"authorization": f"Bearer {SLACK_BOT}"},
                                                     "nested": [({"key": API_KEY},)]}})
    out = product_log.getvalue()
    assert "slack api error" in out and leaks(out) == [] and out.count("[redacted]") >= 3
    line = [x for x in _lines(product_log) if x["event"] == "slack api error"][0]
    assert line["error"][0] == "invalid_auth"  # the shape survives, only the secret goes


@pytest.mark.parametrize("as_json", [True, False])
def test_a_log_line_cannot_be_forged_with_newlines(as_json: bool) -> None:
    """Issue 20.9: newlines in logged data let anyone who can reach the endpoint write fake log lines."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    logs.setup("INFO", as_json, [])
    buf = io.StringIO()
    handler = root.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(buf)
    try:
        forged = "x\n12:00:00 ERROR   bot.admin: admin password changed\r\x1b[2Jcleared"
        logging.getLogger("bot.test_forging").warning("bad request %s", forged, extra={"who": forged})
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
    out = buf.getvalue()
    assert out.count("\n") == 1 and "\r" not in out and "\x1b" not in out
    assert "admin password changed" in out  # kept, but visibly escaped inside the one line


async def test_bolt_does_not_log_a_rejected_request_body_at_info(product_log: io.StringIO) -> None:
    """Issue 20.9: Bolt logs the raw body of a bad-signature request at INFO."""
    bolt = logging.getLogger("slack_bolt.AsyncApp")
    bolt.info("Invalid request signature detected (signature: v0=1, timestamp: 1, body: secret-answer-text)")
    out = product_log.getvalue()
    assert "secret-answer-text" not in out
