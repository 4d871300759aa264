"""`/healthz` and `/readyz` answer over real HTTP, on their own port or on Slack's HTTP-mode server."""

from __future__ import annotations

import aiohttp

from bot.core import Core
from bot.health import serve_health
from tests.e2e.test_slack_day import free_port


async def get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as r:
        return r.status, await r.text()


async def test_health_and_readiness(core: Core) -> None:
    port = free_port()
    server = await serve_health(core, port, host="127.0.0.1")
    try:
        assert await get(f"http://127.0.0.1:{port}/healthz") == (200, "ok")
        assert await get(f"http://127.0.0.1:{port}/readyz") == (200, "ready")
        assert (await get(f"http://127.0.0.1:{port}/nope"))[0] == 404
    finally:
        server.close()


async def test_slack_http_mode_serves_health_on_its_port(core: Core) -> None:
    from slack_bolt.async_app import AsyncApp

    from adapters.slack.runner import start_http
    from bot.health import check

    app = AsyncApp(token="xoxb-1", signing_secret="s")
    port = free_port()
    runner = await start_http(app, "127.0.0.1", port, health=lambda path: check(core, path))
    try:
        assert await get(f"http://127.0.0.1:{port}/readyz") == (200, "ready")
    finally:
        await runner.cleanup()
