"""All configuration in one documented settings model (environment variables and `.env`).

Every setting is read from `DRILLBOT_<NAME>` except the platform and provider credentials, which keep
their conventional names (SLACK_BOT_TOKEN, DISCORD_TOKEN, OPENAI_API_KEY, DATABASE_URL).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.prices import Price, parse_prices

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r} (use an IANA name like Europe/Berlin)") from exc
    return name


def check_time(value: str) -> str:
    m = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", value.strip())
    if not m:
        raise ValueError(f"time {value!r} must be HH:MM in 24-hour form, e.g. 09:30")
    return f"{int(m.group(1)):02d}:{m.group(2)}"


def default_database_url() -> str:
    return f"sqlite+aiosqlite:///{Path('drillbot-data') / 'drillbot.db'}"


class Settings(BaseSettings):
    """drillbot settings. Names below are the environment variables (prefix DRILLBOT_ unless noted)."""

    model_config = SettingsConfigDict(
        env_prefix="DRILLBOT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    # Storage: DATABASE_URL or DRILLBOT_DATABASE_URL. SQLite file by default, PostgreSQL in production
    # (postgresql+asyncpg://user:pass@host/db).
    database_url: str = Field(
        default_factory=default_database_url,
        validation_alias=AliasChoices("DRILLBOT_DATABASE_URL", "DATABASE_URL"),
    )
    # Judge: "offline" (rubric scorer, no network) or "openai" (any OpenAI-compatible endpoint).
    judge: Literal["offline", "openai"] = "offline"
    judge_model: str = "gpt-4o-mini"
    judge_escalate_model: str | None = None
    judge_timeout_s: float = Field(default=30.0, gt=0)
    judge_concurrency: int = Field(default=8, ge=1, le=256)
    judge_fallback: Literal["none", "offline"] = "none"
    judge_fallback_after: int = Field(default=3, ge=1)
    daily_budget_usd: float | None = Field(default=None, ge=0)
    # USD per million tokens "input/cached/output" for the judge model, or "model=in/cached/out,..."
    # (scoring/pricing.py); needed for models missing from the price table.
    judge_prices: str = ""
    # Reasoning models only: minimal|low|medium|high; unset = the lowest the model family accepts.
    judge_reasoning_effort: Literal["none", "minimal", "low", "medium", "high"] | None = None
    openai_base_url: str | None = None
    openai_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_API_KEY", "DRILLBOT_OPENAI_API_KEY")
    )

    # Defaults for newly configured channels.
    timezone: str = "UTC"
    post_time: str = "09:00"
    weekdays: str = "mon,tue,wed,thu,fri"
    answer_window_hours: int = Field(default=24, ge=1, le=168)
    max_answer_chars: int = Field(default=4000, ge=100)
    answers_per_hour: int = Field(default=30, ge=1)  # per person, so one person cannot run up the bill
    digest_day: str = "mon"
    digest_time: str = "09:00"

    # Mock interviews (`interview`) and disputes.
    interview_idle_minutes: int = Field(default=30, ge=1)  # an idle interview expires with a note
    interview_max_questions: int = Field(default=5, ge=1, le=10)
    interview_hint_penalty: float = Field(default=1.0, ge=0, le=10)  # points off that answer per hint
    disputes_open_max: int = Field(default=3, ge=1)  # open disputes per person at a time

    # Question bank: extra pack directories, comma-separated.
    question_packs: str = ""
    cooldown_days: int = Field(default=60, ge=0)
    # DRILLBOT_PREFER_CALIBRATED=1: rounds skip questions real answers show too easy, too hard or flat.
    prefer_calibrated: bool = False
    weak_category_weight: float = Field(default=0.5, ge=0, le=1)

    # Platforms (conventional names). No token: the terminal platform runs.
    slack_bot_token: SecretStr | None = Field(default=None, validation_alias="SLACK_BOT_TOKEN")
    slack_app_token: SecretStr | None = Field(default=None, validation_alias="SLACK_APP_TOKEN")
    slack_signing_secret: SecretStr | None = Field(default=None, validation_alias="SLACK_SIGNING_SECRET")
    slack_api_url: str | None = Field(default=None, validation_alias="SLACK_API_URL")
    discord_token: SecretStr | None = Field(default=None, validation_alias="DISCORD_TOKEN")
    discord_guild_ids: str = Field(default="", validation_alias="DISCORD_GUILD_IDS")
    admin_ids: str = ""  # platform-qualified user keys that are always admins, comma-separated

    # Operations.
    answer_retention_days: int | None = Field(default=None, ge=1)  # purge raw answer text after N days
    reminder_pace_s: float = Field(default=1.0, ge=0)  # pause between reminder/summary DMs
    scheduler_tick_s: float = Field(default=30.0, gt=0)
    metrics_port: int | None = Field(default=None, ge=1, le=65535)  # Prometheus endpoint, off by default
    # /healthz and /readyz; default: the `run --port` HTTP port (shared with Slack's HTTP mode).
    health_port: int | None = Field(default=None, ge=1, le=65535)

    log_json: bool = False
    log_level: str = "INFO"

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        return check_timezone(v)

    @field_validator("post_time", "digest_time")
    @classmethod
    def _time(cls, v: str) -> str:
        return check_time(v)

    @field_validator("weekdays")
    @classmethod
    def _weekdays(cls, v: str) -> str:
        return ",".join(parse_weekdays(v))

    @field_validator("digest_day")
    @classmethod
    def _digest_day(cls, v: str) -> str:
        days = parse_weekdays(v)
        if len(days) != 1:
            raise ValueError("digest_day must be one weekday, e.g. mon")
        return days[0]

    @field_validator("database_url")
    @classmethod
    def _db(cls, v: str) -> str:
        if v.startswith("postgres://"):
            v = "postgresql://" + v[len("postgres://") :]
        if v.startswith("postgresql://"):
            v = "postgresql+asyncpg://" + v[len("postgresql://") :]
        if v.startswith("sqlite:///"):
            v = "sqlite+aiosqlite:///" + v[len("sqlite:///") :]
        if not (v.startswith("sqlite+aiosqlite://") or v.startswith("postgresql+asyncpg://")):
            raise ValueError("database_url must be a sqlite or postgresql URL")
        return v

    @field_validator("judge_prices")
    @classmethod
    def _judge_prices(cls, v: str) -> str:
        parse_prices(v, "judge-model")  # raises with the expected format
        return v.strip()

    @property
    def judge_prices_table(self) -> dict[str, Price]:
        """DRILLBOT_JUDGE_PRICES as {model: Price}."""
        return parse_prices(self.judge_prices, self.judge_model)

    @property
    def pack_dirs(self) -> list[Path]:
        return [Path(p.strip()) for p in self.question_packs.split(",") if p.strip()]

    @property
    def admin_keys(self) -> set[str]:
        return {a.strip() for a in self.admin_ids.split(",") if a.strip()}

    @property
    def platforms(self) -> list[str]:
        chosen = []
        if self.slack_bot_token:
            chosen.append("slack")
        if self.discord_token:
            chosen.append("discord")
        return chosen or ["console"]


def parse_weekdays(text: str) -> list[str]:
    """'mon-fri', 'mon,wed,fri', 'daily', 'weekdays' -> ordered list of day abbreviations."""
    text = text.strip().lower()
    aliases = {"daily": "mon-sun", "everyday": "mon-sun", "weekdays": "mon-fri", "weekends": "sat-sun"}
    text = aliases.get(text, text)
    days: set[int] = set()
    for part in filter(None, (p.strip() for p in text.split(","))):
        if "-" in part:
            start, _, end = part.partition("-")
            a, b = _day_index(start), _day_index(end)
            days.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
        else:
            days.add(_day_index(part))
    if not days:
        raise ValueError("no weekdays given (use e.g. mon-fri or mon,wed,fri)")
    return [WEEKDAYS[i] for i in sorted(days)]


def _day_index(name: str) -> int:
    key = name.strip()[:3]
    if key not in WEEKDAYS:
        raise ValueError(f"unknown weekday {name!r} (use mon, tue, wed, thu, fri, sat, sun)")
    return WEEKDAYS.index(key)


class ConfigError(Exception):
    pass


def database_variable() -> str:
    """The variable that holds the database URL, to name in errors (DRILLBOT_DATABASE_URL wins over DATABASE_URL)."""
    import os

    if os.environ.get("DATABASE_URL") and not os.environ.get("DRILLBOT_DATABASE_URL"):
        return "DATABASE_URL"
    return "DRILLBOT_DATABASE_URL"


def load_settings(**overrides: object) -> Settings:
    """Build settings, turning validation errors into one message that names each setting."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = ".".join(str(p) for p in err["loc"]) or "settings"
            env = name if name.isupper() else f"DRILLBOT_{name.upper()}"
            if env in ("DRILLBOT_DATABASE_URL", "DATABASE_URL"):
                env = database_variable()
            lines.append(f"  {env}: {err['msg']}")
        raise ConfigError("invalid configuration:\n" + "\n".join(lines)) from None
