"""Named query rules: each fact the services filter by ("a live answer", "a counted answer", "work due
for the judge", "a round open for answers") is written once here, as SQL conditions, so no service
restates it in its own words.

Each function returns conditions for `.where(*...)`; the answer and score entities can be aliases, for
queries that read other rows of the same table.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, select

from bot.clock import as_utc
from bot.store.models import Answer, Channel, Dispute, ReviewItem, Round, RoundPoints, Score

# Ids are SQL INTEGER columns (32-bit on PostgreSQL); a larger id typed by a person can name no row and
# would overflow the driver, so lookups treat it as not found before querying.
MAX_ROW_ID = 2**31 - 1


def possible_id(row_id: int) -> bool:
    return 0 < row_id <= MAX_ROW_ID


def live(answer: Any = Answer) -> ColumnElement[bool]:
    """An answer its author has not deleted: deleted answers leave every count and view."""
    return answer.deleted.is_(False)


def counted(answer: Any = Answer, score: Any = Score) -> tuple[ColumnElement[bool], ...]:
    """An answer that earns points and streak days: scored, live, and a score that counts (not held for
    review or superseded). Queries must join `score` to `answer`."""
    return (answer.status == "scored", live(answer), score.counts.is_(True))


def scored(answer: Any = Answer) -> tuple[ColumnElement[bool], ...]:
    """A live answer with a score, whether or not the score counts (a held one can be disputed)."""
    return (live(answer), answer.status == "scored")


def held(score: Any = Score, answer: Any = Answer) -> tuple[ColumnElement[bool], ...]:
    """A live answer whose score is held for an admin's review (flagged: it earns nothing until cleared).
    Queries must join `score` to `answer`."""
    return (score.review_state == "flagged", live(answer))


def dispute_open() -> ColumnElement[bool]:
    """A dispute waiting for an admin's ruling (upheld and rejected ones are resolved)."""
    return Dispute.status == "open"


def scores_since(start: datetime) -> tuple[ColumnElement[bool], ...]:
    """Scores recorded at or after `start` (judge calls, their cost and tokens)."""
    return (Score.created_at >= start,)


def due_for_scoring(now: Any) -> tuple[ColumnElement[bool], ...]:
    """An answer waiting for the judge whose next attempt is due (`now` may be a bound parameter)."""
    return (Answer.status == "pending", live(), Answer.next_attempt_at <= now)


def scoring_work() -> tuple[ColumnElement[bool], ...]:
    """An answer not scored yet: waiting for the judge or being scored now."""
    return (Answer.status.in_(("pending", "scoring")), live())


def reply_unsent() -> tuple[ColumnElement[bool], ...]:
    """A scored answer whose reply was never posted."""
    return (Answer.status == "scored", Answer.reply_sent.is_(False), live())


def received_since(member_id: Any, since: Any) -> tuple[ColumnElement[bool], ...]:
    """The person's answers that arrived after `since` (the hourly limit's count: by arrival, so an edit
    of an old message counts now). Either argument may be a bound parameter."""
    return (Answer.member_id == member_id, Answer.received_at > since)


def review_due(today: date) -> tuple[ColumnElement[bool], ...]:
    """A question due for spaced review on `today` (a leech, a question the person keeps failing, is not
    brought back)."""
    return (ReviewItem.due <= today, ReviewItem.leech.is_(False))


def first_channel_zone(member_id: Any, answer: Any = None, rnd: Any = None, channel: Any = None
                       ) -> Select[tuple[str]]:
    """The time zone of the first channel (lowest id) the person answered a round in: the person's local
    day falls back to it when they set no zone of their own (bot/services/days.py). `member_id` may be a
    column of an outer query (then pass aliases of the three tables, and use `.scalar_subquery()`)."""
    a = Answer.__table__ if answer is None else answer
    r = Round.__table__ if rnd is None else rnd
    c = Channel.__table__ if channel is None else channel
    return (select(c.c.timezone).select_from(c).join(r, r.c.channel_id == c.c.id)
            .join(a, a.c.round_id == r.c.id).where(a.c.member_id == member_id)
            .order_by(c.c.id).limit(1))


def round_open_at(at: datetime) -> tuple[ColumnElement[bool], ...]:
    """A round still taking answers at `at`."""
    return (Round.status == "open", Round.closes_at > at)


def channel_people(channel_id: Any) -> Select[tuple[int]]:
    """The people of a channel: those with round points in it (a counted answer to one of its rounds)."""
    return select(RoundPoints.member_id).where(RoundPoints.channel_id == channel_id)


def round_in_week(monday: date) -> tuple[ColumnElement[bool], ...]:
    """A round of the local week starting on `monday` (its channel's days: rounds carry their local date)."""
    return (Round.local_date >= monday, Round.local_date < monday + timedelta(days=7))


def round_due_to_close(now: datetime) -> tuple[ColumnElement[bool], ...]:
    """A round whose deadline has passed but which is not closed yet."""
    return (Round.status == "open", Round.closes_at <= now)


def round_accepts(rnd: Round, at: datetime) -> bool:
    """`round_open_at` for a round already loaded."""
    return rnd.status == "open" and as_utc(rnd.closes_at) > at
