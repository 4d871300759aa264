"""The scoring worker: grades pending answers through the Judge port with bounded concurrency.

Claims are leases (status `scoring` until `next_attempt_at`), so a crashed process's claims return to
the pool; the unique score per answer makes a double grade impossible to record. A judge failure
leaves the answer pending with a backoff, and the person is told once that the score is coming.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot import render
from bot.messages import Message, user_text
from bot.ports import Judge, JudgeError, Verdict, status_flags
from bot.rules import failures
from bot.services import progress
from bot.services.context import Context
from bot.store.models import Answer, Channel, Member, QuestionRow, Round, Score

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
SHOWN_TRIES = 5  # how many earlier scored tries' feedback a revision is checked against
SWEEP_EVERY = timedelta(seconds=10)
MAX_ATTEMPTS = 10


@dataclass(frozen=True)
class Route:
    """Where replies about an answer go: its thread, or the person's DMs in private feedback mode.
    `mode` is the channel's feedback mode, None outside a channel round (practice, interviews)."""

    thread_key: str
    message_key: str
    user_key: str
    mode: str | None

    @property
    def private(self) -> bool:
        return self.mode == "private"

    @property
    def hints_apart(self) -> bool:
        """In a channel round's thread the hints and follow-up go to the person alone."""
        return self.mode == "thread"


@dataclass(frozen=True)
class ScoreText:
    """What a score reply says beyond the score itself."""

    who: str
    practice: bool
    streak_note: str


@dataclass(frozen=True)
class ScoreReply:
    view: render.ScoreView
    text: ScoreText
    reveal: Message | None  # practice: the model answer, sent after the score


@dataclass(frozen=True)
class Claimed:
    """What grading needs of a claimed answer."""

    id: int
    member_id: int
    question_id: int
    text: str


class ScoringWorker:
    def __init__(self, ctx: Context, judge: Judge, *, concurrency: int = 8, max_attempts: int = MAX_ATTEMPTS):
        self.ctx = ctx
        self.judge = judge
        self.max_attempts = max_attempts
        self.concurrency = concurrency
        self._sem = asyncio.Semaphore(concurrency)
        self._grading = 0  # answers claimed by run_forever and not yet graded and recorded
        self._wake = asyncio.Event()
        self._member_locks: dict[int, asyncio.Lock] = {}
        self._last_sweep: datetime | None = None
        self._claimed: dict[int, Claimed] = {}  # claimed by this worker, not yet picked up for grading
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
        """Answers left in `scoring` by a dead process go back to pending. `all_claims` is for a process
        that knows it is alone (SQLite at start): no need to wait for the lease to run out."""
        now = self.ctx.clock.now()
        stale = Answer.status == "scoring"
        if not all_claims:
            stale = stale & (Answer.next_attempt_at <= now)
        async with self.ctx.sessions.begin() as s:
            result = await s.execute(
                update(Answer).where(stale)
                .values(status="pending", next_attempt_at=now).execution_options(synchronize_session=False)
            )
            if all_claims:  # a reply being posted when the process died is sent again now, not in 5 min
                await s.execute(update(Answer).where(Answer.reply_sent.is_(False), Answer.reply_claimed_at.is_not(None))
                                .values(reply_claimed_at=None).execution_options(synchronize_session=False))
            return result.rowcount or 0  # type: ignore[attr-defined]

    async def _claim(self, limit: int) -> list[int]:
        """Claim due answers in one statement. On PostgreSQL, FOR UPDATE SKIP LOCKED lets several
        processes claim disjoint batches without waiting on each other; SQLite has one writer anyway.
        The claim returns what grading needs, so grading reads no answer row again."""
        now = self.ctx.clock.now()
        due = (
            select(Answer.id)
            .where(Answer.status == "pending", Answer.deleted.is_(False), Answer.next_attempt_at <= now)
            .order_by(Answer.next_attempt_at, Answer.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        async with self.ctx.sessions.begin() as s:
            claimed = (await s.execute(
                update(Answer).where(Answer.id.in_(due.scalar_subquery()))
                .values(status="scoring", next_attempt_at=now + LEASE)
                .returning(Answer.id, Answer.member_id, Answer.question_id, Answer.text)
                .execution_options(synchronize_session=False)
            )).all()
        for row in claimed:
            self._claimed[row.id] = Claimed(row.id, row.member_id, row.question_id, row.text)
        return sorted(row.id for row in claimed)

    async def run_once(self, limit: int = 200) -> int:
        """Score what is due now; returns how many answers were scored."""
        now = self.ctx.clock.now()
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
            async with self.ctx.sessions() as s:
                row = (await s.execute(select(Answer.reply_sent, Answer.pending_notice_sent)
                                       .where(Answer.id == answer_id))).first()
            if row is None or row.reply_sent or row.pending_notice_sent:
                return True
            await asyncio.sleep(poll_s)
        return False

    async def run_forever(self, stop: asyncio.Event, idle_s: float = 2.0) -> None:
        """Claim continuously: whenever a grading slot is free, claim that many answers and start them;
        never wait for a batch. On stop, claim nothing more and let started work finish."""
        running: set[asyncio.Task[bool]] = set()
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
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=idle_s)
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
        try:
            async with self._sem:
                recorded = await self._grade_and_record(answer_id)
        finally:
            if on_graded is not None:
                on_graded()
        if recorded is None:
            return False
        route, reply = recorded
        self._notify("recorded", route.user_key)  # e.g. refresh the person's Slack App Home
        await self._send_reply(answer_id, route, reply)
        return True

    async def _grade_and_record(self, answer_id: int) -> tuple[Route, ScoreReply] | None:
        answer = self._claimed.pop(answer_id, None)
        async with self.ctx.sessions() as s:
            if answer is None:  # claimed by an earlier pass or another path: read it
                row = await s.get(Answer, answer_id)
                if row is None or row.status != "scoring":
                    return None
                answer = Claimed(row.id, row.member_id, row.question_id, row.text)
            question = await self.ctx.catalog.question_for_row(s, answer.question_id)
            shown = await self._shown_before(s, answer)
        try:
            verdict = await self.judge.grade(question, answer.text, shown=shown)
        except JudgeError as exc:
            self._notify("failed", str(exc))
            await self._failed(answer_id, exc)
            return None
        self._notify("scored", verdict)
        member_lock = self._member_locks.setdefault(answer.member_id, asyncio.Lock())
        async with member_lock:
            try:
                recorded = await self._record(answer_id, verdict)
            except IntegrityError:
                # Another process recorded this score, or raced us creating the same person's streak
                # or stats row. In the second case put the answer straight back in the queue.
                await self._requeue_unless_scored(answer_id)
                return None
        return recorded

    @staticmethod
    async def _shown_before(s: AsyncSession, answer: Claimed) -> list[str]:
        """Feedback and follow-ups this person was shown for earlier tries at the same question (any
        version of it): a revision that pastes them back earns no credit for them."""
        qid = select(QuestionRow.qid).where(QuestionRow.id == answer.question_id).scalar_subquery()
        rows = (await s.execute(
            select(Score.feedback, Score.follow_up).join(Answer, Answer.id == Score.answer_id)
            .join(QuestionRow, QuestionRow.id == Answer.question_id)
            .where(Answer.member_id == answer.member_id, QuestionRow.qid == qid, Answer.id != answer.id)
            .order_by(Score.id.desc()).limit(SHOWN_TRIES)
        )).all()
        return [text for row in rows for text in (row.feedback, row.follow_up) if text]

    async def _record(self, answer_id: int, verdict: Verdict) -> tuple[Route, ScoreReply] | None:
        """Store the score and its effects, and claim its reply, in one transaction: lock the person, one
        joined read of everything the score updates, then the writes at commit."""
        now = self.ctx.clock.now()
        async with self.ctx.sessions.begin() as s:
            got = await progress.load_for_score(s, answer_id, now)
            if got is None:
                return None
            answer = got.answer
            # A held verdict waits for an admin like any flagged answer; an abstained one has nothing to
            # review and counts for nothing. Neither shows a number (render.score_reply).
            flags = sorted(set(verdict.flags) | status_flags(verdict.status))
            feedback = verdict.feedback
            if verdict.status == "held" and verdict.status_reason:
                feedback = f"{verdict.status_reason}\n{feedback}".strip()
            score = Score(
                answer_id=answer_id, total=verdict.total, criteria=[asdict(c) for c in verdict.criteria],
                feedback=feedback, follow_up=verdict.follow_up, flags=flags,
                review_state="flagged" if flags and verdict.status != "abstained" else "none", counts=not flags,
                judge_id=verdict.judge_id or self.judge.id, offline=verdict.offline,
                input_tokens=verdict.usage.input_tokens, cached_tokens=verdict.usage.cached_tokens,
                output_tokens=verdict.usage.output_tokens, cost_usd=verdict.cost_usd,
                reasoning_tokens=verdict.usage.reasoning_tokens,
                latency_ms=verdict.latency_ms, created_at=now, streak_note="",
            )
            s.add(score)
            change = await progress.apply_score(self.ctx, s, got, score)
            score.streak_note = progress.streak_note(change)  # stored, so a resent reply says the same
            mode = got.channel.feedback_mode if got.channel is not None else None
            route = Route(answer.thread_key, answer.message_key, got.member.user_key, mode)
            name, practice, question_row = got.member.display_name, answer.practice_id is not None, answer.question_id
        return route, await self._reply(answer_id, score, name, practice, question_row)

    async def _requeue_unless_scored(self, answer_id: int) -> None:
        async with self.ctx.sessions.begin() as s:
            if await s.scalar(select(Score.id).where(Score.answer_id == answer_id)) is not None:
                log.info("answer already scored elsewhere", extra={"answer": answer_id})
                return
            await s.execute(update(Answer).where(Answer.id == answer_id, Answer.status == "scoring")
                            .values(status="pending", next_attempt_at=self.ctx.clock.now())
                            .execution_options(synchronize_session=False))
        log.info("score write conflicted; retrying", extra={"answer": answer_id})

    async def _failed(self, answer_id: int, error: JudgeError) -> None:
        """Apply the failure policy (bot/rules/failures.py): retry, wait, or fail fast with an alert."""
        now = self.ctx.clock.now()
        text = str(error)
        async with self.ctx.sessions.begin() as s:
            answer = await s.get(Answer, answer_id)
            if answer is None or answer.status != "scoring":
                return
            plan = failures.plan(error, answer.attempts, now, self.max_attempts)
            answer.attempts, answer.status, answer.next_attempt_at = plan.attempts, plan.status, plan.next_attempt_at
            answer.last_error = text[:500]
            notify = plan.failed or not answer.pending_notice_sent
            answer.pending_notice_sent = True
        fields = {"answer": answer_id, "attempt": plan.attempts, "kind": plan.kind.value, "action": plan.action.value,
                  "error": text[:200]}
        if plan.alert:
            # An operator must act (fix the key, look at a refused answer); retrying would only pay again.
            log.error("operator alert: judge failure will not pass on its own", extra=fields)
            self._notify("alert", f"{plan.kind.value}: {text[:200]}")
        else:
            log.warning("judge failed", extra=fields)
        if notify:
            who = await self._who(answer_id)
            await self._send(answer_id, render.failed_notice(who) if plan.failed else render.pending_notice(who))

    async def retry_failed(self) -> int:
        """An admin's retry: failed answers become pending again."""
        async with self.ctx.sessions.begin() as s:
            res = await s.execute(update(Answer).where(Answer.status == "failed")
                                  .values(status="pending", attempts=0, next_attempt_at=self.ctx.clock.now())
                                  .execution_options(synchronize_session=False))
            return res.rowcount or 0  # type: ignore[attr-defined]

    async def _who(self, answer_id: int) -> str:
        async with self.ctx.sessions() as s:
            row = (await s.execute(select(Member.display_name, Answer.practice_id).join(Answer)
                                   .where(Answer.id == answer_id))).first()
        return user_text(row.display_name, 80) if row and row.practice_id is None else ""

    async def _claim_reply(self, answer_id: int) -> bool:
        """Only one process sends a given score reply; a claim older than the lease may be retaken."""
        now = self.ctx.clock.now()
        async with self.ctx.sessions.begin() as s:
            res = await s.execute(
                update(Answer).where(Answer.id == answer_id, Answer.reply_sent.is_(False),
                                     or_(Answer.reply_claimed_at.is_(None), Answer.reply_claimed_at <= now - LEASE))
                .values(reply_claimed_at=now).execution_options(synchronize_session=False)
            )
            return res.rowcount == 1  # type: ignore[attr-defined]

    async def _deliver(self, answer_id: int) -> None:
        """The sweep's path: send a stored score's reply that was never sent."""
        if not await self._claim_reply(answer_id):
            return
        route = await self._route(answer_id)
        async with self.ctx.sessions() as s:
            row = (await s.execute(
                select(Answer.practice_id, Answer.question_id, Score, Member.display_name)
                .join(Score, Score.answer_id == Answer.id)
                .join(Member, Member.id == Answer.member_id).where(Answer.id == answer_id)
            )).first()
        if row is None or route is None:
            return
        practice_id, question_row, score, name = row
        reply = await self._reply(answer_id, score, name, practice_id is not None, question_row)
        await self._send_reply(answer_id, route, reply)

    async def _reply(self, answer_id: int, score: Score, display_name: str, practice: bool,
                     question_row: int) -> ScoreReply:
        """The one builder of a score reply, from the stored score: the fresh and the resend path both
        use it, so a reply resent after an outage is the reply the person would have had."""
        view = render.ScoreView(score.total, score.criteria, score.feedback, score.follow_up, score.flags,
                                score.offline, score.judge_id, answer_id=answer_id)
        text = ScoreText("" if practice else user_text(display_name, 80), practice, score.streak_note)
        # Practice: after the score, show the model answer and what the interviewer was probing for.
        if not practice:
            return ScoreReply(view, text, None)
        async with self.ctx.sessions() as s:  # the catalog caches it: no query once seen
            question = await self.ctx.catalog.question_for_row(s, question_row)
        return ScoreReply(view, text, render.practice_reveal(question))

    async def _send_reply(self, answer_id: int, route: Route, reply: ScoreReply) -> None:
        """Post a score reply (fresh or resent) and record it sent; in a channel round the hints go privately
        after it, in practice the model answer. Only the thread reply decides `sent`: a private note that
        fails is logged, never a second public reply, and a person who blocks DMs still gets the score."""
        message, note = render.score_replies(reply.view, who=reply.text.who, streak_note=reply.text.streak_note,
                                             practice=reply.text.practice, private_hints=route.hints_apart)
        sent = await self._post(answer_id, route, message)
        await self._finish_reply(answer_id, sent)
        if not sent:
            return
        if note is not None:
            try:
                await self.ctx.platform_for(route.thread_key).private_note(route.thread_key, route.user_key, note)
            except Exception:
                log.exception("private feedback note failed", extra={"answer": answer_id})
        if reply.reveal is not None:
            await self._post(answer_id, route, reply.reveal)

    async def _finish_reply(self, answer_id: int, sent: bool) -> None:
        """Record a sent reply, or release the claim so the unsent-reply sweep tries again."""
        values = {"reply_sent": True} if sent else {"reply_claimed_at": None}
        async with self.ctx.sessions.begin() as s:
            await s.execute(update(Answer).where(Answer.id == answer_id).values(**values)
                            .execution_options(synchronize_session=False))

    async def _route(self, answer_id: int) -> Route | None:
        async with self.ctx.sessions() as s:
            row = (await s.execute(
                select(Answer.thread_key, Answer.message_key, Member.user_key, Channel.feedback_mode)
                .join(Member, Member.id == Answer.member_id)
                .outerjoin(Round, Round.id == Answer.round_id)
                .outerjoin(Channel, Channel.id == Round.channel_id)
                .where(Answer.id == answer_id)
            )).first()
        if row is None:
            return None
        return Route(row.thread_key, row.message_key, row.user_key, row.feedback_mode)

    async def _post(self, answer_id: int, route: Route, msg: Message) -> bool:
        platform = self.ctx.platform_for(route.thread_key)
        try:
            if route.private:
                await platform.dm(route.user_key, msg)
            else:
                await platform.reply(route.thread_key, msg, reply_to=route.message_key.split("#")[0])
        except Exception:
            log.exception("reply failed; will retry", extra={"answer": answer_id})
            return False
        return True

    async def _send(self, answer_id: int, msg: Message) -> bool:
        """A notice about an answer (score coming, could not score), routed like its score reply."""
        route = await self._route(answer_id)
        return route is not None and await self._post(answer_id, route, msg)

    async def deliver_unsent(self, limit: int = 100) -> None:
        """Replies that failed to send (platform down) are sent on a later pass; none are lost."""
        async with self.ctx.sessions() as s:
            ids = (await s.scalars(
                select(Answer.id).where(Answer.status == "scored", Answer.reply_sent.is_(False),
                                        Answer.deleted.is_(False)).limit(limit)
            )).all()
        for answer_id in ids:
            await self._deliver(answer_id)


async def pending_count(ctx: Context) -> int:
    async with ctx.sessions() as s:
        return await s.scalar(select(func.count(Answer.id)).where(
            or_(Answer.status == "pending", Answer.status == "scoring"), Answer.deleted.is_(False))) or 0
