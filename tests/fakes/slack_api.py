"""A fake Slack on 127.0.0.1: the Web API methods drillbot calls, response_url hooks, file uploads and a
Socket Mode websocket. The real AsyncWebClient talks to it through `base_url`.

It records every call (and every attempt, including injected failures) and can answer a method with
429 + Retry-After or a 5xx a given number of times. Also here: Slack-shaped payload builders and
request signing for delivering events to the Bolt app the way Slack does.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import itertools
import json
import time
import urllib.parse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

TEAM = "T0TEST"
BOT_USER = "UBOT"
BOT_ID = "BBOT"


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    headers: dict[str, str]


@dataclass
class Failure:
    status: int
    times: int
    retry_after: int | None = None


@dataclass
class FakeSlack:
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)  # answered with ok
    attempts: list[Call] = field(default_factory=list)  # every request, failed ones too
    hooks: list[dict[str, Any]] = field(default_factory=list)  # response_url posts
    uploads: dict[str, bytes] = field(default_factory=dict)
    socket_acks: dict[str, dict[str, Any]] = field(default_factory=dict)
    failures: dict[str, Failure] = field(default_factory=dict)
    url: str = ""
    scopes: str | None = None  # sent as X-OAuth-Scopes, like Slack does, when set

    def __post_init__(self) -> None:
        self._ts = itertools.count(1)
        self._files = itertools.count(1)
        self._envelopes = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._ws: web.WebSocketResponse | None = None
        self.socket_connected = asyncio.Event()
        self._ack_waiters: dict[str, asyncio.Future[dict[str, Any]]] = {}

    # Lifecycle ----------------------------------------------------------------------------------
    async def start(self) -> FakeSlack:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/hooks/{hook}", self._hook)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/"
        return self

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return self.url + "api/"

    def response_url(self, name: str = "cmd") -> str:
        return f"{self.url}hooks/{name}"

    # Control --------------------------------------------------------------------------------------
    def fail(self, method: str, *, status: int = 429, times: int = 1, retry_after: int | None = 0) -> None:
        self.failures[method] = Failure(status, times, retry_after if status == 429 else None)

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def attempts_at(self, method: str) -> list[Call]:
        return [c for c in self.attempts if c.method == method]

    def posts(self, channel: str | None = None, thread_ts: str | None = None) -> list[dict[str, Any]]:
        return [c.args for c in self.calls_to("chat.postMessage")
                if (channel is None or c.args.get("channel") == channel)
                and (thread_ts is None or c.args.get("thread_ts") == thread_ts)]

    # Web API ----------------------------------------------------------------------------------------
    async def _args(self, request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                args.update(await request.json())
            else:
                args.update(dict(await request.post()))
        return args

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        call = Call(method, await self._args(request), dict(request.headers))
        self.attempts.append(call)
        failure = self.failures.get(method)
        if failure and failure.times > 0:
            failure.times -= 1
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
            body = {"ok": False, "error": "ratelimited" if failure.status == 429 else "internal_error"}
            return web.json_response(body, status=failure.status, headers=headers)
        if not request.headers.get("Authorization", "").startswith("Bearer x"):
            return web.json_response({"ok": False, "error": "not_authed"})
        handler = getattr(self, "m_" + method.replace(".", "_"), None)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        result = handler(call.args)
        if result.get("ok"):
            self.calls.append(call)
        return web.json_response(result, headers={"X-OAuth-Scopes": self.scopes} if self.scopes is not None else None)

    def _next_ts(self) -> str:
        return f"{1_800_000_000 + next(self._ts) / 1000:.6f}"

    def m_auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": "https://test.slack.com/", "team": "Test", "user": "drillbot",
                "team_id": TEAM, "user_id": BOT_USER, "bot_id": BOT_ID}

    def m_chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        ts = self._next_ts()
        return {"ok": True, "channel": args["channel"], "ts": ts,
                "message": {"type": "message", "text": args.get("text", ""), "ts": ts, "bot_id": BOT_ID}}

    def m_chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "message_ts": self._next_ts()}

    def m_conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "channel": {"id": "D" + str(args["users"])}}

    def m_users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(str(args.get("user")))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": {"id": args["user"], "team_id": TEAM, "is_admin": False, "is_owner": False,
                                     **user}}

    def m_files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        file_id = f"F{next(self._files)}"
        return {"ok": True, "upload_url": f"{self.url}upload/{file_id}", "file_id": file_id}

    def m_files_completeUploadExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        files = json.loads(args["files"]) if isinstance(args.get("files"), str) else args.get("files", [])
        if any(f["id"] not in self.uploads for f in files):
            return {"ok": False, "error": "file_not_uploaded"}
        return {"ok": True, "files": [{"id": f["id"], "title": f.get("title", "")} for f in files]}

    def m_views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        view = json.loads(args["view"]) if isinstance(args.get("view"), str) else args.get("view") or {}
        if not args.get("user_id") or view.get("type") != "home":
            return {"ok": False, "error": "invalid_arguments"}
        problems = block_kit_problems(view.get("blocks") or [], limit=100, uploaded=set(self.uploads))
        if problems:
            return {"ok": False, "error": "invalid_blocks", "errors": problems}
        return {"ok": True, "view": {"id": f"V{next(self._files)}", **view}}

    def m_apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": self.url.replace("http://", "ws://") + "socket"}

    async def _upload(self, request: web.Request) -> web.Response:
        self.uploads[request.match_info["file_id"]] = await request.read()
        return web.Response(text="OK")

    async def _hook(self, request: web.Request) -> web.Response:
        self.hooks.append({"hook": request.match_info["hook"], **(await request.json())})
        return web.Response(text="ok")

    # Socket Mode ------------------------------------------------------------------------------------
    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._ws = ws
        await ws.send_json({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A1"}})
        self.socket_connected.set()
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            data = json.loads(msg.data)
            envelope = data.get("envelope_id")
            if envelope:
                self.socket_acks[envelope] = data
                waiter = self._ack_waiters.pop(envelope, None)
                if waiter is not None and not waiter.done():
                    waiter.set_result(data)
        return ws

    async def socket_send(self, kind: str, payload: dict[str, Any], *, retry_attempt: int = 0,
                          wait_s: float = 5) -> dict[str, Any]:
        """Deliver one envelope (events_api, slash_commands, interactive) and wait for the app's ack."""
        await asyncio.wait_for(self.socket_connected.wait(), wait_s)
        assert self._ws is not None
        envelope = f"env-{next(self._envelopes)}"
        waiter: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._ack_waiters[envelope] = waiter
        await self._ws.send_json({"envelope_id": envelope, "type": kind, "payload": payload,
                                  "accepts_response_payload": kind != "events_api",
                                  "retry_attempt": retry_attempt, "retry_reason": "timeout" if retry_attempt else ""})
        return await asyncio.wait_for(waiter, wait_s)


# Payloads shaped like Slack's documented ones -------------------------------------------------------
_event_ids = itertools.count(1)


def block_kit_problems(blocks: list[dict[str, Any]], *, limit: int, uploaded: set[str]) -> list[str]:
    """The Block Kit rules Slack enforces that drillbot's views could break: block count, text
    lengths, unique action ids, and image blocks that point at an uploaded file."""
    problems: list[str] = []
    if len(blocks) > limit:
        problems.append(f"{len(blocks)} blocks (max {limit})")
    action_ids: list[str] = []

    def text(obj: dict[str, Any], max_len: int, where: str) -> None:
        if obj.get("type") not in ("plain_text", "mrkdwn") or not obj.get("text") or len(obj["text"]) > max_len:
            problems.append(f"{where}: bad text object")

    for i, b in enumerate(blocks):
        kind = b.get("type")
        if kind == "header":
            text(b.get("text") or {}, 150, f"header {i}")
        elif kind == "section":
            if "text" in b:
                text(b["text"], 3000, f"section {i}")
            fields = b.get("fields") or []
            if len(fields) > 10 or not ("text" in b or fields):
                problems.append(f"section {i}: fields")
            for f in fields:
                text(f, 2000, f"section {i} field")
        elif kind == "actions":
            elements = b.get("elements") or []
            if not 1 <= len(elements) <= 25:
                problems.append(f"actions {i}: elements")
            for e in elements:
                text(e.get("text") or {}, 75, f"button {i}")
                action_ids.append(str(e.get("action_id") or ""))
        elif kind == "image":
            if not b.get("alt_text") or len(b["alt_text"]) > 2000:
                problems.append(f"image {i}: alt_text")
            file_id = (b.get("slack_file") or {}).get("id")
            if not (b.get("image_url") or file_id in uploaded):
                problems.append(f"image {i}: no uploaded file")
        elif kind == "context":
            for e in b.get("elements") or []:
                text(e, 3000, f"context {i}")
        elif kind != "divider":
            problems.append(f"block {i}: unknown type {kind}")
    if any(not a or len(a) > 255 for a in action_ids) or len(set(action_ids)) != len(action_ids):
        problems.append("action ids must be unique, non-empty, at most 255 characters")
    return problems


def event_callback(event: dict[str, Any], *, team: str = TEAM, event_id: str | None = None) -> dict[str, Any]:
    return {"token": "legacy", "team_id": team, "api_app_id": "A1", "type": "event_callback",
            "event_id": event_id or f"Ev{next(_event_ids):08d}", "event_time": int(time.time()), "event": event,
            "authorizations": [{"team_id": team, "user_id": BOT_USER, "is_bot": True}]}


def message(channel: str, user: str, text: str, ts: str, *, thread_ts: str | None = None,
            channel_type: str = "channel") -> dict[str, Any]:
    event: dict[str, Any] = {"type": "message", "channel": channel, "user": user, "text": text, "ts": ts,
                             "event_ts": ts, "channel_type": channel_type, "team": TEAM}
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def bot_message(channel: str, text: str, ts: str, *, thread_ts: str | None = None) -> dict[str, Any]:
    return {"type": "message", "subtype": "bot_message", "channel": channel, "bot_id": "BOTHER", "text": text,
            "ts": ts, "event_ts": ts, "channel_type": "channel", **({"thread_ts": thread_ts} if thread_ts else {})}


def message_changed(channel: str, user: str, text: str, ts: str, *, thread_ts: str | None = None,
                    channel_type: str = "channel") -> dict[str, Any]:
    inner = {"type": "message", "user": user, "text": text, "ts": ts,
             "edited": {"user": user, "ts": f"{float(ts) + 30:.6f}"}}
    if thread_ts:
        inner["thread_ts"] = thread_ts
    return {"type": "message", "subtype": "message_changed", "hidden": True, "channel": channel,
            "channel_type": channel_type, "ts": f"{float(ts) + 30:.6f}", "event_ts": f"{float(ts) + 30:.6f}",
            "message": inner, "previous_message": {**inner, "text": "(before)"}}


def message_deleted(channel: str, ts: str, *, thread_ts: str | None = None) -> dict[str, Any]:
    prev = {"type": "message", "user": "U?", "text": "", "ts": ts, **({"thread_ts": thread_ts} if thread_ts else {})}
    return {"type": "message", "subtype": "message_deleted", "hidden": True, "channel": channel,
            "channel_type": "channel", "ts": f"{float(ts) + 60:.6f}", "event_ts": f"{float(ts) + 60:.6f}",
            "deleted_ts": ts, "previous_message": prev}


def slash_command(text: str, *, user: str, channel: str, response_url: str, user_name: str = "someone",
                  channel_name: str = "practice", team: str = TEAM) -> dict[str, str]:
    return {"token": "legacy", "team_id": team, "team_domain": "test", "channel_id": channel,
            "channel_name": channel_name, "user_id": user, "user_name": user_name, "command": "/drill",
            "text": text, "api_app_id": "A1", "is_enterprise_install": "false", "response_url": response_url,
            "trigger_id": "1.2.3"}


def block_actions(action_id: str, *, user: str, channel: str, response_url: str, team: str = TEAM,
                  message_ts: str = "1800000000.000001") -> dict[str, Any]:
    return {"type": "block_actions", "team": {"id": team, "domain": "test"},
            "user": {"id": user, "username": user.lower(), "team_id": team}, "api_app_id": "A1",
            "token": "legacy", "container": {"type": "message", "message_ts": message_ts, "channel_id": channel,
                                             "is_ephemeral": False},
            "trigger_id": "1.2.3", "channel": {"id": channel, "name": "directmessage"},
            "message": {"type": "message", "ts": message_ts, "bot_id": BOT_ID, "text": "", "user": BOT_USER},
            "response_url": response_url,
            "actions": [{"action_id": action_id, "block_id": "b1", "type": "button", "value": action_id,
                         "text": {"type": "plain_text", "text": "Next"}, "action_ts": "1800000001.000001"}]}


# Delivering as Slack does over HTTP ------------------------------------------------------------------------
def form_body(fields: dict[str, str]) -> str:
    return urllib.parse.urlencode(fields)


def interactive_body(payload: dict[str, Any]) -> str:
    return urllib.parse.urlencode({"payload": json.dumps(payload)})


def sign(secret: str, body: str, timestamp: int | None = None) -> dict[str, str]:
    """Slack's v0 request signature: HMAC-SHA256 over `v0:<timestamp>:<body>`."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


# A running drillbot-on-Slack for tests --------------------------------------------------------------------
SECRET = "test-signing-secret"
USERS = {
    "UADMIN": {"name": "ada", "is_admin": True, "profile": {"display_name": "Ada"}},
    "U1": {"name": "bo", "profile": {"display_name": "Bo"}},
    "U2": {"name": "cy", "profile": {"display_name": "Cy"}},
    "U3": {"name": "di", "profile": {"display_name": "<!channel> Di"}},
}


@dataclass
class SlackHarness:
    fake: FakeSlack
    core: Any  # bot.core.Core
    app: Any  # slack_bolt AsyncApp
    platform: Any  # adapters.slack.SlackPlatform
    events_url: str
    session: Any  # aiohttp.ClientSession

    async def deliver(self, body: str, content_type: str, *, headers: dict[str, str] | None = None,
                      secret: str = SECRET) -> tuple[int, str]:
        all_headers = {"Content-Type": content_type, **sign(secret, body), **(headers or {})}
        async with self.session.post(self.events_url, data=body.encode(), headers=all_headers) as resp:
            return resp.status, await resp.text()

    async def event(self, event: dict[str, Any], *, event_id: str | None = None,
                    retry_num: int | None = None) -> int:
        body = json.dumps(event_callback(event, event_id=event_id))
        headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"} if retry_num else {}
        status, _ = await self.deliver(body, "application/json", headers=headers)
        return status

    async def command(self, text: str, *, user: str, channel: str = "C1", hook: str = "cmd") -> int:
        body = form_body(slash_command(text, user=user, channel=channel, response_url=self.fake.response_url(hook),
                                       channel_name="directmessage" if channel.startswith("D") else "practice"))
        status, _ = await self.deliver(body, "application/x-www-form-urlencoded")
        return status

    async def action(self, action_id: str, *, user: str, channel: str, hook: str = "act") -> int:
        body = interactive_body(block_actions(action_id, user=user, channel=channel,
                                              response_url=self.fake.response_url(hook)))
        status, _ = await self.deliver(body, "application/x-www-form-urlencoded")
        return status

    def hook_replies(self, hook: str) -> list[dict[str, Any]]:
        return [h for h in self.fake.hooks if h["hook"] == hook]


async def wait_for(predicate: Any, *, within: float = 5.0, what: str = "condition") -> Any:
    """Poll until predicate() is truthy: Bolt acks first and handles events in the background."""
    deadline = time.monotonic() + within
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


@asynccontextmanager
async def running_slack(database_url: str, bank: Any, judge: Any, clock: Any, *, http: bool = True,
                        **settings: Any) -> AsyncIterator[SlackHarness]:
    """Fake Slack, a core on `database_url`, the real Bolt app served on 127.0.0.1 and a scoring worker."""
    import aiohttp

    from adapters.slack import create_app
    from adapters.slack.runner import start_http
    from bot.config import Settings
    from bot.core import Core

    fake = await FakeSlack(users=dict(USERS)).start()
    config = Settings(database_url=database_url, _env_file=None, SLACK_BOT_TOKEN="xoxb-test",  # type: ignore[call-arg]
                      SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=fake.api_url, **settings)
    core = await Core.create(config, judge, clock=clock, bank=bank, migrate=False)
    app, platform = create_app(config, core)
    platform.pace_s = 0.0
    runner = await start_http(app, "127.0.0.1", 0) if http else None
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/slack/events" if runner else ""
    stop = asyncio.Event()
    worker = asyncio.create_task(core.worker.run_forever(stop, idle_s=0.05))
    session = aiohttp.ClientSession()
    try:
        yield SlackHarness(fake, core, app, platform, url, session)
    finally:
        stop.set()
        worker.cancel()  # do not wait for a slow judge mid-grade
        with contextlib.suppress(asyncio.CancelledError):
            await worker
        await session.close()
        if runner is not None:
            await runner.cleanup()
        await core.close()
        await fake.close()
