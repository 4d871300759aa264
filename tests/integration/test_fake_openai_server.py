"""The fake OpenAI server must take a burst of connections the way a real endpoint does.

CI failed once with "connection reset" from the generated adversarial suite: 16 judge calls connected at
once and the standard library's listen backlog of 5 overflowed on a busy 2-core machine."""

from __future__ import annotations

import asyncio

from tests.fakes.openai_server import FakeOpenAI

BURST = 200


def test_a_burst_of_connections_is_all_answered() -> None:
    try:  # openai>=3 ships its own httpx fork
        import httpx2 as httpx  # type: ignore[import-not-found]
    except ImportError:
        import httpx

    async def burst(url: str) -> list[object]:
        limits = httpx.Limits(max_connections=BURST, max_keepalive_connections=0)
        async with httpx.AsyncClient(limits=limits, timeout=10.0) as client:
            async def one() -> object:
                try:
                    return (await client.get(f"{url}/batches/none")).status_code
                except httpx.HTTPError as exc:
                    return repr(exc)

            return list(await asyncio.gather(*(one() for _ in range(BURST))))

    with FakeOpenAI() as fake:
        results = asyncio.run(burst(fake.base_url))
    assert [r for r in results if r != 404] == []  # an answer (no such batch), not a dropped connection
