"""The person's local day: one rule, one fallback order, used by intake, practice, interviews, streaks,
progress and reports, so an answer's day and the streak's "today" never disagree near midnight.

Order: the person's own time zone (`/drill timezone`), else the time zone of their channel (the first
channel they answered a round in), else DRILLBOT_TIMEZONE.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo, available_timezones

from bot import render
from bot.config import check_timezone
from bot.messages import Message
from bot.rules.timing import local_date, zone
from bot.services import directory, progress
from bot.services.context import Context
from bot.store.models import Member
from bot.store.repositories import Repositories


async def person_zone(ctx: Context, uow: Repositories, member: Member) -> str:
    if member.timezone:
        return member.timezone
    return zone(None, await uow.people.channel_zone(member.id), ctx.settings.timezone)


async def local_day(ctx: Context, uow: Repositories, member: Member, at: datetime | None = None) -> date:
    """The calendar day `at` (default now) falls on for this person."""
    return local_date(at or ctx.clock.now(), await person_zone(ctx, uow, member))


_SAFE_NAME = re.compile(r"[A-Za-z0-9_+\-/]{1,60}")  # shown back only if it cannot ping or format anything
EXAMPLES = ("Use an IANA name such as Europe/Berlin, America/New_York or Asia/Kolkata; "
            "`reset` follows the channel again.")


def canonical_zone(name: str) -> str | None:
    """The IANA name for `name` (any letter case), or None if there is no such zone."""
    name = name.strip()
    try:
        return check_timezone(name)
    except ValueError:
        pass
    lowered = name.lower()
    return next((z for z in sorted(available_timezones()) if z.lower() == lowered), None)


async def timezone_command(ctx: Context, user_key: str, display_name: str, arg: str | None, *,
                           workspace_key: str = "") -> Message:
    """`timezone` shows the zone the person's days follow; `timezone Europe/Berlin` sets it; `reset` clears it."""
    async with ctx.uow() as uow:
        m = await directory.member(ctx, uow, user_key, display_name, workspace_key)
        if arg is None:
            tz = await person_zone(ctx, uow, m)
            why = "set by you" if m.timezone else "your channel's or the server default; set yours to change it"
            return render.info(f"Your days follow {tz} ({why}): it is {_now_in(ctx, tz)} there.", "Time zone")
        if arg.lower() in ("reset", "clear", "none"):
            m.timezone = None
            tz = await person_zone(ctx, uow, m)
            await progress.refresh_streak(ctx, uow, m.id)
            return render.info(f"Your own time zone is cleared; your days follow {tz} again.", "Time zone")
        zone_name = canonical_zone(arg)
        if zone_name is None:
            shown = f" “{arg}”" if _SAFE_NAME.fullmatch(arg) else ""
            return render.error(f"I don't know the time zone{shown}.", EXAMPLES)
        m.timezone = zone_name
        await uow.flush()
        await progress.refresh_streak(ctx, uow, m.id)  # "today" for the streak moved with the zone
    return render.info(f"Your time zone is now {zone_name}: it is {_now_in(ctx, zone_name)} there. Practice "
                       "answers, your streak and your weekly points follow your local day.", "Time zone")


def _now_in(ctx: Context, tz: str) -> str:
    return ctx.clock.now().astimezone(ZoneInfo(tz)).strftime("%a %d %b %H:%M")
