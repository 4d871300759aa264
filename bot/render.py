"""Every message the core sends, built once and platform-neutral. Adapters only restyle them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bank.schema import Question, category_label
from bot import syntax
from bot.messages import Button, Field, Message, shown_text, user_text
from bot.ports import SCORING_NOTES

MARK = {"met": "✅ met", "partial": "🟡 partial", "missed": "❌ missed"}
FLAG_TEXT = {
    "empty": "the answer is empty",
    "too_short": "the answer is very short",
    "off_topic": "the answer does not seem to address the question",
    "copied_question": "the answer mostly repeats the question",
    "injection_suspected": "the answer contains instructions aimed at the grader",
    "stuffing": "the answer looks like a list of keywords rather than an explanation",
}

HELP_LINES = [
    ("practice [category]", "a private practice question in DM, aimed at your weak categories (category: e.g. "
                            "evals, system design)"),
    ("next", "another practice question, in the category you chose last"),
    ("stats [@user]", "streak, points and per-category results"),
    ("leaderboard [week|all]", "this week's (or all-time) top 10 in this channel"),
    ("streak", "your current streak and freezes"),
    ("timezone [Europe/Berlin|reset]", "your own time zone: it decides your practice days and streak"),
    ("me", "your progress card: streak, points, strength and trend charts, due reviews, recent feedback"),
    ("config [setting value]", "admins: post time, timezone, weekdays, categories, feedback mode"),
    ("post", "admins: post today's question now (enables the channel if needed)"),
    ("skip", "in DM: skip the practice question; admins in a channel: skip today's round"),
    ("review [clear|confirm ID]", "admins: flagged answers and disputes waiting for a decision"),
    ("review score ID 7.5 [criterion=met ...]", "admins: rule on a dispute"),
    ("interview [category] [--questions N]", "a mock interview in DM with follow-ups; hint, skip, end"),
    ("dispute [#ANSWER] [reason]", "ask an admin to review your last score"),
    ("optout leaderboard|reminders|summary / optin ...", "privacy and notification choices"),
    ("forget-me", "delete everything drillbot stores about you"),
    ("help", "this list"),
]


def help_message(platform: object | None = None, note: str = "") -> Message:
    """The command list as typed on `platform` (bot.syntax: `/drill stats`, Discord admins `/drill-admin ...`)."""
    fields = [Field(syntax.usage(platform, cmd), desc) for cmd, desc in HELP_LINES]
    text = "Answer the daily question by replying in its thread. Commands:"
    if note:
        text = f"{note}\n\n{text}"
    return Message(title="drillbot help", text=text, fields=fields, kind="help")


def error(text: str, hint: str = "") -> Message:
    return Message(text=text + (f"\n{hint}" if hint else ""), kind="error")


def info(text: str, title: str = "") -> Message:
    return Message(text=text, title=title, kind="info")


def _when(moment: datetime, tz: str) -> str:
    return moment.astimezone(ZoneInfo(tz)).strftime("%a %d %b %H:%M %Z")


def question_post(q: Question, day: date, closes_at: datetime, tz: str) -> Message:
    level = "●" * q.difficulty + "○" * (3 - q.difficulty)
    return Message(
        title=f"Question of the day · {category_label(q.category)} · {level}",
        text=q.prompt,
        fields=[Field("How to answer", "Reply in this thread. You can answer more than once; your best score counts.")],
        footer=f"{day.isoformat()} · open until {_when(closes_at, tz)} · id {q.id}",
        kind="question",
    )


def practice_question(q: Question, reason: str) -> Message:
    return Message(
        title=f"Practice · {category_label(q.category)}",
        text=q.prompt,
        fields=[Field("Why this one", reason)],
        footer=f"Reply here with your answer · id {q.id}",
        buttons=[Button("practice:skip", "Skip")],
        kind="question",
    )


@dataclass
class ScoreView:
    total: float
    criteria: list[dict]
    feedback: str
    follow_up: str
    flags: list[str]
    offline: bool
    judge_id: str
    answer_id: int | None = None  # set: the reply carries a Dispute button for this answer

    @property
    def status(self) -> str:
        """scored, held (an admin decides before any number is shown) or abstained (nothing to show)."""
        return next((f for f in ("abstained", "held") if f in self.flags), "scored")


def score_replies(view: ScoreView, *, who: str = "", streak_note: str = "", practice: bool = False,
                  private_hints: bool = False) -> tuple[Message, Message | None]:
    """The score reply, and with `private_hints` (a channel round's thread) the hints and follow-up split
    off into a note for the person alone, so the channel does not read the rubric's gaps before answering."""
    if not private_hints or view.status != "scored" or not (_split_scoring_note(view.feedback)[1] or view.follow_up):
        return score_reply(view, who=who, streak_note=streak_note, practice=practice), None
    public = score_reply(view, who=who, streak_note=streak_note, practice=practice, hints=False)
    note = Message(title="Your feedback (only you can see this)", text="\n\n".join(_hint_lines(view)), kind="hints")
    return public, note


def _split_scoring_note(feedback: str) -> tuple[str, str]:
    """(how this was scored, the feedback proper): the first explains the score to everyone reading it."""
    for note in SCORING_NOTES:
        if feedback.startswith(note):
            return note, feedback[len(note):].lstrip("\n")
    return "", feedback


def _hint_lines(view: ScoreView) -> list[str]:
    lines = []
    feedback = _split_scoring_note(view.feedback)[1]
    if feedback:  # judge feedback quotes the answer: neutralise what the answer may carry
        lines.append(shown_text(feedback))
    if view.follow_up:
        lines.append(f"Next an interviewer might ask: {shown_text(view.follow_up)}")
    return lines


def score_reply(view: ScoreView, *, who: str = "", streak_note: str = "", practice: bool = False,
                hints: bool = True) -> Message:
    if view.status != "scored":
        return _unscored_reply(view, who=who, practice=practice)
    fields = []
    for c in view.criteria:
        value = MARK.get(c.get("verdict", "missed"), c.get("verdict", ""))
        evidence = c.get("evidence") or ""
        if evidence and c.get("verdict") != "missed":
            value += f" · “{user_text(evidence, 140)}”"
        fields.append(Field(user_text(c.get("text") or c.get("id", ""), 120), value))
    note = _split_scoring_note(view.feedback)[0]
    lines = ([note] if note else []) + (_hint_lines(view) if hints else [])
    if view.flags:
        reasons = "; ".join(FLAG_TEXT.get(f, f) for f in view.flags)
        lines.append(f"Held for review: {reasons}. This answer earns no points or streak day unless an admin "
                     "clears it.")
    if streak_note:
        lines.append(streak_note)
    footer = "Scored by the offline rubric scorer" if view.offline else f"Scored by {view.judge_id}"
    title = f"{who + ': ' if who else ''}{view.total:.1f}/10"
    return Message(
        title=title,
        text="\n\n".join(lines),
        fields=fields,
        footer=footer,
        buttons=([Button("practice:next", "Next question")] if practice else [])
        + ([Button(f"dispute:{view.answer_id}", "Dispute")] if view.answer_id is not None else []),
        kind="score",
    )


def _unscored_reply(view: ScoreView, *, who: str, practice: bool) -> Message:
    """Never a made-up number: a held answer says it waits for an admin, an abstained one says why."""
    prefix = f"{who}: " if who else ""
    if view.status == "abstained":
        title = f"{prefix}not scored"
        text = shown_text(view.feedback) or "The judge could not grade this answer fairly."
        text += "\n\nNothing was counted: no points, no streak day, no category result."
    else:
        title = f"{prefix}held for review, not scored"
        reasons = [FLAG_TEXT[f] for f in view.flags if f in FLAG_TEXT]
        text = shown_text(view.feedback.split("\n", 1)[0]) if view.feedback else "Held for review."
        if reasons:
            text += f"\n\nWhy: {'; '.join(reasons)}."
        text += "\n\nAn admin will look at it; it earns no points or streak day unless they clear it."
    footer = "Offline rubric scorer" if view.offline else f"Judge: {view.judge_id}"
    return Message(
        title=title, text=text, footer=footer, kind="score",
        buttons=([Button("practice:next", "Next question")] if practice else [])
        + ([Button(f"dispute:{view.answer_id}", "Dispute")] if view.answer_id is not None else []),
    )


def pending_notice(who: str = "") -> Message:
    return Message(
        text=f"{who + ': ' if who else ''}answer received, score coming. The judge is busy or unreachable; "
        "your answer is saved and will be scored as soon as it is back.",
        kind="pending",
    )


def failed_notice(who: str = "") -> Message:
    return Message(
        text=f"{who + ': ' if who else ''}your answer is saved but could not be scored yet. No score is shown "
        "rather than a guessed one; an admin can retry scoring.",
        kind="pending",
    )


def round_closed(q: Question, answers: int, practice_command: str = "/drill practice") -> Message:
    """`practice_command`: how the channel's people type `practice` (bot.syntax.usage_for the thread)."""
    fields = [Field("Rubric", "\n".join(f"• {c.text}" for c in q.rubric))] if q.rubric else []
    if q.probing:
        fields.append(Field("What the interviewer was probing for", q.probing))
    if q.follow_ups:
        fields.append(Field("Follow-up to think about", q.follow_ups[0].prompt))
    return Message(
        title="Round closed · model answer",
        text=q.model_answer,
        fields=fields,
        footer=f"{answers} answer(s) this round. Keep practising in DM with {practice_command}.",
        kind="reveal",
    )


def practice_reveal(q: Question) -> Message:
    """Sent after a practice answer's score: the model answer and what the question was probing for."""
    fields = [Field("What the interviewer was probing for", q.probing)] if q.probing else []
    return Message(title="Model answer", text=q.model_answer, fields=fields, kind="reveal",
                   footer=f"id {q.id}")


def table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows)
