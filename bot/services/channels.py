"""Channel settings: validated changes, one setting at a time, described back in plain words."""

from __future__ import annotations

from typing import Any

from bot.config import check_time, check_timezone, parse_weekdays
from bot.rules import categories
from bot.services import directory
from bot.services.context import Context
from bot.store.models import Channel

# `{config}` is the config command as the admin types it (bot.syntax); fill it with `setting_help`.
SETTINGS_HELP = {
    "time": "post time, HH:MM in the channel's time zone (e.g. `{config} time 09:30`)",
    "timezone": "IANA time zone (e.g. `{config} timezone Europe/Berlin`)",
    "weekdays": "posting days (e.g. `{config} weekdays mon-fri` or `mon,wed,fri` or `daily`)",
    "categories": "comma-separated categories, or `all`",
    "difficulty": "hardest difficulty to ask, 1-3",
    "feedback": "`thread` (reply in the thread) or `private` (score sent by DM)",
    "window": "hours a round stays open for answers, 1-168",
    "digest": "weekly digest day and time (e.g. `{config} digest mon 09:00`)",
    "enabled": "`on` or `off`: pause or resume daily questions",
}


def setting_help(name: str, config_command: str) -> str:
    """The help for one setting with its examples typed as `config_command` (e.g. `/drill config`); '' if unknown."""
    return SETTINGS_HELP.get(name, "").replace("{config}", config_command)


class ConfigValueError(ValueError):
    pass


def parse_setting(name: str, value: str) -> dict[str, Any]:
    """Validate one `config NAME VALUE` into column values; raise ConfigValueError with a helpful text."""
    value = value.strip()
    try:
        if name == "time":
            return {"post_time": check_time(value)}
        if name in ("timezone", "tz"):
            return {"timezone": check_timezone(value)}
        if name in ("weekdays", "days"):
            return {"weekdays": ",".join(parse_weekdays(value))}
        if name == "categories":
            if value.lower() in ("all", "*", ""):
                return {"categories": []}
            typed = [c.strip() for c in value.split(",") if c.strip()]
            cats = [categories.parse_category(c) for c in typed]
            if None in cats:
                raise ValueError(categories.unknown(typed[cats.index(None)]).rstrip("."))
            return {"categories": sorted({c for c in cats if c is not None})}
        if name == "difficulty":
            if value not in ("1", "2", "3"):
                raise ValueError("difficulty must be 1, 2 or 3")
            return {"difficulty_max": int(value)}
        if name == "feedback":
            if value not in ("thread", "private"):
                raise ValueError("feedback must be `thread` or `private`")
            return {"feedback_mode": value}
        if name == "window":
            if not value.isdigit() or not 1 <= int(value) <= 168:
                raise ValueError("window must be a whole number of hours from 1 to 168")
            return {"answer_window_hours": int(value)}
        if name == "digest":
            day, _, at = value.partition(" ")
            days = parse_weekdays(day)
            if len(days) != 1:
                raise ValueError("digest needs one day, e.g. `mon 09:00`")
            return {"digest_day": days[0], "digest_time": check_time(at or "09:00")}
        if name == "enabled":
            if value not in ("on", "off"):
                raise ValueError("enabled must be `on` or `off`")
            return {"enabled": value == "on"}
    except ValueError as exc:
        raise ConfigValueError(str(exc)) from None
    raise ConfigValueError(f"unknown setting {name!r}; settings: {', '.join(SETTINGS_HELP)}")


async def configure(ctx: Context, channel_key: str, channel_name: str, values: dict[str, Any], *,
                    workspace_key: str = "") -> Channel:
    async with ctx.uow() as uow:
        ch = await directory.channel(ctx, uow, channel_key, channel_name, workspace_key=workspace_key)
        for column, v in values.items():
            setattr(ch, column, v)
    return ch


def describe(ch: Channel) -> list[tuple[str, str]]:
    return [
        ("enabled", "on" if ch.enabled else "off"),
        ("time", ch.post_time),
        ("timezone", ch.timezone),
        ("weekdays", ch.weekdays),
        ("categories", ", ".join(ch.categories) if ch.categories else "all"),
        ("difficulty", f"up to {ch.difficulty_max}"),
        ("feedback", ch.feedback_mode),
        ("window", f"{ch.answer_window_hours} h"),
        ("digest", f"{ch.digest_day} {ch.digest_time}"),
    ]
