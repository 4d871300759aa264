"""`/healthz` (the process is up) and `/readyz` (the database answers) for container orchestrators.

A tiny HTTP/1.1 responder on asyncio streams, so the core needs no web framework; the Slack HTTP
mode mounts the same two checks on its own server instead (one port for everything).
"""

from __future__ import annotations

import asyncio
import contextlib

from bot.core import Core

PATHS = ("/healthz", "/readyz")


async def check(core: Core, path: str) -> tuple[int, str]:
    if path == "/healthz":
        return 200, "ok"
    if path == "/readyz":
        try:
            async with core.ctx.uow() as uow:
                await asyncio.wait_for(uow.probe.ping(), timeout=5)
        except Exception as exc:
            return 503, f"database unreachable ({type(exc).__name__})"
        return 200, "ready"
    return 404, "not found"


async def serve_health(core: Core, port: int, host: str = "0.0.0.0") -> asyncio.Server:  # noqa: S104
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await asyncio.wait_for(reader.readline(), timeout=5)
            parts = request.decode("latin-1").split()
            path = parts[1].split("?", 1)[0] if len(parts) >= 2 else "/"
            status, body = await check(core, path)
            reason = {200: "OK", 404: "Not Found", 503: "Service Unavailable"}[status]
            writer.write(f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain\r\nContent-Length: "
                         f"{len(body)}\r\nConnection: close\r\n\r\n{body}".encode())
            await writer.drain()
        except (TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    return await asyncio.start_server(handle, host, port)
