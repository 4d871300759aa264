"""The two ports the core talks through: a chat platform and a judge.

Adapters implement `Platform`; scoring/ implements `Judge`. The core imports neither side's libraries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable

from bank.schema import Question
from bot.messages import Message

CriterionMark = Literal["met", "partial", "missed"]
# scored: the total may be shown. held: a score was computed but must not be shown until an admin
# decides (flags that bound the score, judges that disagree). abstained: the judge could not grade this
# answer fairly (e.g. a language it cannot read); nothing is counted and the reply says why.
VerdictStatus = Literal["scored", "held", "abstained"]
CREDIT: dict[str, float] = {"met": 1.0, "partial": 0.5, "missed": 0.0}

FLAGS = ("empty", "too_short", "off_topic", "copied_question", "injection_suspected", "stuffing")
# Flags that mean the answer did not really attempt the question: no streak day.
NON_ATTEMPT_FLAGS = frozenset({"empty", "off_topic", "injection_suspected"})
# Stored beside the flags when a verdict was not "scored", so every later reader (the resend sweep, review,
# reports) knows no number may be shown. Judges never set these: they come from Verdict.status.
STATUS_FLAGS = ("held", "abstained")


def status_flags(verdict_status: str) -> set[str]:
    return {verdict_status} if verdict_status in STATUS_FLAGS else set()


@dataclass
class CriterionResult:
    id: str
    verdict: CriterionMark
    evidence: str = ""
    weight: int = 1
    text: str = ""


@dataclass
class Usage:
    input_tokens: int = 0
    cached_tokens: int = 0
    output_tokens: int = 0  # includes reasoning tokens, as providers bill them
    reasoning_tokens: int = 0  # the hidden reasoning part of output_tokens (reasoning models)

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.input_tokens + other.input_tokens,
            self.cached_tokens + other.cached_tokens,
            self.output_tokens + other.output_tokens,
            self.reasoning_tokens + other.reasoning_tokens,
        )


def compute_total(criteria: list[CriterionResult]) -> float:
    """0-10, one decimal, from verdicts and weights only: a judge never supplies the number."""
    weight = sum(c.weight for c in criteria)
    if weight <= 0:
        return 0.0
    earned = sum(c.weight * CREDIT[c.verdict] for c in criteria)
    return round(10 * earned / weight, 1)


# Why an answer was scored offline although an LLM judge is configured. The fallback writes one of these at
# the head of the feedback; the reply shows it publicly because it explains the score, not the answer's gaps.
FALLBACK_NOTE = "The LLM judge is unavailable right now, so this answer was scored by the offline rubric scorer."
BUDGET_NOTE = "Today's LLM grading budget is spent, so this answer was scored by the offline rubric scorer."
SCORING_NOTES = (FALLBACK_NOTE, BUDGET_NOTE)


@dataclass
class Verdict:
    criteria: list[CriterionResult]
    feedback: str = ""
    follow_up: str = ""
    flags: list[str] = field(default_factory=list)
    judge_id: str = ""
    offline: bool = False
    usage: Usage = field(default_factory=Usage)
    cost_usd: float = 0.0
    latency_ms: float = 0.0
    status: VerdictStatus = "scored"
    status_reason: str = ""  # one sentence for the person when held or abstained
    # Second opinions recorded by scoring/crosscheck.py: {"llm": 8.5, "offline": 2.0, "gap": 6.5}.
    checks: dict[str, float] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return compute_total(self.criteria)


class JudgeError(Exception):
    """The judge could not grade now; the answer stays pending and is retried later."""

    def __init__(self, message: str, *, retryable: bool = True, reason: str = ""):
        super().__init__(message)
        self.retryable = retryable
        # A short machine-readable cause for reports ("transport", "length", "wrong_shape", ...).
        self.reason = reason


@runtime_checkable
class Judge(Protocol):
    id: str

    # `shown`: text shown to the person earlier for this question (feedback and hints of a previous try, a
    # revealed model answer); evidence copied from it earns nothing. Judges must accept it; default empty.
    async def grade(self, question: Question, answer: str, *, shown: Sequence[str] = ()) -> Verdict: ...


@dataclass(frozen=True)
class Posted:
    """Where a message landed: the thread key it opened (or belongs to) and its message id."""

    thread_key: str
    message_id: str = ""


class Platform(Protocol):
    """What the core needs from a chat platform. Keys are opaque and platform-qualified.

    Optional attribute `admin_prefix`: the command admins' commands live under when the platform hides
    them from members (Discord: `/drill-admin`); without it they are typed after `/drill` like the rest.
    Optional attribute `command_prefix`: what people type before a command when it is not `/drill`
    (the terminal: `/`, so replies suggest `/stats`). bot.syntax.usage reads both: every command hint the
    core shows goes through it.
    """

    name: str

    async def post(self, channel_key: str, message: Message) -> Posted:
        """Post a message in a channel; the message becomes a thread root."""

    async def reply(self, thread_key: str, message: Message, *, reply_to: str | None = None) -> Posted:
        """Reply inside a thread, never broadcast to the channel."""

    async def dm(self, user_key: str, message: Message) -> Posted:
        """Send a direct message; the returned thread key identifies the DM conversation."""

    async def private_note(self, thread_key: str, user_key: str, message: Message) -> Posted:
        """Show a message to one person only, beside a thread (Slack: ephemeral; Discord: DM)."""

    async def is_admin(self, user_key: str, channel_key: str) -> bool:
        """Whether the user may change channel settings and review flagged answers."""

    def workspace_of(self, key: str) -> str:
        """The key of the workspace (Slack team, Discord server) a channel, thread or user key of this
        platform belongs to. Only the platform that made a key reads it; the core never splits one."""
