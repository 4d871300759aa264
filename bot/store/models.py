"""The SQL schema. Alembic revisions under migrations/ are the only way it changes in a database.

Unique constraints carry the idempotency rules: one round per channel per local date, one answer per
platform message, one digest per channel per ISO week, one points row per person per round.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON, datetime: DateTime(timezone=True)}


class Workspace(Base):
    __tablename__ = "workspaces"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)  # e.g. slack:T1, discord:G1, console:local
    platform: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime]


class Channel(Base):
    __tablename__ = "channels"
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    post_time: Mapped[str] = mapped_column(String(5), default="09:00")
    weekdays: Mapped[str] = mapped_column(String(40), default="mon,tue,wed,thu,fri")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    categories: Mapped[list[Any]] = mapped_column(default=list)  # empty: all categories
    difficulty_max: Mapped[int] = mapped_column(Integer, default=3)
    answer_window_hours: Mapped[int] = mapped_column(Integer, default=24)
    feedback_mode: Mapped[str] = mapped_column(String(10), default="thread")  # thread | private
    reminder_minutes: Mapped[int] = mapped_column(Integer, default=120)  # before the round closes
    digest_day: Mapped[str] = mapped_column(String(3), default="mon")
    digest_time: Mapped[str] = mapped_column(String(5), default="09:00")
    created_at: Mapped[datetime]


class Member(Base):
    __tablename__ = "members"
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    user_key: Mapped[str] = mapped_column(String(200), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    timezone: Mapped[str | None] = mapped_column(String(64), nullable=True)
    leaderboard_opt_out: Mapped[bool] = mapped_column(Boolean, default=False)
    reminders_opt_in: Mapped[bool] = mapped_column(Boolean, default=False)
    weekly_summary_opt_in: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]


class QuestionRow(Base):
    """A version of a bank question. Scores point at the version they were graded against."""

    __tablename__ = "questions"
    __table_args__ = (UniqueConstraint("qid", "content_hash"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    qid: Mapped[str] = mapped_column(String(64), index=True)
    content_hash: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(40), index=True)
    difficulty: Mapped[int] = mapped_column(Integer)
    current: Mapped[bool] = mapped_column(Boolean, default=True)
    data: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]


class Round(Base):
    __tablename__ = "rounds"
    __table_args__ = (UniqueConstraint("channel_id", "local_date"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"))
    local_date: Mapped[date] = mapped_column(Date)
    thread_key: Mapped[str | None] = mapped_column(String(200), unique=True, nullable=True)
    status: Mapped[str] = mapped_column(String(10), default="posting")  # posting | open | closed | skipped
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    closed_at: Mapped[datetime | None] = mapped_column(nullable=True)


class PracticeSession(Base):
    __tablename__ = "practice_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"))
    thread_key: Mapped[str] = mapped_column(String(200), index=True)
    status: Mapped[str] = mapped_column(String(10), default="open")  # sending | open | answered | done
    started_at: Mapped[datetime]
    # The category the person asked for (None: any); `next`, Skip and Next question keep it.
    category: Mapped[str | None] = mapped_column(String(40), nullable=True)


class Answer(Base):
    __tablename__ = "answers"
    __table_args__ = (
        Index("ix_answers_status_next", "status", "next_attempt_at"),
        Index("ix_answers_member_submitted", "member_id", "submitted_at"),
        Index("ix_answers_member_received", "member_id", "received_at"),
        # The team report reads a period's answers by day; the other columns make it covering on SQLite.
        Index("ix_answers_day", "day", "deleted", "status", "member_id", "question_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    message_key: Mapped[str] = mapped_column(String(250), unique=True)  # platform-qualified message id
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    practice_id: Mapped[int | None] = mapped_column(ForeignKey("practice_sessions.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"))
    thread_key: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    revision_of: Mapped[int | None] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)  # the streak day this answer counts for
    submitted_at: Mapped[datetime]
    # When drillbot received it: an edit keeps the original message's submitted_at but arrives now, and
    # the hourly limit counts arrivals.
    received_at: Mapped[datetime | None] = mapped_column(nullable=True)
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending|scoring|scored|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    pending_notice_sent: Mapped[bool] = mapped_column(Boolean, default=False)
    reply_sent: Mapped[bool] = mapped_column(Boolean, default=False)
    # Set by whichever process is sending the score reply; a stale claim (sender died) is retaken.
    reply_claimed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)


class InboxEvent(Base):
    """A platform event stored before it is acknowledged, keyed by its platform id; processed later
    (names resolved, intake run), so a crash after the acknowledgement loses nothing."""

    __tablename__ = "inbox"
    __table_args__ = (Index("ix_inbox_done_received", "done", "received_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)
    kind: Mapped[str] = mapped_column(String(10))  # answer | edit | delete
    payload: Mapped[dict[str, Any]]
    received_at: Mapped[datetime]
    done: Mapped[bool] = mapped_column(Boolean, default=False)


class Score(Base):
    __tablename__ = "scores"
    __table_args__ = (
        # The team report joins every answer of a period to its score: with these columns in the index
        # the join never reads the wide score rows (criteria, feedback).
        Index("ix_scores_answer_report", "answer_id", "counts", "total", "judge_id", "latency_ms", "cost_usd",
              "input_tokens", "output_tokens"),
        # A judge's scores slowest first: the report's p95 latency reads the top 5 % and stops.
        Index("ix_scores_judge_latency", "judge_id", "latency_ms", "answer_id"),
        # Only flagged and reviewed scores: the few rows the report's flag table and moderation need.
        Index("ix_scores_under_review", "review_state", sqlite_where=text("review_state != 'none'"),
              postgresql_where=text("review_state != 'none'")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"), unique=True)
    total: Mapped[float] = mapped_column(Float)
    criteria: Mapped[list[Any]]
    feedback: Mapped[str] = mapped_column(Text, default="")
    follow_up: Mapped[str] = mapped_column(Text, default="")
    flags: Mapped[list[Any]] = mapped_column(default=list)
    review_state: Mapped[str] = mapped_column(String(10), default="none")  # none|flagged|cleared|confirmed
    # Whether the answer earns points and a streak day: unflagged, or flagged and cleared by an admin.
    counts: Mapped[bool] = mapped_column(Boolean, default=True)
    judge_id: Mapped[str] = mapped_column(String(80))
    offline: Mapped[bool] = mapped_column(Boolean, default=False)
    input_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cached_tokens: Mapped[int] = mapped_column(Integer, default=0)
    output_tokens: Mapped[int] = mapped_column(Integer, default=0)
    # The hidden reasoning part of output_tokens (reasoning models; already counted in output_tokens).
    reasoning_tokens: Mapped[int] = mapped_column(Integer, default=0)
    # The score reply's streak line as computed when the score was recorded (a resent reply repeats it).
    streak_note: Mapped[str] = mapped_column(Text, default="")
    cost_usd: Mapped[float] = mapped_column(Float, default=0.0)
    latency_ms: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[datetime]


class RoundPoints(Base):
    """Incremental aggregate: a person's best counted score in a round (the leaderboard's input)."""

    __tablename__ = "round_points"
    __table_args__ = (
        UniqueConstraint("round_id", "member_id"),
        Index("ix_round_points_channel_week", "channel_id", "iso_week"),
        Index("ix_round_points_workspace_week", "workspace_id", "iso_week"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    iso_week: Mapped[str] = mapped_column(String(8))
    points: Mapped[float] = mapped_column(Float)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"))
    answered_at: Mapped[datetime]


class Streak(Base):
    __tablename__ = "streaks"
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    current: Mapped[int] = mapped_column(Integer, default=0)
    longest: Mapped[int] = mapped_column(Integer, default=0)
    freezes: Mapped[int] = mapped_column(Integer, default=0)
    freezes_used: Mapped[int] = mapped_column(Integer, default=0)
    last_day: Mapped[date | None] = mapped_column(Date, nullable=True)
    # The person's "today" when this state was last walked (None: rows from before migration 0011, which
    # the next score recomputes). A new score continues the walk from here (bot/rules/streaks.py).
    through_day: Mapped[date | None] = mapped_column(Date, nullable=True)
    updated_at: Mapped[datetime]


class CategoryStatRow(Base):
    __tablename__ = "category_stats"
    __table_args__ = (UniqueConstraint("member_id", "category"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(String(40))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    mean: Mapped[float] = mapped_column(Float, default=0.0)
    weighted_mean: Mapped[float] = mapped_column(Float, default=0.0)
    last_score: Mapped[float | None] = mapped_column(Float, nullable=True)


class ReviewItem(Base):
    """SM-2 schedule of one person's question."""

    __tablename__ = "review_items"
    __table_args__ = (UniqueConstraint("member_id", "qid"), Index("ix_review_items_due", "member_id", "due"))
    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    qid: Mapped[str] = mapped_column(String(64))
    repetitions: Mapped[int] = mapped_column(Integer, default=0)
    interval_days: Mapped[int] = mapped_column(Integer, default=0)
    ease: Mapped[float] = mapped_column(Float, default=2.5)
    due: Mapped[date | None] = mapped_column(Date, nullable=True)
    low_scores: Mapped[int] = mapped_column(Integer, default=0)
    leech: Mapped[bool] = mapped_column(Boolean, default=False)


class Digest(Base):
    __tablename__ = "digests"
    __table_args__ = (UniqueConstraint("channel_id", "iso_week"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    iso_week: Mapped[str] = mapped_column(String(8))
    posted_at: Mapped[datetime | None] = mapped_column(nullable=True)
    thread_key: Mapped[str | None] = mapped_column(String(200), nullable=True)


class Notification(Base):
    """One row per notice that must go out at most once (reminders, weekly summaries)."""

    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("kind", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # reminder | summary
    key: Mapped[str] = mapped_column(String(200))  # e.g. "<round id>:<member id>", "<member id>:<iso week>"
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    sent_at: Mapped[datetime | None] = mapped_column(nullable=True)


class InterviewSession(Base):
    """A mock interview in a person's DM: N questions, each with up to two graded follow-ups."""

    __tablename__ = "interview_sessions"
    __table_args__ = (Index("ix_interview_sessions_thread_status", "thread_key", "status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    thread_key: Mapped[str] = mapped_column(String(200))
    category: Mapped[str | None] = mapped_column(String(40), nullable=True)  # None: weak categories first
    planned: Mapped[int] = mapped_column(Integer, default=3)  # how many questions
    status: Mapped[str] = mapped_column(String(10), default="active")  # active | done | ended | expired
    started_at: Mapped[datetime]
    last_activity_at: Mapped[datetime]
    ended_at: Mapped[datetime | None] = mapped_column(nullable=True)


class InterviewTurn(Base):
    """One prompt of an interview (a question or a follow-up) and, once given, its graded answer."""

    __tablename__ = "interview_turns"
    __table_args__ = (UniqueConstraint("session_id", "seq"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("interview_sessions.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)  # order within the session
    number: Mapped[int] = mapped_column(Integer)  # which question (1-based)
    follow_up: Mapped[int] = mapped_column(Integer, default=0)  # 0: the question itself, 1-2: follow-ups
    qid: Mapped[str] = mapped_column(String(64))
    prompt: Mapped[str] = mapped_column(Text)
    probe: Mapped[str] = mapped_column(Text, default="")  # the criterion a follow-up pushes on
    status: Mapped[str] = mapped_column(String(10), default="asked")  # asked|answered|scored|skipped|ungraded
    text: Mapped[str] = mapped_column(Text, default="")
    message_key: Mapped[str | None] = mapped_column(String(250), unique=True, nullable=True)  # the answer's
    hints: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[float | None] = mapped_column(Float, nullable=True)  # after the hint penalty
    criteria: Mapped[list[Any]] = mapped_column(default=list)
    feedback: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")  # e.g. why a follow-up was not graded
    answer_id: Mapped[int | None] = mapped_column(ForeignKey("answers.id", ondelete="SET NULL"), nullable=True)
    judge_id: Mapped[str] = mapped_column(String(80), default="")
    input_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cached_tokens: Mapped[int] = mapped_column(Integer, default=0)
    output_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cost_usd: Mapped[float] = mapped_column(Float, default=0.0)
    asked_at: Mapped[datetime]


class Dispute(Base):
    """A person's claim that a score is wrong; resolved by an admin, it becomes a labelled answer."""

    __tablename__ = "disputes"
    __table_args__ = (Index("ix_disputes_status", "status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    # Whose admins rule: the round's workspace, else where it was raised, else the person's own.
    workspace_key: Mapped[str] = mapped_column(String(200), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | upheld | rejected
    judge_id: Mapped[str] = mapped_column(String(80), default="")
    judge_total: Mapped[float] = mapped_column(Float)
    admin_total: Mapped[float | None] = mapped_column(Float, nullable=True)
    admin_criteria: Mapped[list[Any]] = mapped_column(default=list)
    resolved_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None] = mapped_column(nullable=True)
