"""Run the Bolt app until cancelled: Socket Mode (outbound websocket) or HTTP (Events API)."""

from __future__ import annotations

import asyncio
import logging

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


async def start_http(app: AsyncApp, host: str | None, port: int) -> web.AppRunner:
    """Serve the Events API, slash commands and interactivity on one path; Bolt verifies signatures."""
    runner = web.AppRunner(app.web_app(path=EVENTS_PATH, port=port))
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner


async def serve_http(app: AsyncApp, host: str | None, port: int) -> None:
    runner = await start_http(app, host, port)
    log.info("slack listening over http", extra={"port": port, "path": EVENTS_PATH})
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
