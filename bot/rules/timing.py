"""Calendar rules: local dates, post times, answer windows, ISO weeks, retry backoff."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.config import WEEKDAYS


def local_date(moment: datetime, tz: str) -> date:
    return moment.astimezone(ZoneInfo(tz)).date()


def zone(own: str | None, channel: str | None, default: str) -> str:
    """Whose time zone decides a person's day (bot/services/days.py): theirs, their channel's, the default."""
    return own or channel or default


def hour_minute(hhmm: str) -> tuple[int, int]:
    """A stored `HH:MM` setting as numbers (validated when it was set)."""
    hour, minute = hhmm.split(":")
    return int(hour), int(minute)


def local_datetime(day: date, hhmm: str, tz: str) -> datetime:
    """The instant a local wall-clock time happens; a time skipped by DST moves forward an hour."""
    hour, minute = hour_minute(hhmm)
    zone = ZoneInfo(tz)
    naive = datetime.combine(day, time(hour, minute))
    aware = naive.replace(tzinfo=zone)
    # A non-existent local time (spring forward) round-trips to a different wall time.
    roundtrip = aware.astimezone(ZoneInfo("UTC")).astimezone(zone)
    if roundtrip.replace(tzinfo=None) != naive:
        aware = (naive + timedelta(hours=1)).replace(tzinfo=zone)
    return aware


def is_post_day(day: date, weekdays: list[str]) -> bool:
    return WEEKDAYS[day.weekday()] in weekdays


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def retry_delay(attempts: int, base_s: float = 30.0, cap_s: float = 3600.0) -> timedelta:
    """Exponential backoff for judge retries: 30 s, 60 s, 120 s ... capped at an hour."""
    return timedelta(seconds=min(cap_s, base_s * 2 ** max(0, attempts - 1)))
