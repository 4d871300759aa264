"""The scoring worker: a thin coordinator of the pipeline claim (lease) -> judge -> record score and
progress in one transaction -> outbox -> deliver, with bounded concurrency and the recovery sweeps.

Each seam is its own module: `lease` (claims that return to the pool when a process dies), `grading`
(the judge's inputs and call), `record` (the score transaction), `failure` (the failure policy applied to
an answer), `replies` (the outbox: one reply builder, reply claims), `delivery` (posting replies and
notices) and `recorder` (group commit of the scores and reply marks of answers graded together). The
unique score per answer makes a double grade impossible to record.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from bot.ports import Judge, JudgeError
from bot.services.context import Context
from bot.services.scoring import grading, lease, replies
from bot.services.scoring.delivery import Delivery
from bot.services.scoring.failure import record_failure
from bot.services.scoring.lease import LEASE, Claimed
from bot.services.scoring.record import Graded
from bot.services.scoring.recorder import Recorder
from bot.services.scoring.replies import Route, ScoreReply

log = logging.getLogger(__name__)

SWEEP_EVERY = timedelta(seconds=10)
MAX_ATTEMPTS = 10
# While intake hands answers over (`adopt`), the queue in the database is still claimed at least this often
# (retries, answers stored while every slot was busy, another process's released claims). A worker that is
# not in `run_forever` counts as running for this long after a pass (`run_once`): intake hands answers only
# to a worker that runs (a core used for intake alone, or a one-off command's, never grades them).
CLAIM_EVERY = timedelta(seconds=1)


class ScoringWorker:
    def __init__(self, ctx: Context, judge: Judge, *, concurrency: int = 8, max_attempts: int = MAX_ATTEMPTS):
        self.ctx = ctx
        self.judge = judge
        self.max_attempts = max_attempts
        self.concurrency = concurrency
        self._sem = asyncio.Semaphore(concurrency)
        self._grading = 0  # answers claimed by run_forever and not yet graded and recorded
        self._active = 0  # answers being graded, recorded or replied to (holding a slot or posting)
        # Group commit: scores graded together are recorded in one transaction, replies marked sent in
        # one statement; it also keeps one person's scores in order (their rows are read-modify-write).
        self.recorder = Recorder(ctx, lambda: self.judge.id, active=lambda: self._active)
        self.delivery = Delivery(ctx, self.recorder.ack)
        self._wake = asyncio.Event()
        self._last_sweep: datetime | None = None
        self._claimed: dict[int, Claimed] = {}  # claimed by this worker, not yet picked up for grading
        # Claimed at intake (`adopt`) and not started yet, oldest first, with when each was adopted.
        self._adopted: list[tuple[int, datetime]] = []
        self._last_claim: datetime | None = None  # when the queue in the database was last claimed from
        self._last_pass: datetime | None = None  # when run_once last ran
        self._running = False  # in run_forever
        self.adopting = True  # False once run_forever has stopped: intake then stores answers unclaimed
        # Observers (metrics, App Home): called with ("scored", verdict), ("failed", error text),
        # ("alert", kind and error text) when an operator must act, or ("recorded", user key) once a
        # score and its effects are stored.
        self.listeners: list[Callable[[str, object], None]] = []
        # Other recovery work run with the sweep (the core's unprocessed-inbox sweep).
        self.sweeps: list[Callable[[], Awaitable[object]]] = []

    def _notify(self, event: str, payload: object) -> None:
        for listener in self.listeners:
            try:
                listener(event, payload)
            except Exception:
                log.exception("metrics listener failed")

    def wake(self) -> None:
        self._wake.set()

    async def release_expired_claims(self, *, all_claims: bool = False) -> int:
        return await lease.release_expired(self.ctx, all_claims=all_claims)

    async def retry_failed(self) -> int:
        return await lease.retry_failed(self.ctx)

    async def deliver_unsent(self, limit: int = 100) -> None:
        await self.delivery.deliver_unsent(limit)

    def can_adopt(self) -> bool:
        """This worker runs (run_forever, or a pass within CLAIM_EVERY) and has a grading slot free for an
        answer intake would claim for it (`adopt`)."""
        if not self.adopting or len(self._adopted) + self._grading >= self.concurrency:
            return False
        return self._running or (self._last_pass is not None
                                 and self.ctx.clock.now() - self._last_pass < CLAIM_EVERY)

    def adopt(self, answer: Claimed) -> None:
        """Take an answer intake stored already claimed (leased) for this worker: it is graded on the next
        pass without a claim transaction. The interactive path's claim, saved: one transaction and two
        statements per answer."""
        self._claimed[answer.id] = answer
        self._adopted.append((answer.id, self.ctx.clock.now()))
        self._wake.set()

    async def _claim(self, limit: int) -> list[int]:
        """The answers adopted from intake, then (when none were, or CLAIM_EVERY has passed) due answers
        claimed from the database; keeps what grading needs, so grading reads no answer row again. An
        answer adopted half a lease ago or more is dropped here: its lease may run out before it is
        recorded (the sweep then returns it to the queue, where any worker claims it), and grading it
        from memory too would grade it twice."""
        now = self.ctx.clock.now()
        fresh = []
        for answer_id, at in self._adopted:
            if now - at < LEASE / 2:
                fresh.append(answer_id)
            else:
                self._claimed.pop(answer_id, None)
        ids, self._adopted = fresh[:limit], [a for a in self._adopted if a[0] in fresh[limit:]]
        if len(ids) < limit and (not ids or self._last_claim is None or now - self._last_claim >= CLAIM_EVERY):
            self._last_claim = now
            claimed = await lease.claim(self.ctx, limit - len(ids))
            for answer in claimed:
                if answer.id not in ids:
                    self._claimed[answer.id] = answer
                    ids.append(answer.id)
        return sorted(ids)

    async def run_once(self, limit: int = 200) -> int:
        """Score what is due now; returns how many answers were scored."""
        now = self._last_pass = self.ctx.clock.now()
        # The recovery sweeps (expired claims, unsent replies) find work only after a crash or an
        # outage, so they run every SWEEP_EVERY rather than on every pass.
        sweep = self._last_sweep is None or now - self._last_sweep >= SWEEP_EVERY
        if sweep:
            await self.release_expired_claims()
            for extra in self.sweeps:
                await extra()
        ids = await self._claim(limit)
        results = await asyncio.gather(*(self._score_guarded(i) for i in ids))
        if sweep or (ids and not all(results)):
            self._last_sweep = now
            await self.deliver_unsent()
        return sum(results)

    async def drain(self, max_passes: int = 100) -> None:
        """Score until nothing is due (tests and the demo)."""
        for _ in range(max_passes):
            if not await self.run_once():
                return

    async def settled(self, answer_id: int, timeout_s: float = 120.0, poll_s: float = 0.05) -> bool:
        """Wait until an answer has a sent reply or a sent "score coming" notice (an interactive
        session's way to show the outcome before its next prompt); False on timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while loop.time() < deadline:
            await self.run_once()
            if await replies.reply_settled(self.ctx, answer_id):
                return True
            await asyncio.sleep(poll_s)
        return False

    async def run_forever(self, stop: asyncio.Event, idle_s: float = 2.0) -> None:
        """Claim continuously: whenever a grading slot is free, claim that many answers and start them;
        never wait for a batch. On stop, claim nothing more and let started work finish."""
        running: set[asyncio.Task[bool]] = set()
        self._running = True
        while not stop.is_set():
            try:
                now = self.ctx.clock.now()
                if self._last_sweep is None or now - self._last_sweep >= SWEEP_EVERY:
                    self._last_sweep = now
                    await self.release_expired_claims()
                    for extra in self.sweeps:
                        await extra()
                    sweep = asyncio.create_task(self._deliver_unsent_quietly())
                    running.add(sweep)
                    sweep.add_done_callback(running.discard)
                free = self.concurrency - self._grading
                if free > 0:
                    for answer_id in await self._claim(free):
                        self._grading += 1
                        task = asyncio.create_task(self._score_guarded(answer_id, on_graded=self._slot_freed))
                        running.add(task)
                        task.add_done_callback(running.discard)
            except Exception:  # never let one bad pass stop scoring for good
                log.exception("scoring pass failed")
            self._wake.clear()
            if self._adopted and self._grading < self.concurrency:
                continue  # adopted while this pass claimed: its wake-up was just cleared
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=idle_s)
        self._running = False
        self.adopting = False  # answers arriving from now on wait in the database for the next process
        for answer_id, _at in self._adopted:  # adopted but never started: back in the queue at once
            self._claimed.pop(answer_id, None)
            await lease.requeue_unless_scored(self.ctx, answer_id)
        self._adopted = []
        if running:
            await asyncio.wait(set(running))

    def _slot_freed(self) -> None:
        self._grading -= 1
        self._wake.set()

    async def _deliver_unsent_quietly(self) -> bool:
        try:
            await self.deliver_unsent()
        except Exception:
            log.exception("unsent-reply sweep failed")
        return False

    async def _score_guarded(self, answer_id: int, on_graded: Callable[[], None] | None = None) -> bool:
        try:
            return await self._score(answer_id, on_graded)
        except Exception as exc:
            log.exception("scoring crashed", extra={"answer": answer_id})
            await self._failed(answer_id, JudgeError(f"internal error: {type(exc).__name__}"))
            return False

    async def _score(self, answer_id: int, on_graded: Callable[[], None] | None = None) -> bool:
        # The slot covers grading and recording only: posting the reply may wait for the channel's
        # pacing, and that wait must not hold a slot another channel's answer needs.
        active = False
        try:
            try:
                async with self._sem:
                    self._active += 1
                    active = True
                    recorded = await self._grade_and_record(answer_id)
            finally:
                if on_graded is not None:
                    on_graded()
            if recorded is None:
                return False
            route, reply = recorded
            self._notify("recorded", route.user_key)  # e.g. refresh the person's Slack App Home
            await self.delivery.send_reply(answer_id, route, reply)
            return True
        finally:
            if active:
                self._active -= 1
                self.recorder.nudge()  # a batch waiting for this answer is complete without it

    async def _grade_and_record(self, answer_id: int) -> tuple[Route, ScoreReply] | None:
        try:
            graded = await grading.grade(self.ctx, self.judge, answer_id, self._claimed.pop(answer_id, None))
        except JudgeError as exc:
            self._notify("failed", str(exc))
            await self._failed(answer_id, exc)
            return None
        if graded is None:
            return None
        answer, verdict = graded
        self._notify("scored", verdict)
        return await self.recorder.record(Graded(answer_id, answer.member_id, verdict))

    async def _failed(self, answer_id: int, error: JudgeError) -> None:
        """Apply the failure policy: retry, wait, or fail fast with an alert; tell the person once."""
        failure = await record_failure(self.ctx, answer_id, error, self.max_attempts)
        if failure is None:
            return
        if failure.plan.alert:
            self._notify("alert", f"{failure.plan.kind.value}: {str(error)[:200]}")
        if failure.notify:
            await self.delivery.notice(answer_id, failed=failure.plan.failed)
