"""Mock interviews in a DM: ask, grade, push on the weakest criterion with a follow-up, then move on.

A session is rows, not memory: every prompt is an `InterviewTurn`, stored before it is sent, and every
answer is stored before it is graded, so a restart resumes exactly where the person left off. A
question's first answer is also an ordinary scored `Answer` (no round), so it counts for streaks and
category stats through `progress.refresh_member` like any practice answer and never reaches a channel
leaderboard. Follow-ups are graded against their own rubric and stay inside the interview.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import timedelta

from sqlalchemy.exc import IntegrityError

from bank.schema import FollowUp, Question, category_label
from bot import render, syntax
from bot.clock import as_utc
from bot.events import AnswerEvent
from bot.messages import Button, Field, Message, user_text
from bot.ports import CREDIT, CriterionResult, Judge, JudgeError, Verdict
from bot.rules import categories, failures
from bot.services import directory, intake, practice, progress
from bot.services.context import Context
from bot.services.days import local_day
from bot.store.models import Answer, InterviewSession, InterviewTurn, Score
from bot.store.uow import UnitOfWork

log = logging.getLogger(__name__)

MAX_FOLLOW_UPS = 2
DEFAULT_QUESTIONS = 3
CONTROL = {"skip", "hint", "end"}


@dataclass
class Reply:
    """What the person sees next (already sent to their DM) and whether the session is over."""

    messages: list[Message]
    finished: bool = False


# Starting --------------------------------------------------------------------------------------------

def parse_args(args: Sequence[str], max_questions: int) -> tuple[str | None, int] | str:
    """`[category] [--questions N]` -> (category, n), or an error sentence."""
    n = DEFAULT_QUESTIONS
    named: list[str] = []  # the words that are not options: a category name, maybe of several words
    rest = list(args)
    while rest:
        word = rest.pop(0).lower()
        if word in ("--questions", "-n", "--n"):
            if not rest or not rest[0].isdigit():
                return "`--questions` needs a whole number."
            n = int(rest.pop(0))
        elif word.startswith("--questions="):
            value = word.split("=", 1)[1]
            if not value.isdigit():
                return "`--questions` needs a whole number."
            n = int(value)
        else:
            named.append(word)
    found = categories.read_categories(named)
    if found is None:
        return categories.unknown(" ".join(named))
    if len(found) > 1:
        return "An interview takes one category at most."
    category = found[0] if found else None
    if not 1 <= n <= max_questions:
        return f"An interview has 1 to {max_questions} questions."
    return category, n


async def start(ctx: Context, user_key: str, display_name: str, category: str | None, planned: int, *,
                workspace_key: str = "") -> Message:
    """Open a session (ending any active one) and DM its first question."""
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        m = await directory.member(ctx, uow, user_key, display_name, workspace_key)
        await uow.interviews.end_active(m.id, now)
        member_id = m.id
    first = await practice.pick(ctx, user_key, display_name, category)
    if first.question is None:
        return render.error("No interview question matches that right now.",
                            f"Try `{syntax.usage_for(ctx, user_key, 'interview')}` without a category.")
    intro = Message(kind="question", title="Mock interview",
                    text=f"{planned} question(s), each followed by up to {MAX_FOLLOW_UPS} follow-ups on your "
                         "weakest point. Answer here in your own words. `hint` gives a nudge (costs "
                         f"{ctx.settings.interview_hint_penalty:g} point), `skip` moves on, `end` stops and "
                         "shows the summary.")
    platform = ctx.platform_for(user_key)
    posted = await platform.dm(user_key, intro)
    async with ctx.uow() as uow:
        session_id = await uow.interviews.add(InterviewSession(
            member_id=member_id, thread_key=posted.thread_key, category=category, planned=planned, status="active",
            started_at=now, last_activity_at=now))
        await uow.interviews.add_turn(_question_turn(session_id, 1, 1, first.question.id, first.question.prompt, now))
    await platform.dm(user_key, _prompt_message(ctx, 1, planned, 0, first.question.prompt,
                                                category_label(first.question.category), first.reason))
    return render.info("I started a mock interview in a direct message. Answer there.")


def _question_turn(session_id: int, seq: int, number: int, qid: str, prompt: str, now) -> InterviewTurn:  # type: ignore[no-untyped-def]
    return InterviewTurn(session_id=session_id, seq=seq, number=number, follow_up=0, qid=qid, prompt=prompt,
                         probe="", status="asked", text="", hints=0, criteria=[], feedback="", note="",
                         judge_id="", input_tokens=0, cached_tokens=0, output_tokens=0, cost_usd=0.0,
                         asked_at=now)


def _prompt_message(ctx: Context, number: int, planned: int, follow_up: int, prompt: str, label: str,
                    why: str = "") -> Message:
    if follow_up:
        title = f"Question {number} of {planned} · follow-up {follow_up}"
    else:
        title = f"Question {number} of {planned} · {label}"
    return Message(kind="question", title=title, text=prompt, footer=why)


# Answers, hints, skips ---------------------------------------------------------------------------------

async def active_for(ctx: Context, uow: UnitOfWork, user_key: str, thread_key: str) -> InterviewSession | None:
    m = await directory.find_member(uow, user_key)
    if m is None:
        return None
    return await uow.interviews.active_in(m.id, thread_key)


async def has_active(ctx: Context, user_key: str) -> bool:
    """Whether the person has an interview waiting for them (a terminal restart resumes typing into it)."""
    async with ctx.uow() as uow:
        m = await directory.find_member(uow, user_key)
        return m is not None and await uow.interviews.has_active(m.id)


async def on_message(ctx: Context, judge: Judge, event: AnswerEvent) -> Reply | None:
    """A DM in a thread with an active interview; None when there is none (the caller carries on)."""
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        session = await active_for(ctx, uow, event.user_key, event.thread_key)
        if session is None:
            return None
        session_id = session.id
        idle = now - as_utc(session.last_activity_at)
    if idle > timedelta(minutes=ctx.settings.interview_idle_minutes):
        note = (f"This interview expired after {ctx.settings.interview_idle_minutes} idle minutes, so your "
                f"message was not taken as an answer. Start a new one with "
                f"`{syntax.usage_for(ctx, event.user_key, 'interview')}`.")
        return await finish(ctx, session_id, "expired", note)
    word = event.text.strip().lower().removeprefix("/drill").strip().lstrip("/")
    if word in CONTROL:
        if word == "end":
            return await finish(ctx, session_id, "ended", "You ended the interview.")
        if word == "hint":
            return await _hint(ctx, session_id)
        return await _skip(ctx, session_id)
    text = event.text.replace("\x00", "").strip()
    if intake.is_blank(text):
        return await _send(ctx, event.user_key, Reply([render.error("That answer is empty.")]))
    if len(text) > ctx.settings.max_answer_chars:
        return await _send(ctx, event.user_key, Reply([render.error(
            f"That answer is {len(text):,} characters; the limit is {ctx.settings.max_answer_chars:,}.",
            "Trim it to the key points, as you would in an interview.")]))
    async with ctx.uow() as uow:  # the same hourly cap as every answer, counted by arrival
        owner = await uow.interviews.owner(session_id)
        limited = None if owner is None else await intake.rate_limited(ctx, uow, owner, now)
    if limited is not None:
        return await _send(ctx, event.user_key, Reply([limited]))
    # Store before grading: a crash from here on leaves an `answered` turn that `resume` grades. The
    # conditional update and the unique message key make a redelivered or concurrent message a no-op.
    try:
        async with ctx.uow() as uow:
            turn = await uow.interviews.current_turn(session_id)
            if turn is None:
                return Reply([])
            if not await uow.interviews.take_answer(turn.id, text, event.message_key):
                return Reply([])
            (await uow.interviews.get(session_id)).last_activity_at = now  # type: ignore[union-attr]
            turn_id = turn.id
    except IntegrityError:
        return Reply([])  # this platform message already answered an earlier prompt
    return await _grade_and_advance(ctx, judge, turn_id, event.message_key)


async def _user_of(ctx: Context, session_id: int) -> str:
    async with ctx.uow() as uow:
        user_key = await uow.interviews.user_key(session_id)
    assert user_key is not None
    return user_key


async def _send(ctx: Context, user_key: str, reply: Reply) -> Reply:
    platform = ctx.platform_for(user_key)
    for message in reply.messages:
        await platform.dm(user_key, message)
    return reply


async def _hint(ctx: Context, session_id: int) -> Reply:
    """A nudge towards the shape of a good answer; it never quotes the rubric."""
    async with ctx.uow() as uow:
        turn = await uow.interviews.current_turn(session_id)
        if turn is None or turn.status != "asked":
            return Reply([])
        turn.hints += 1
        (await uow.interviews.get(session_id)).last_activity_at = ctx.clock.now()  # type: ignore[union-attr]
        question = ctx.catalog.get(turn.qid)
        follow_up, hints = turn.follow_up, turn.hints
    penalty = ctx.settings.interview_hint_penalty
    if follow_up:
        nudge = ("Stay on the one point the follow-up asks about: say what you would do, why, and what it "
                 "costs or risks. A concrete example beats a definition.")
    else:
        heaviest = max((c.weight for c in question.rubric), default=1) if question else 1
        count = len(question.rubric) if question else 3
        nudge = (f"A strong answer covers about {count} separate points, and the most important one carries "
                 f"{heaviest}x the weight of a minor one. Start with the decision and its trade-off, then give "
                 "one concrete example from a real system, then say how you would check it works.")
    text = f"{nudge}\n\nHints so far on this answer: {hints} (−{penalty * hints:g} point(s))."
    return await _send(ctx, await _user_of(ctx, session_id), Reply([Message(kind="info", title="Hint", text=text)]))


async def _skip(ctx: Context, session_id: int) -> Reply:
    async with ctx.uow() as uow:
        turn = await uow.interviews.current_turn(session_id)
        if turn is None:
            return Reply([])
        if turn.status == "asked":
            turn.status = "skipped"
        number = turn.number
    return await _next_question(ctx, session_id, number, [Message(kind="info", text="Skipped.")])


# Grading -----------------------------------------------------------------------------------------------

def follow_up_question(parent: Question, prompt: str, number: int, probe: str = "") -> tuple[Question, bool]:
    """A follow-up as a gradable question, and whether its rubric is written. Without one the judge
    grades against the parent's model answer (the LLM judge derives its criteria from it)."""
    written = next((f for f in parent.follow_ups if f.prompt == prompt), None)
    rubric = list(written.rubric) if written is not None else []
    q = Question(id=f"{parent.id}-f{number}", category=parent.category, difficulty=parent.difficulty,
                 prompt=prompt if len(prompt) >= 10 else f"{prompt} (follow-up)",
                 model_answer=focus(parent.model_answer, f"{prompt} {probe}"), rubric=rubric, probing=probe)
    return q, bool(rubric)


def focus(reference: str, about: str, sentences: int = 4) -> str:
    """The part of a model answer a follow-up is about: the run of sentences sharing the most words with
    it. A follow-up probes one point, so grading it against the whole answer would derive criteria for
    points it never asked about (and pay for them in tokens)."""
    parts = [p.strip() for p in reference.replace("\n", " ").split(". ") if p.strip()]
    if len(parts) <= sentences:
        return reference
    target = {w.rstrip("s") for w in _words(about)}

    def hits(i: int) -> int:  # every mention counts: a passage about cost says "cost" more than once
        text = "".join(ch.lower() if ch.isalnum() else " " for ch in " ".join(parts[i:i + sentences]))
        return sum(w.rstrip("s") in target for w in text.split() if len(w) > 3)

    best = max(range(len(parts) - sentences + 1), key=lambda i: (hits(i), -i))
    text = ". ".join(parts[best:best + sentences])
    return text if text.endswith((".", "?", "!")) else text + "."


async def _grade_and_advance(ctx: Context, judge: Judge, turn_id: int, message_key: str) -> Reply:
    async with ctx.uow() as uow:
        turn = await uow.interviews.turn(turn_id)
        assert turn is not None
        session = await uow.interviews.get(turn.session_id)
        assert session is not None
        parent = ctx.catalog.get(turn.qid)
        text, hints, follow_up, number, session_id = turn.text, turn.hints, turn.follow_up, turn.number, session.id
    user_key = await _user_of(ctx, session_id)
    if parent is None:  # the question left the bank mid-session
        return await _next_question(ctx, session_id, number, [])
    if follow_up:
        question, written = follow_up_question(parent, turn.prompt, turn.follow_up, turn.probe)
    else:
        question, written = parent, True
    try:
        verdict = await judge.grade(question, text)
    except JudgeError as exc:
        # The same failure table as the worker; the person resends, so only the advice and the alert differ.
        kind = failures.kind_of(exc)
        fields = {"turn": turn_id, "kind": kind.value, "error": str(exc)[:200]}
        if failures.POLICY[kind] is failures.Action.FAIL_FAST:
            log.error("operator alert: judge failure will not pass on its own", extra=fields)
        else:
            log.warning("interview grading failed", extra=fields)
        async with ctx.uow() as uow:
            row = await uow.interviews.turn(turn_id)
            row.status = "asked"  # type: ignore[union-attr]
        when = "tomorrow, when today's grading budget is fresh" if kind is failures.Kind.BUDGET else "in a minute"
        return await _send(ctx, user_key, Reply([render.error(
            "I could not grade that answer just now (the judge is unavailable).",
            f"Send it again {when}, or `skip` / `end`.")]))
    if verdict.status == "abstained":
        # The judge could not grade this fairly (e.g. a language it cannot read): nothing is counted.
        await _record(ctx, turn_id, verdict, 0, None, ungraded=True)
        note = verdict.status_reason or "The judge could not grade this answer fairly, so it is not scored."
        return await _advance(ctx, judge, turn_id, Verdict([]), [Message(kind="info", text=note)])
    if follow_up and not written and verdict.offline:
        # The offline scorer has no way to invent a fair rubric; grading against a guess would mislead.
        await _record(ctx, turn_id, verdict, 0, None, ungraded=True)
        note = ("Not graded: this follow-up has no written rubric and the offline scorer grades only "
                "follow-ups with one. The LLM judge derives a rubric for these.")
        # With no grade of its own, the next follow-up pushes on the first answer's next-weakest point.
        remaining = await _unprobed_gaps(ctx, session_id, number)
        return await _advance(ctx, judge, turn_id, Verdict(remaining), [Message(kind="info", text=note)])
    penalty = min(verdict.total, ctx.settings.interview_hint_penalty * hints)
    answer_id = None
    if not follow_up:
        answer_id = await _record_answer(ctx, session_id, turn_id, message_key, question, text, verdict, penalty)
    await _record(ctx, turn_id, verdict, penalty, answer_id)
    total = round(verdict.total - penalty, 1)
    shown = Message(kind="score", title=f"{total:.1f}/10" + (f" (−{penalty:g} for hints)" if penalty else ""),
                    text=verdict.feedback or "",
                    fields=[Field(user_text(c.text or c.id, 120), render.MARK.get(c.verdict, c.verdict))
                            for c in verdict.criteria],
                    footer="Scored by the offline rubric scorer" if verdict.offline else
                    f"Scored by {verdict.judge_id or judge.id}",
                    buttons=[Button(f"dispute:{answer_id}", "Dispute")] if answer_id is not None else [])
    return await _advance(ctx, judge, turn_id, verdict, [shown])


async def _unprobed_gaps(ctx: Context, session_id: int, number: int) -> list[CriterionResult]:
    """The first answer's criteria for a question, minus the ones a follow-up already pushed on."""
    async with ctx.uow() as uow:
        turns = await uow.interviews.turns(session_id, number)
    probed = {t.probe for t in turns}
    return [CriterionResult(c["id"], c["verdict"], c.get("evidence", ""), int(c.get("weight", 1)), c.get("text", ""))
            for c in turns[0].criteria if (c.get("text") or c.get("id")) not in probed]


async def _record_answer(ctx: Context, session_id: int, turn_id: int, message_key: str, question: Question,
                         text: str, verdict: Verdict, penalty: float) -> int:
    """The first answer to a question becomes a scored Answer, counted through the one progress path."""
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        session = await uow.interviews.get(session_id)
        assert session is not None
        member = await uow.people.get(session.member_id)
        assert member is not None
        existing = await uow.answers.by_message_key(message_key)
        if existing is not None:  # a redelivered message: the first grade stands
            return existing.id
        day = await local_day(ctx, uow, member, now)
        answer = Answer(message_key=message_key, member_id=member.id, round_id=None, practice_id=None,
                        question_id=ctx.catalog.row_id(question.id), thread_key=session.thread_key, text=text,
                        day=day, submitted_at=now, status="scored", next_attempt_at=now, reply_sent=True)
        flags = sorted(set(verdict.flags))
        held = bool(flags) or verdict.status == "held"  # held: kept out of stats until an admin decides
        total = round(verdict.total - penalty, 1)
        answer_id = await uow.interviews.add_scored_answer(answer, Score(
            total=total, criteria=[asdict(c) for c in verdict.criteria],
            feedback=verdict.feedback, follow_up=verdict.follow_up, flags=flags,
            review_state="flagged" if held else "none", counts=not held,
            judge_id=verdict.judge_id, offline=verdict.offline,
            input_tokens=verdict.usage.input_tokens, cached_tokens=verdict.usage.cached_tokens,
            output_tokens=verdict.usage.output_tokens, cost_usd=verdict.cost_usd,
            latency_ms=verdict.latency_ms, created_at=now))
        if not held:
            await progress.record_review(uow, member.id, question.id, total, day)
        await progress.refresh_member(ctx, uow, member.id)
        return answer_id


async def _record(ctx: Context, turn_id: int, verdict: Verdict, penalty: float, answer_id: int | None, *,
                  ungraded: bool = False) -> None:
    async with ctx.uow() as uow:
        turn = await uow.interviews.turn(turn_id)
        assert turn is not None
        turn.status = "ungraded" if ungraded else "scored"
        turn.total = None if ungraded else round(verdict.total - penalty, 1)
        turn.criteria = [] if ungraded else [asdict(c) for c in verdict.criteria]
        turn.feedback = "" if ungraded else verdict.feedback
        turn.answer_id = answer_id
        turn.judge_id = verdict.judge_id
        turn.input_tokens, turn.cached_tokens = verdict.usage.input_tokens, verdict.usage.cached_tokens
        turn.output_tokens, turn.cost_usd = verdict.usage.output_tokens, verdict.cost_usd


def weakest(criteria: Sequence[CriterionResult]) -> CriterionResult | None:
    """The criterion with the most weight left unearned (ties: rubric order); None when all are met."""
    gaps = [(c.weight * (1 - CREDIT[c.verdict]), -i, c) for i, c in enumerate(criteria) if c.verdict != "met"]
    return max(gaps, key=lambda g: (g[0], g[1]))[2] if gaps else None


def _words(text: str) -> set[str]:
    return {w for w in "".join(ch.lower() if ch.isalnum() else " " for ch in text).split() if len(w) > 3}


def choose_follow_up(follow_ups: Sequence[FollowUp], asked: Sequence[str], gap: CriterionResult,
                     judge_follow_up: str) -> tuple[str, str] | None:
    """The written follow-up that best matches the gap (prompt and rubric words), else the judge's own."""
    target = _words(f"{gap.text} {gap.id}")
    best: tuple[int, FollowUp] | None = None
    for f in follow_ups:
        if f.prompt in asked:
            continue
        overlap = len(target & _words(f.prompt + " " + " ".join(c.text for c in f.rubric)))
        if best is None or overlap > best[0]:
            best = (overlap, f)
    if best is not None:
        return best[1].prompt, gap.text or gap.id
    if judge_follow_up and judge_follow_up not in asked and len(judge_follow_up) >= 5:
        return judge_follow_up, gap.text or gap.id
    return None


async def _advance(ctx: Context, judge: Judge, turn_id: int, verdict: Verdict, shown: list[Message]) -> Reply:
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        turn = await uow.interviews.turn(turn_id)
        assert turn is not None
        session_id, number, follow_up, qid = turn.session_id, turn.number, turn.follow_up, turn.qid
        asked = await uow.interviews.prompts(session_id, number)
        session = await uow.interviews.get(session_id)
        assert session is not None
        planned = session.planned
    parent = ctx.catalog.get(qid)
    gap = weakest(verdict.criteria)
    if follow_up < MAX_FOLLOW_UPS and gap is not None and parent is not None and verdict.status != "abstained":
        chosen = choose_follow_up(parent.follow_ups, asked, gap, verdict.follow_up)
        if chosen is not None:
            prompt, probe = chosen
            async with ctx.uow() as uow:
                last = await uow.interviews.current_turn(session_id)
                assert last is not None
                await uow.interviews.add_turn(InterviewTurn(session_id=session_id, seq=last.seq + 1, number=number,
                                    follow_up=follow_up + 1, qid=qid, prompt=prompt, probe=probe, status="asked",
                                    text="", hints=0, criteria=[], feedback="", note="", judge_id="",
                                    input_tokens=0, cached_tokens=0, output_tokens=0, cost_usd=0.0, asked_at=now))
            shown.append(_prompt_message(ctx, number, planned, follow_up + 1, prompt, "",
                                         "An interviewer pushes on your weakest point."))
            return await _send(ctx, await _user_of(ctx, session_id), Reply(shown))
    return await _next_question(ctx, session_id, number, shown)


async def _next_question(ctx: Context, session_id: int, number: int, shown: list[Message]) -> Reply:
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        session = await uow.interviews.get(session_id)
        assert session is not None
        planned, category = session.planned, session.category
        asked = await uow.interviews.asked_questions(session_id)
    user_key = await _user_of(ctx, session_id)
    if number >= planned:
        await _send(ctx, user_key, Reply(shown))
        return await finish(ctx, session_id, "done", "")
    nxt = await practice.pick(ctx, user_key, "", category, exclude=asked)
    if nxt.question is None:
        await _send(ctx, user_key, Reply(shown))
        return await finish(ctx, session_id, "done", "No more questions match this interview.")
    async with ctx.uow() as uow:
        last = await uow.interviews.current_turn(session_id)
        assert last is not None
        await uow.interviews.add_turn(_question_turn(session_id, last.seq + 1, number + 1, nxt.question.id,
                                                     nxt.question.prompt, now))
    shown.append(_prompt_message(ctx, number + 1, planned, 0, nxt.question.prompt,
                                 category_label(nxt.question.category), nxt.reason))
    return await _send(ctx, user_key, Reply(shown))


async def resume(ctx: Context, judge: Judge) -> int:
    """After a restart: grade answers that were stored but not graded when the process stopped."""
    async with ctx.uow() as uow:
        rows = await uow.interviews.ungraded_answers()
    for turn_id, session_id, seq in rows:
        await _grade_and_advance(ctx, judge, turn_id, f"interview:{session_id}:{seq}")
    return len(rows)


# The end -----------------------------------------------------------------------------------------------

async def finish(ctx: Context, session_id: int, status: str, note: str) -> Reply:
    now = ctx.clock.now()
    user_key = await _user_of(ctx, session_id)
    again = syntax.usage_for(ctx, user_key, "interview CATEGORY")
    async with ctx.uow() as uow:
        session = await uow.interviews.get(session_id)
        assert session is not None
        if session.status == "active":
            session.status, session.ended_at = status, now
        summary = summarise(ctx, await uow.interviews.turns(session_id), note, again=again)
    return await _send(ctx, user_key, Reply([summary], finished=True))


def summarise(ctx: Context, turns: list[InterviewTurn], note: str = "", again: str = "interview CATEGORY") -> Message:
    """Per question: score, what the follow-ups added, the probing point, the model answer; then two
    concrete things to study (the heaviest gaps of the session). `again`: how the person starts another
    interview on their platform (bot.syntax)."""
    fields: list[Field] = []
    gaps: list[tuple[float, str, str]] = []  # (unearned weight, criterion text, question id)
    scored: list[float] = []
    for number in sorted({t.number for t in turns}):
        mine = [t for t in turns if t.number == number]
        first = mine[0]
        question = ctx.catalog.get(first.qid)
        label = category_label(question.category) if question else first.qid
        lines: list[str] = []
        if first.status == "scored" and first.total is not None:
            scored.append(first.total)
            lines.append(f"First answer: {first.total:.1f}/10" + (f" ({first.hints} hint(s))" if first.hints else ""))
            for c in first.criteria:
                unearned = c.get("weight", 1) * (1 - CREDIT.get(c.get("verdict", "missed"), 0))
                if unearned > 0:
                    gaps.append((unearned, c.get("text") or c.get("id", ""), first.qid))
        else:
            lines.append("First answer: " + ("skipped" if first.status == "skipped" else "not answered"))
        for t in mine[1:]:
            probe = user_text(t.probe, 100)
            if t.status == "scored" and t.total is not None:
                trend = ""
                if first.total is not None:
                    trend = (" — improved on the first answer" if t.total > first.total else
                             " — no better than the first answer" if t.total < first.total else " — level")
                lines.append(f"Follow-up {t.follow_up} on “{probe}”: {t.total:.1f}/10{trend}")
            elif t.status == "ungraded":
                lines.append(f"Follow-up {t.follow_up} on “{probe}”: answered, not graded (no written rubric)")
            else:
                state = t.status if t.status != "asked" else "not answered"
                lines.append(f"Follow-up {t.follow_up} on “{probe}”: {state}")
        if question is not None:
            if question.probing:
                lines.append(f"What the interviewer probes: {question.probing}")
            lines.append(f"Model answer: {question.model_answer.strip()}")
        fields.append(Field(f"{number}. {label}", "\n".join(lines)))
    gaps.sort(key=lambda g: -g[0])
    study: list[str] = []
    for _, text, qid in gaps:
        item = f"{text} (from {qid})"
        if item not in study:
            study.append(item)
        if len(study) == 2:
            break
    if len(study) < 2:
        study += ["Re-answer the model answers above aloud in under two minutes each"][: 2 - len(study)]
        if len(study) < 2:
            study.append(f"Run one more interview in your weakest category: `{again}`")
    fields.append(Field("Two things to study", "\n".join(f"• {s}" for s in study)))
    mean = f"{sum(scored) / len(scored):.1f}/10 average over {len(scored)} answered question(s)" if scored else \
        "No question was answered"
    text = (note + "\n\n" if note else "") + mean + ". Interview answers count for your streak and category " \
        "stats, not for any channel leaderboard."
    return Message(kind="score", title="Interview summary", text=text, fields=fields)
