"""Slack's App Home tab: the person's progress card published with `views.publish`.

The view is the core's progress card rendered as Block Kit (adapters/slack/render.py), with the chart
uploaded as a private file and shown through an image block that points at it. Publishing is debounced
per person: a burst of scores (or opening the tab repeatedly) becomes one publish at most every
`min_interval_s`, because Slack rate-limits views.publish per person and per workspace.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import keys
from adapters.slack.render import blocks
from bot.services import progress_view
from bot.services.context import Context

log = logging.getLogger(__name__)

HOME_MAX_BLOCKS = 100


def home_view(card_blocks: list[dict[str, Any]], file_id: str | None, alt: str) -> dict[str, Any]:
    """The `home` view: the card's blocks with the chart image after the title and summary."""
    out = list(card_blocks)
    if file_id:
        at = 2 if len(out) >= 2 else len(out)
        out.insert(at, {"type": "image", "slack_file": {"id": file_id}, "alt_text": alt[:2000],
                        "title": {"type": "plain_text", "text": "Strength by category and score trend"}})
    return {"type": "home", "blocks": out[:HOME_MAX_BLOCKS]}


class HomePublisher:
    def __init__(self, ctx: Context, client: AsyncWebClient, *, min_interval_s: float = 6.0):
        self.ctx = ctx
        self.client = client
        self.min_interval_s = min_interval_s
        self._last: dict[str, float] = {}
        self._pending: dict[str, asyncio.Task[None]] = {}  # waiting to publish, one per person
        self._running: set[asyncio.Task[None]] = set()  # every task not finished (keeps a reference)
        self.published = 0

    def request(self, user_key: str) -> None:
        """Ask for a refresh; requests while one is waiting are folded into it."""
        if not user_key.startswith(keys.PREFIX + ":") or user_key in self._pending:
            return
        wait = max(0.0, self._last.get(user_key, -1e9) + self.min_interval_s - time.monotonic())
        task = asyncio.get_running_loop().create_task(self._later(user_key, wait))
        self._pending[user_key] = task
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def idle(self) -> None:
        """Wait until no publish is scheduled (tests, shutdown)."""
        while self._pending or self._running:
            await asyncio.gather(*self._pending.values(), *self._running, return_exceptions=True)

    async def _later(self, user_key: str, wait: float) -> None:
        try:
            if wait:
                await asyncio.sleep(wait)
        finally:
            # From here on a new request schedules another publish: data may change while this one runs.
            self._pending.pop(user_key, None)
        self._last[user_key] = time.monotonic()
        try:
            await self.publish(user_key)
        except Exception:
            log.exception("app home publish failed")

    async def publish(self, user_key: str) -> None:
        view = await progress_view.load(self.ctx, user_key)
        if view is None:
            card = await progress_view.card(self.ctx, user_key)  # the friendly empty card
        else:
            card = progress_view.render_card(view, await progress_view.chart_off_loop(view))
        file_id = None
        if card.image is not None and view is not None:
            # No channel: the file stays private to the app, visible only where a block shows it.
            up = await self.client.files_upload_v2(file=card.image, filename=card.image_name,
                                                   title="Your progress")
            file_id = (up.get("files") or [{}])[0].get("id") or (up.get("file") or {}).get("id")
        alt = "Strength by category; weekly mean score " + progress_view.trend_text(view) if view else ""
        await self.client.views_publish(user_id=keys.parse(user_key).channel,
                                        view=home_view(blocks(card), file_id, alt))
        self.published += 1
