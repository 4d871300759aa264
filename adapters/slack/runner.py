"""Run the Bolt app until cancelled: Socket Mode (outbound websocket) or HTTP (Events API)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp

EVENTS_PATH = "/slack/events"

log = logging.getLogger(__name__)


async def serve_socket_mode(app: AsyncApp, app_token: str) -> None:
    handler = AsyncSocketModeHandler(app, app_token)
    await handler.connect_async()
    log.info("slack connected in socket mode")
    try:
        await asyncio.Event().wait()
    finally:
        await handler.close_async()


Health = Callable[[str], Awaitable[tuple[int, str]]]


async def start_http(app: AsyncApp, host: str | None, port: int, health: Health | None = None) -> web.AppRunner:
    """Serve the Events API, slash commands and interactivity on one path; Bolt verifies signatures.
    With `health`, /healthz and /readyz are answered on the same port."""
    web_app = app.web_app(path=EVENTS_PATH, port=port)
    if health is not None:
        async def probe(request: web.Request) -> web.Response:
            status, body = await health(request.path)
            return web.Response(status=status, text=body)

        web_app.router.add_get("/healthz", probe)
        web_app.router.add_get("/readyz", probe)
    runner = web.AppRunner(web_app)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner


async def serve_http(app: AsyncApp, host: str | None, port: int, health: Health | None = None) -> None:
    runner = await start_http(app, host, port, health)
    log.info("slack listening over http", extra={"port": port, "path": EVENTS_PATH})
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
