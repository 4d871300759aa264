"""Group commit: verdicts graded at about the same time are recorded in one transaction, and the replies
posted meanwhile are marked in the same commit, so a busy worker pays one commit per batch, not two per
answer.

A batch is flushed as soon as every answer this worker is working on is waiting in it (nothing else
could join: a lone answer goes at once), when it is full, or after `linger_s`. Flushes run one at a
time; what arrives during one goes in the next. A batch holds at most one answer per person, so a
person's answers are recorded one at a time and in order (their streak and stats rows are
read-modify-write). If the batch transaction fails (another process won a race: IntegrityError), it is
rolled back whole and its answers are recorded one by one, so one conflict never loses the others.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from sqlalchemy.exc import IntegrityError

from bot.services.context import Context
from bot.services.scoring import lease, record, replies
from bot.services.scoring.record import Graded, Recorded

log = logging.getLogger(__name__)

MAX_BATCH = 64
LINGER_S = 0.005  # how long a batch waits for answers still being graded or posted


class Recorder:
    def __init__(self, ctx: Context, judge_id: Callable[[], str], *, active: Callable[[], int] = lambda: 0,
                 max_batch: int = MAX_BATCH, linger_s: float = LINGER_S):
        """`judge_id` names the judge whose verdicts these are (asked at each write: the worker's judge may
        be swapped). `active` says how many answers the caller is working on (grading, recording or
        posting a reply): once that many are waiting here, the batch is complete."""
        self.ctx = ctx
        self.judge_id = judge_id
        self.max_batch = max_batch
        self.linger_s = linger_s
        self._active = active
        self._queue: list[tuple[Graded, asyncio.Future[Recorded]]] = []
        self._acks: replies.Acks = {}
        self._ack_waiters: list[asyncio.Future[None]] = []
        self._flushing: asyncio.Task[None] | None = None
        self._timer: asyncio.TimerHandle | None = None

    async def record(self, graded: Graded) -> Recorded:
        """Record a verdict with the next batch; None if the answer is no longer ours to score (or another
        process recorded it first)."""
        done: asyncio.Future[Recorded] = asyncio.get_running_loop().create_future()
        self._queue.append((graded, done))
        self.nudge()
        return await done

    async def ack(self, answer_id: int, sent: bool) -> None:
        """Mark a posted reply sent (or release its claim) with the next commit; returns once stored."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._acks[answer_id] = sent
        self._ack_waiters.append(done)
        self.nudge()
        await done

    def nudge(self) -> None:
        """Flush now if the batch is complete or full, else within `linger_s`. Called on every arrival and
        whenever the caller finishes with an answer (its count of active answers fell)."""
        if self._flushing is not None or not (self._queue or self._acks):
            return  # a running flush takes what is waiting when it ends
        waiting = len(self._queue) + len(self._ack_waiters)
        if waiting >= self._active() or len(self._queue) >= self.max_batch:
            self._start()
        elif self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self.linger_s, self._start)

    def _start(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._flushing is None and (self._queue or self._acks):
            self._flushing = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        try:
            while self._queue or self._acks:
                batch = self._take()
                acks, waiters = self._acks, self._ack_waiters
                self._acks, self._ack_waiters = {}, []
                try:
                    await self._flush(batch, acks, waiters)
                except Exception as exc:  # e.g. the database went away during the fallback: tell every waiter
                    for done in [d for _, d in batch] + waiters:
                        _settle(done, exc)
        finally:
            self._flushing = None

    def _take(self) -> list[tuple[Graded, asyncio.Future[Recorded]]]:
        """The oldest waiting answers, at most one per person and `max_batch` in all; a person's later
        answers stay queued, in order, for the next batch."""
        batch: list[tuple[Graded, asyncio.Future[Recorded]]] = []
        rest: list[tuple[Graded, asyncio.Future[Recorded]]] = []
        people: set[int] = set()
        for item in self._queue:
            if len(batch) < self.max_batch and item[0].member_id not in people:
                people.add(item[0].member_id)
                batch.append(item)
            else:
                rest.append(item)
        self._queue = rest
        return batch

    async def _write(self, batch: list[Graded], acks: replies.Acks | None) -> list[Recorded]:
        """The one transaction (a seam for tests that simulate a race)."""
        return await record.record_batch(self.ctx, batch, self.judge_id(), acks)

    async def _flush(self, batch: list[tuple[Graded, asyncio.Future[Recorded]]], acks: replies.Acks,
                     waiters: list[asyncio.Future[None]]) -> None:
        try:
            results = await self._write([g for g, _ in batch], acks)
        except Exception as exc:
            if len(batch) == 1 and not acks:
                graded, done = batch[0]
                _settle(done, await self._conflicted(graded, exc))
                return
            log.info("score batch failed; recording its answers one by one",
                     extra={"answers": len(batch), "error": type(exc).__name__})
            await self._one_by_one(batch, acks, waiters)
            return
        for (_, done), result in zip(batch, results, strict=True):
            _settle(done, result)
        for waiter in waiters:
            _settle(waiter, None)

    async def _one_by_one(self, batch: list[tuple[Graded, asyncio.Future[Recorded]]], acks: replies.Acks,
                          waiters: list[asyncio.Future[None]]) -> None:
        for graded, done in batch:
            try:
                result = (await self._write([graded], None))[0]
            except Exception as exc:
                result = await self._conflicted(graded, exc)
            _settle(done, result)
        if not acks:
            return
        try:
            await self._write([], acks)
        except Exception as exc:
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_exception(exc)
            return
        for waiter in waiters:
            _settle(waiter, None)

    async def _conflicted(self, graded: Graded, exc: Exception) -> Recorded | BaseException:
        """One answer's transaction failed. An IntegrityError means another process recorded this score,
        or raced us creating the same person's streak or stats row: in the second case the answer goes
        straight back in the queue. Any other error is the caller's (it applies the failure policy)."""
        if not isinstance(exc, IntegrityError):
            return exc
        answer_id = graded.answer_id
        if await lease.requeue_unless_scored(self.ctx, answer_id):
            log.info("score write conflicted; retrying", extra={"answer": answer_id})
        else:
            log.info("answer already scored elsewhere", extra={"answer": answer_id})
        return None


def _settle(done: asyncio.Future[Recorded] | asyncio.Future[None], result: object) -> None:
    """Hand a result (or an exception) to a waiter that is still waiting (its task may be cancelled:
    the score is stored all the same and its reply goes out with the unsent-reply sweep)."""
    if done.done():
        return
    if isinstance(result, BaseException):
        done.set_exception(result)
    else:
        done.set_result(result)  # type: ignore[arg-type]
