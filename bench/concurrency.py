"""Suite 2: LLM judge throughput against the fake OpenAI server with a fixed latency.

The fake server runs in its own process (so its threads do not share this process's GIL) and answers
every request after exactly `latency` seconds. efficiency = (answers / concurrency * latency) / wall.
client_cpu_ms_per_answer is this process's CPU time (user + system) per judged answer: what bounds the
efficiency (32 slots at 0.2 s leave 6.25 ms per answer in all), and less skewed than the wall clock by
other work on the machine.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time

from bench.common import ROOT, eval_items

SERVER = """
import sys
from tests.fakes.openai_server import FakeOpenAI
server = FakeOpenAI(latency_s=float(sys.argv[1])).start()
print(server.base_url, flush=True)
sys.stdin.read()
server.stop()
"""


def _start_server(latency: float) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", SERVER, str(latency)], cwd=ROOT, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)


async def run(quick: bool, *, latency: float = 0.2, concurrency: int = 32) -> dict[str, float]:
    import openai

    try:  # openai>=3 ships its own httpx fork
        import httpx2 as httpx  # type: ignore[import-not-found]
    except ImportError:
        import httpx  # type: ignore[no-redef]

    from scoring.llm import LLMJudge

    answers = 320 if quick else 2_000
    items = eval_items()
    proc = _start_server(latency)
    try:
        base_url = (proc.stdout.readline() if proc.stdout else "").strip()
        if not base_url:
            raise RuntimeError("fake OpenAI server did not start")
        # The SDK's default pool allows plenty of connections, but say so explicitly: the pool must not
        # be the bottleneck at this concurrency.
        limits = httpx.Limits(max_connections=concurrency * 2, max_keepalive_connections=concurrency * 2)
        http = httpx.AsyncClient(limits=limits, timeout=30.0)
        client = openai.AsyncOpenAI(base_url=base_url, api_key="bench", http_client=http, max_retries=0)
        judge = LLMJudge(model="gpt-4o-mini", client=client)
        sem = asyncio.Semaphore(concurrency)
        failures = 0

        async def one(i: int) -> None:
            nonlocal failures
            item = items[i % len(items)]
            async with sem:
                try:
                    await judge.grade(item.question, item.text)
                except Exception:
                    failures += 1

        # Warm the pool (connection set-up is not what is measured).
        await asyncio.gather(*(one(i) for i in range(concurrency)))
        started, cpu_started = time.perf_counter(), time.process_time()
        await asyncio.gather(*(one(i) for i in range(answers)))
        wall = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        await judge.aclose()
    finally:
        if proc.stdin:
            proc.stdin.close()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
    ideal = answers / concurrency * latency
    return {"answers": answers, "concurrency": concurrency, "latency_ms": latency * 1000, "failures": failures,
            "wall_s": round(wall, 3), "ideal_s": round(ideal, 3), "efficiency": round(ideal / wall, 3),
            "client_cpu_ms_per_answer": round(cpu / answers * 1000, 2)}
