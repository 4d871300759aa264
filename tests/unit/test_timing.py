from datetime import UTC, date, datetime

from bot.rules.timing import iso_week, local_date, local_datetime, retry_delay


def test_local_date_depends_on_time_zone() -> None:
    moment = datetime(2026, 11, 2, 23, 30, tzinfo=UTC)
    assert local_date(moment, "UTC") == date(2026, 11, 2)
    assert local_date(moment, "Europe/Berlin") == date(2026, 11, 3)
    assert local_date(moment, "America/Los_Angeles") == date(2026, 11, 2)


def test_post_time_in_a_dst_gap_moves_forward() -> None:
    # Europe/Berlin springs forward on 2026-03-29: 02:30 does not exist that day.
    at = local_datetime(date(2026, 3, 29), "02:30", "Europe/Berlin")
    assert at.astimezone(UTC) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def test_post_time_is_dst_correct() -> None:
    winter = local_datetime(date(2026, 1, 5), "09:00", "America/New_York").astimezone(UTC)
    summer = local_datetime(date(2026, 7, 6), "09:00", "America/New_York").astimezone(UTC)
    assert (winter.hour, summer.hour) == (14, 13)


def test_iso_week_at_year_boundary() -> None:
    assert iso_week(date(2026, 12, 31)) == "2026-W53"
    assert iso_week(date(2027, 1, 4)) == "2027-W01"


def test_retry_delay_backs_off_and_caps() -> None:
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert retry_delay(30).total_seconds() == 3600
