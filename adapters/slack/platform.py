"""The core's Platform port on Slack's Web API (the SDK's AsyncWebClient)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.keyspace import leading_workspace
from adapters.slack import keys
from adapters.slack.render import payload
from bot.messages import Message
from bot.ports import Posted

log = logging.getLogger(__name__)

NAME_CACHE = 1000


class SlackPlatform:
    """Posts, threaded replies, DMs and admin checks. `pace_s` spaces posts to one channel: Slack allows
    about one message per second per channel, so bursts (many scored replies at once) are smoothed here
    instead of being answered with 429s."""

    name = keys.PREFIX

    def __init__(self, client: AsyncWebClient, *, pace_s: float = 1.0):
        self.client = client
        self.pace_s = pace_s
        self._locks: dict[str, asyncio.Lock] = {}
        self._last: dict[str, float] = {}
        self._ims: dict[str, str] = {}  # user id -> IM channel id
        self._names: OrderedDict[str, str] = OrderedDict()
        self.home: Any = None  # adapters.slack.home.HomePublisher, set by create_app

    # Port -----------------------------------------------------------------------------------------
    async def post(self, channel_key: str, message: Message) -> Posted:
        ref = keys.parse(channel_key)
        ts = await self._send(ref.channel, message)
        key = keys.thread_key(ref.team, ref.channel, ts)
        return Posted(key, key)

    async def reply(self, thread_key: str, message: Message, *, reply_to: str | None = None) -> Posted:
        ref = keys.parse(thread_key)
        # A DM conversation key has no ts: replies there are plain IM messages, not threads.
        ts = await self._send(ref.channel, message, thread_ts=ref.ts or None)
        return Posted(thread_key, keys.message_key(ref.team, ref.channel, ts))

    async def dm(self, user_key: str, message: Message) -> Posted:
        ref = keys.parse(user_key)
        im = await self._im(ref.channel)
        ts = await self._send(im, message)
        return Posted(keys.channel_key(ref.team, im), keys.message_key(ref.team, im, ts))

    async def private_note(self, thread_key: str, user_key: str, message: Message) -> Posted:
        ref = keys.parse(thread_key)
        await self.ephemeral(ref.channel, keys.parse(user_key).channel, message, thread_ts=ref.ts or None)
        return Posted(thread_key)

    async def is_admin(self, user_key: str, channel_key: str) -> bool:
        user = await self._user(keys.parse(user_key).channel)
        return bool(user and (user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner")))

    def workspace_of(self, key: str) -> str:
        return leading_workspace(key)  # every Slack key starts `slack:<team>`

    # Helpers for the event handlers --------------------------------------------------------------
    async def ephemeral(self, channel: str, user: str, message: Message, *, thread_ts: str | None = None) -> None:
        args: dict[str, Any] = {"channel": channel, "user": user, **payload(message)}
        if thread_ts:
            args["thread_ts"] = thread_ts
        await self.client.chat_postEphemeral(**args)

    async def display_name(self, user: str) -> str:
        if user in self._names:
            return self._names[user]
        info = await self._user(user) or {}
        profile = info.get("profile") or {}
        name = profile.get("display_name") or profile.get("real_name") or info.get("real_name") or info.get("name")
        name = str(name or user)
        self._names[user] = name
        if len(self._names) > NAME_CACHE:
            self._names.popitem(last=False)
        return name

    # Internals ------------------------------------------------------------------------------------
    async def _send(self, channel: str, message: Message, *, thread_ts: str | None = None) -> str:
        args: dict[str, Any] = {"channel": channel, "unfurl_links": False, "unfurl_media": False,
                                **payload(message)}
        if thread_ts:
            args["thread_ts"] = thread_ts  # never reply_broadcast: scores stay in the thread
        async with self._lock(channel):
            await self._pace(channel)
            resp = await self.client.chat_postMessage(**args)
            self._last[channel] = time.monotonic()
        ts = str(resp["ts"])
        if message.image is not None:
            upload: dict[str, Any] = {"channel": channel, "file": message.image, "filename": message.image_name,
                                      "title": message.title or message.image_name, "request_file_info": False}
            if thread_ts:
                upload["thread_ts"] = thread_ts
            await self.client.files_upload_v2(**upload)
        return ts

    def _lock(self, channel: str) -> asyncio.Lock:
        return self._locks.setdefault(channel, asyncio.Lock())

    async def _pace(self, channel: str) -> None:
        last = self._last.get(channel)
        if last is not None and self.pace_s > 0:
            wait = last + self.pace_s - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)

    async def _im(self, user: str) -> str:
        if user not in self._ims:
            resp = await self.client.conversations_open(users=user)
            self._ims[user] = str(resp["channel"]["id"])
        return self._ims[user]

    async def _user(self, user: str) -> dict[str, Any] | None:
        try:
            resp = await self.client.users_info(user=user)
        except SlackApiError as exc:
            log.warning("users.info failed", extra={"user": user, "error": exc.response.get("error")})
            return None
        return resp.get("user")
