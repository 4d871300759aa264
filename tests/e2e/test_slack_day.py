"""A full day of drillbot on Slack, end to end, delivered both ways Slack delivers: signed HTTP requests
and Socket Mode envelopes. Real Bolt app, real AsyncWebClient, fake Slack on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any, Protocol

import aiohttp
import pytest

from adapters.slack import run_slack
from adapters.slack.runner import serve_socket_mode
from bank.loader import Bank
from bot.clock import FakeClock
from bot.config import Settings
from bot.core import Core
from tests.conftest import MONDAY_9, empty_tables
from tests.fakes.judges import ScriptedJudge
from tests.fakes.slack_api import (
    SECRET,
    USERS,
    FakeSlack,
    SlackHarness,
    block_actions,
    event_callback,
    form_body,
    message,
    running_slack,
    sign,
    slash_command,
    wait_for,
)

CH, CHANNEL_KEY = "C1", "slack:T0TEST:C1"


def ts_at(minutes: float) -> str:
    return f"{(MONDAY_9 + timedelta(minutes=minutes)).timestamp():.6f}"


def text_of(args: dict[str, Any]) -> str:
    return json.dumps({"text": args.get("text"), "blocks": args.get("blocks")}, ensure_ascii=False)


class Delivery(Protocol):
    async def event(self, event: dict[str, Any], *, event_id: str | None = None,
                    retry_num: int | None = None) -> Any: ...

    async def command(self, text: str, *, user: str, channel: str = "C1", hook: str = "cmd") -> Any: ...

    async def action(self, action_id: str, *, user: str, channel: str, hook: str = "act") -> Any: ...


class SocketDelivery:
    """The same deliveries as Socket Mode envelopes over the fake's websocket."""

    def __init__(self, fake: FakeSlack):
        self.fake = fake

    async def event(self, event: dict[str, Any], *, event_id: str | None = None,
                    retry_num: int | None = None) -> Any:
        return await self.fake.socket_send("events_api", event_callback(event, event_id=event_id),
                                           retry_attempt=retry_num or 0)

    async def command(self, text: str, *, user: str, channel: str = "C1", hook: str = "cmd") -> Any:
        return await self.fake.socket_send("slash_commands", slash_command(
            text, user=user, channel=channel, response_url=self.fake.response_url(hook)))

    async def action(self, action_id: str, *, user: str, channel: str, hook: str = "act") -> Any:
        return await self.fake.socket_send("interactive", block_actions(
            action_id, user=user, channel=channel, response_url=self.fake.response_url(hook)))


@pytest.fixture(params=["http", "socket"])
async def day(request: pytest.FixtureRequest, sqlite_url: str, bank: Bank
              ) -> AsyncIterator[tuple[SlackHarness, Delivery]]:
    await empty_tables(sqlite_url)
    http = request.param == "http"
    async with running_slack(sqlite_url, bank, ScriptedJudge(), FakeClock(MONDAY_9), http=http) as h:
        if http:
            yield h, h
            return
        task = asyncio.create_task(serve_socket_mode(h.app, "xapp-test"))
        try:
            await asyncio.wait_for(h.fake.socket_connected.wait(), 5)
            yield h, SocketDelivery(h.fake)
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def test_a_full_day(day: tuple[SlackHarness, Delivery]) -> None:
    h, deliver = day
    # An admin starts the channel with one command: it is enabled and today's question posted.
    await deliver.command("post", user="UADMIN", hook="post")
    assert "posted" in text_of((await wait_for(lambda: h.hook_replies("post"), what="post ack"))[0])
    root_post = h.fake.posts(CH)[0]
    assert root_post["blocks"][0]["type"] == "header" and "thread_ts" not in root_post
    root = h.fake.calls_to("chat.postMessage")[0]
    assert root.args["channel"] == CH
    thread = (await h.core.post_round(CHANNEL_KEY)).thread_key  # already posted: same thread
    assert thread is not None
    root_ts = thread.rsplit(":", 1)[1]

    # Three people answer in the thread; one delivery is retried by Slack.
    answers = {"U1": "a great answer covering everything", "U2": "an ok answer", "U3": "I am not sure"}
    for i, (user, text) in enumerate(answers.items()):
        await deliver.event(message(CH, user, text, ts_at(10 + i), thread_ts=root_ts), event_id=f"EvDay{i}")
    await deliver.event(message(CH, "U1", answers["U1"], ts_at(10), thread_ts=root_ts), event_id="EvDay0",
                        retry_num=1)
    replies = await wait_for(lambda: len(h.fake.posts(CH, thread_ts=root_ts)) >= 3 and
                             h.fake.posts(CH, thread_ts=root_ts), what="three scored replies")
    titles = sorted(r["blocks"][0]["text"]["text"] for r in replies)
    assert titles == ["&lt;!channel&gt; Di: 0.0/10", "Bo: 10.0/10", "Cy: 5.0/10"]
    assert all(r["thread_ts"] == root_ts and not r.get("reply_broadcast") for r in replies)
    await asyncio.sleep(0.2)
    assert h.core.judge.calls == 3 and len(h.fake.posts(CH, thread_ts=root_ts)) == 3

    # The leaderboard, ephemeral, best first.
    await deliver.command("leaderboard", user="U2", hook="lb")
    board = text_of((await wait_for(lambda: h.hook_replies("lb"), what="leaderboard"))[0])
    assert board.index("Bo") < board.index("Cy") < board.index("Di")

    # A member cannot change settings.
    await deliver.command("config feedback private", user="U1", hook="cfg")
    assert "Only admins" in text_of((await wait_for(lambda: h.hook_replies("cfg"), what="refusal"))[0])

    # Private practice in DM, answered there, then "next question" from the button.
    await deliver.command("practice", user="U2", hook="practice")
    await wait_for(lambda: h.fake.posts("DU2"), what="practice question")
    await deliver.event(message("DU2", "U2", "a great private answer", ts_at(30), channel_type="im"))
    scored = await wait_for(lambda: len(h.fake.posts("DU2")) >= 2 and h.fake.posts("DU2")[1], what="dm score")
    assert "10.0/10" in text_of(scored)
    await deliver.action("practice:next", user="U2", channel="DU2")
    await wait_for(lambda: len(h.fake.posts("DU2")) >= 3, what="next practice question")

    # The week's digest, with its chart uploaded into the channel.
    result = await h.core.post_digest(CHANNEL_KEY, week_day=MONDAY_9.date())
    assert result.posted
    assert "Weekly digest" in text_of(h.fake.posts(CH)[-1])
    upload = h.fake.calls_to("files.completeUploadExternal")[-1]
    assert upload.args["channel_id"] == CH and any(v.startswith(b"\x89PNG") for v in h.fake.uploads.values())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("mode", ["socket", "http"])
async def test_run_slack_entry_point(mode: str, sqlite_url: str, bank: Bank) -> None:
    await empty_tables(sqlite_url)
    fake = await FakeSlack(users=dict(USERS)).start()
    extra = {"SLACK_APP_TOKEN": "xapp-test"} if mode == "socket" else {"SLACK_SIGNING_SECRET": SECRET}
    settings = Settings(database_url=sqlite_url, _env_file=None, SLACK_BOT_TOKEN="xoxb-test",  # type: ignore[call-arg]
                        SLACK_API_URL=fake.api_url.rstrip("/"), **extra)
    core = await Core.create(settings, ScriptedJudge(), clock=FakeClock(MONDAY_9), bank=bank, migrate=False)
    port = free_port()
    task = asyncio.create_task(run_slack(settings, core, port=port))
    try:
        if mode == "socket":
            await fake.socket_send("slash_commands", slash_command(
                "help", user="U1", channel=CH, response_url=fake.response_url("cmd")))
        else:
            body = form_body(slash_command("help", user="U1", channel=CH, response_url=fake.response_url("cmd")))
            async with aiohttp.ClientSession() as session:
                for _ in range(100):  # the server may take a moment to bind
                    with contextlib.suppress(aiohttp.ClientConnectionError):
                        async with session.post(f"http://127.0.0.1:{port}/slack/events", data=body, headers={
                                "Content-Type": "application/x-www-form-urlencoded", **sign(SECRET, body)}) as r:
                            assert r.status == 200
                            break
                    await asyncio.sleep(0.05)
        reply = (await wait_for(lambda: fake.hooks, what="help reply"))[0]
        assert "drillbot help" in text_of(reply)
        assert "slack" in core.ctx.platforms
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await core.close()
        await fake.close()
