"""The Bolt app: Slack events, the /drill command and buttons translated into core calls.

No product rules live here: the core decides what is an answer, who is an admin for settings, what
every command says. This module only maps Slack payloads to keys and events and renders the replies.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import OrderedDict
from collections.abc import Coroutine
from datetime import UTC, datetime
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import keys
from adapters.slack.home import HomePublisher
from adapters.slack.platform import SlackPlatform
from adapters.slack.render import payload
from bot.config import Settings
from bot.core import Core
from bot.events import AnswerEvent, CommandContext, IntakeResult
from bot.messages import Message

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://slack.com/api/"
SEEN_EVENTS = 5000
ANSWER_SUBTYPES = (None, "file_share", "thread_broadcast")


def make_client(settings: Settings) -> AsyncWebClient:
    """The Web API client: retries 429s honouring Retry-After, 500/503 and connection errors."""
    base = settings.slack_api_url or DEFAULT_API_URL
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    return AsyncWebClient(
        token=token,
        base_url=base if base.endswith("/") else base + "/",
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
            AsyncRateLimitErrorRetryHandler(max_retry_count=5),
            AsyncServerErrorRetryHandler(max_retry_count=2),
        ],
    )


def slack_unescape(text: str) -> str:
    """Slack delivers message and command text with &, < and > escaped; the core wants plain text."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


def split_mentions(text: str) -> tuple[str, list[str]]:
    """Command text without Slack's user mentions (`<@U123|alex>`), and the mentioned user ids in order:
    the adapter resolves mentions into user keys so the core never reads Slack's syntax."""
    return MENTION.sub(" ", text), MENTION.findall(text)


class SeenEvents:
    """Event ids already handled by this process: Slack's retries (X-Slack-Retry-Num) and duplicate
    deliveries are skipped without a database round trip. The core's unique message key is the real
    guarantee; this only keeps retries cheap."""

    def __init__(self, size: int = SEEN_EVENTS):
        self.size = size
        self._ids: OrderedDict[str, None] = OrderedDict()

    def first_time(self, event_id: str | None) -> bool:
        if not event_id:
            return True
        if event_id in self._ids:
            return False
        self._ids[event_id] = None
        if len(self._ids) > self.size:
            self._ids.popitem(last=False)
        return True


class SlackHandlers:
    def __init__(self, core: Core, platform: SlackPlatform):
        self.core = core
        self.platform = platform
        self.seen = SeenEvents()
        self.in_flight: set[asyncio.Task[None]] = set()

    async def message_event(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        """Store the event durably, then return so Bolt acknowledges it (process_before_response); the
        name lookup and intake run afterwards in a task, from the stored row."""
        if not self.seen.first_time(body.get("event_id")):
            log.info("duplicate delivery skipped", extra={"event_id": body.get("event_id")})
            return
        team = str(body.get("team_id") or event.get("team") or "")
        subtype = event.get("subtype")
        channel = str(event.get("channel", ""))
        is_dm = event.get("channel_type") == "im"
        if subtype == "message_deleted":
            key = keys.message_key(team, channel, str(event.get("deleted_ts", "")))
            stored = await self.core.receive("delete", f"{key}#deleted", AnswerEvent(key, "", "", "", _now()))
            user, thread_ts = "", None
        elif subtype == "message_changed" or (subtype in ANSWER_SUBTYPES and not _from_bot(event)):
            edited = subtype == "message_changed"
            msg = (event.get("message") or {}) if edited else event
            if _from_bot(msg):
                return
            answer = self._answer_event(team, channel, msg, is_dm)
            if answer is None:
                return
            edit_ts = str((msg.get("edited") or {}).get("ts") or event.get("event_ts") or event.get("ts") or "")
            key = f"{answer.message_key}#edit@{edit_ts}" if edited else answer.message_key
            stored = await self.core.receive("edit" if edited else "answer", key, answer)
            user, thread_ts = str(msg["user"]), msg.get("thread_ts")
        else:
            return
        if stored is not None:
            self._spawn(self._process(stored, team, channel, user, None if is_dm else thread_ts, is_dm))

    def _answer_event(self, team: str, channel: str, msg: dict[str, Any], is_dm: bool) -> AnswerEvent | None:
        ts, thread_ts, user = str(msg.get("ts", "")), msg.get("thread_ts"), str(msg["user"])
        if is_dm:
            thread = keys.channel_key(team, channel)  # DM answers are plain IM messages
        elif thread_ts and thread_ts != ts:
            thread = keys.thread_key(team, channel, str(thread_ts))
        else:
            return None  # a top-level channel message is conversation, not an answer
        text = slack_unescape(str(msg.get("text") or ""))
        # The core's clock decides the deadline (set when the event is stored); Slack's ts is kept as data.
        return AnswerEvent(keys.message_key(team, channel, ts), thread, keys.user_key(team, user), text,
                           self.core.ctx.clock.now(), "", is_dm, platform_at=_ts_time(ts))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Work after the acknowledgement; kept referenced so it is not collected, awaited at shutdown."""
        task = asyncio.create_task(work)
        self.in_flight.add(task)
        task.add_done_callback(self.in_flight.discard)

    async def finish_in_flight(self, timeout_s: float = 30.0) -> None:
        """At shutdown: let stored events being processed finish (the rest wait in the inbox)."""
        if self.in_flight:
            await asyncio.wait(set(self.in_flight), timeout=timeout_s)

    async def _process(self, inbox_id: int, team: str, channel: str, user: str, thread_ts: str | None,
                       is_dm: bool) -> None:
        try:
            name = await self.platform.display_name(user) if user else ""
            result = await self.core.process(inbox_id, name)
            if result is not None and user:
                await self._show(result, team, channel, user, thread_ts, is_dm)
        except Exception:
            log.exception("stored slack event not processed yet; the inbox sweep will retry",
                          extra={"inbox": inbox_id})

    async def _show(self, result: IntakeResult, team: str, channel: str, user: str, thread_ts: str | None,
                    is_dm: bool) -> None:
        if result.reply is None:
            return
        if is_dm:
            await self.platform.reply(keys.channel_key(team, channel), result.reply)
        else:  # only the person sees why their answer was not taken
            await self.platform.ephemeral(channel, user, result.reply, thread_ts=thread_ts)

    async def command(self, body: dict[str, Any]) -> Message:
        team, user = str(body.get("team_id", "")), str(body.get("user_id", ""))
        channel = str(body.get("channel_id", ""))
        is_dm = channel.startswith("D") or body.get("channel_name") == "directmessage"
        text, mentioned = split_mentions(str(body.get("text") or ""))
        cc = CommandContext(keys.user_key(team, user), await self.platform.display_name(user),
                            None if is_dm else keys.channel_key(team, channel), str(body.get("channel_name", "")),
                            is_dm, mentions=tuple(keys.user_key(team, u) for u in mentioned))
        return await self.core.command(cc, slack_unescape(text))

    async def button(self, body: dict[str, Any], action_id: str) -> Message:
        team = str((body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id") or "")
        user = str((body.get("user") or {}).get("id", ""))
        channel = str((body.get("channel") or {}).get("id", ""))
        is_dm = channel.startswith("D") or not channel
        cc = CommandContext(keys.user_key(team, user), await self.platform.display_name(user),
                            None if is_dm else keys.channel_key(team, channel), "", is_dm)
        return await self.core.button(cc, action_id)


def _from_bot(msg: dict[str, Any]) -> bool:
    return bool(msg.get("bot_id") or msg.get("subtype") == "bot_message" or not msg.get("user"))


def _now() -> datetime:
    return datetime.now(UTC)


def _ts_time(ts: str) -> datetime:
    """Slack's message ts (when Slack received it), kept with the event as the platform's own timestamp."""
    try:
        return datetime.fromtimestamp(float(ts), UTC)
    except ValueError:
        return datetime.now(UTC)


def create_app(settings: Settings, core: Core, *, client: AsyncWebClient | None = None
               ) -> tuple[AsyncApp, SlackPlatform]:
    """Build the Bolt app and the platform and register the platform with the core. Connects nowhere."""
    client = client or make_client(settings)
    platform = SlackPlatform(client)
    core.register(platform)
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
    # Listeners run before the HTTP response (and the Socket Mode ack): an event is acknowledged only once
    # it is stored. Listeners therefore only store and return; slow work runs in tasks afterwards.
    app = AsyncApp(client=client, signing_secret=secret, name="drillbot", process_before_response=True)
    handlers = SlackHandlers(core, platform)
    app._drillbot_handlers = handlers  # type: ignore[attr-defined]  # run_slack awaits its tasks at shutdown

    @app.event("message")
    async def on_message(body: dict[str, Any], event: dict[str, Any]) -> None:
        await handlers.message_event(body, event)

    @app.command("/drill")
    async def on_drill(ack: Any, body: dict[str, Any], respond: Any) -> None:
        await ack()  # within Slack's 3 s; the answer follows through response_url, after the response

        async def answer() -> None:
            reply = await handlers.command(body)
            await respond(response_type="ephemeral", replace_original=False, **payload(reply))
        handlers._spawn(answer())

    @app.action(re.compile(r"^(practice|dispute):"))
    async def on_button(ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any) -> None:
        await ack()

        async def answer() -> None:
            reply = await handlers.button(body, str(action.get("action_id", "")))
            if body.get("response_url"):  # buttons on the App Home tab have nowhere to respond; the DM answers
                await respond(response_type="ephemeral", replace_original=False, **payload(reply))
        handlers._spawn(answer())

    home = HomePublisher(core.ctx, client)
    platform.home = home

    @app.event("app_home_opened")
    async def on_home(body: dict[str, Any], event: dict[str, Any]) -> None:
        if event.get("tab", "home") == "home" and event.get("user"):
            team = str(body.get("team_id") or "")
            home.request(keys.user_key(team, str(event["user"])))

    def refresh_home(kind: str, payload: object) -> None:
        if kind == "recorded" and isinstance(payload, str):
            home.request(payload)  # a new score: the person's Home tab is out of date

    core.worker.listeners.append(refresh_home)

    @app.error
    async def on_error(error: Exception, body: dict[str, Any]) -> None:
        log.error("slack handler failed", exc_info=error, extra={"type": body.get("type")})

    return app, platform
