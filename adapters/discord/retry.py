"""Retry failed sends (429 and 5xx) without ever posting twice.

discord.py already waits out rate limits and retries some 5xx inside its HTTP client; this is the
outer layer for what still escapes it. Every message send carries one nonce for all its attempts and
discord.py sets `enforce_nonce`, so when an attempt actually reached Discord before failing, the retry
returns that same message instead of creating a second one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import discord

log = logging.getLogger(__name__)
T = TypeVar("T")


def new_nonce() -> str:
    return secrets.token_hex(12)  # Discord allows nonces up to 25 characters


def retryable(exc: BaseException) -> bool:
    return isinstance(exc, discord.HTTPException) and (exc.status == 429 or exc.status >= 500)


@dataclass
class RetryPolicy:
    attempts: int = 4
    base_delay_s: float = 1.0
    max_delay_s: float = 30.0

    async def run(self, op: Callable[[], Awaitable[T]], what: str) -> T:
        for attempt in range(1, self.attempts + 1):
            try:
                return await op()
            except discord.HTTPException as exc:
                if not retryable(exc) or attempt == self.attempts:
                    raise
                delay = min(self.max_delay_s, self.base_delay_s * 2 ** (attempt - 1))
                retry_after = getattr(exc.response, "headers", {}).get("Retry-After") if exc.response else None
                if retry_after:
                    with contextlib.suppress(ValueError):
                        delay = min(self.max_delay_s, float(retry_after))
                log.warning("discord %s failed (HTTP %s), retrying in %.1fs", what, exc.status, delay,
                            extra={"attempt": attempt})
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")
