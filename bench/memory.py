"""Suite 6: peak RSS of a real `drillbot run` (terminal platform) with 1,000 channels configured.

The channels are enabled in its SQLite database with weekdays that exclude today, so the scheduler
holds 2,000 cron jobs and its tick finds nothing to post (idle). stdin is a pipe kept open (the terminal
session exits on EOF). RSS is sampled with psutil after start; the peak is the kernel's high-water mark
(VmHWM) of the process and its children.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.common import ROOT
from bot.clock import FakeClock
from bot.config import Settings
from bot.services import channels as channel_service
from bot.services.catalog import Catalog
from bot.services.context import Context
from bot.store import db

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


async def _configure(url: str, n: int) -> None:
    await db.upgrade_async(url)
    engine = db.create_engine(url)
    from bank.loader import load_bank

    now = datetime.now(UTC)
    not_today = ",".join(d for i, d in enumerate(DAYS) if i != now.weekday())
    settings = Settings(database_url=url, _env_file=None)  # type: ignore[call-arg]
    ctx = Context(settings, db.session_factory(engine), FakeClock(now), Catalog(load_bank()))
    try:
        for i in range(n):
            # No platform runs here: name the terminal's workspace rather than have one read from the key.
            await channel_service.configure(ctx, f"console:local:bench{i}", f"bench{i}",
                                            {"weekdays": not_today, "post_time": "09:00"},
                                            workspace_key="console:local")
    finally:
        await engine.dispose()


def _hwm(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def run(quick: bool, channels: int = 1_000) -> dict[str, float | int]:
    import psutil

    workdir = Path(tempfile.mkdtemp(prefix="drillbot-bench-mem-"))
    url = f"sqlite+aiosqlite:///{workdir / 'drillbot.db'}"
    asyncio.run(_configure(url, channels))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "DRILLBOT_", "OPENAI_"))}
    env.update({"DATABASE_URL": url, "DRILLBOT_JUDGE": "offline", "PYTHONPATH": str(ROOT)})
    exe = Path(sys.executable).with_name("drillbot")
    cmd = [str(exe), "run"] if exe.exists() else [sys.executable, "-m", "app.cli", "run"]
    proc = subprocess.Popen(cmd, cwd=workdir, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    started = time.perf_counter()
    ready_s = None
    peak_rss = 0
    peak_hwm = 0
    try:
        p = psutil.Process(proc.pid)
        # Until its intro is printed the process is starting; then watch it idle for a few seconds.
        import selectors

        sel = selectors.DefaultSelector()
        assert proc.stdout is not None
        sel.register(proc.stdout, selectors.EVENT_READ)
        out = b""
        deadline = started + 60
        idle_for = 3.0 if quick else 10.0
        while time.perf_counter() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"drillbot run exited early ({proc.returncode}): {out[-2000:]!r}")
            if sel.select(timeout=0.1):
                chunk = os.read(proc.stdout.fileno(), 65536)
                out += chunk
                if ready_s is None and b"Today's question" in out:
                    ready_s = time.perf_counter() - started
            procs = [p, *p.children(recursive=True)]
            rss = sum(x.memory_info().rss for x in procs if x.is_running())
            peak_rss = max(peak_rss, rss)
            peak_hwm = max(peak_hwm, sum(_hwm(x.pid) for x in procs))
            if ready_s is not None and time.perf_counter() - started > ready_s + idle_for:
                break
        if ready_s is None:
            raise RuntimeError(f"drillbot run did not become ready: {out[-2000:]!r}")
    finally:
        if proc.stdin:
            proc.stdin.close()  # EOF: the terminal session ends
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return {"channels": channels, "ready_s": round(ready_s, 2), "rss_mb": round(peak_rss / 2**20, 1),
            "peak_rss_mb": round(max(peak_hwm, peak_rss) / 2**20, 1)}
