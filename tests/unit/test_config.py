import pytest

from bot.config import ConfigError, load_settings, parse_weekdays


def test_invalid_timezone_names_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRILLBOT_TIMEZONE", "Mars/Olympus")
    with pytest.raises(ConfigError, match="DRILLBOT_TIMEZONE"):
        load_settings(_env_file=None)


def test_invalid_post_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRILLBOT_POST_TIME", "25:00")
    with pytest.raises(ConfigError, match="DRILLBOT_POST_TIME"):
        load_settings(_env_file=None)


def test_database_url_forms_are_normalised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://u@h/db")
    assert load_settings(_env_file=None).database_url == "postgresql+asyncpg://u@h/db"
    monkeypatch.setenv("DATABASE_URL", "mysql://u@h/db")
    with pytest.raises(ConfigError, match="database_url"):
        load_settings(_env_file=None)


def test_platform_choice_follows_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings(_env_file=None).platforms == ["console"]
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("DISCORD_TOKEN", "abc")
    assert load_settings(_env_file=None).platforms == ["slack", "discord"]


def test_weekday_forms() -> None:
    assert parse_weekdays("weekdays") == ["mon", "tue", "wed", "thu", "fri"]
    assert parse_weekdays("fri-mon") == ["mon", "fri", "sat", "sun"]
    with pytest.raises(ValueError, match="unknown weekday"):
        parse_weekdays("funday")
