"""Slack adapter: drillbot as a Slack app on slack-bolt (Socket Mode or the HTTP Events API)."""

from __future__ import annotations

from adapters.slack.app import create_app, make_client
from adapters.slack.platform import SlackPlatform
from adapters.slack.runner import EVENTS_PATH, serve_http, serve_socket_mode
from bot.config import ConfigError, Settings
from bot.core import Core

__all__ = ["EVENTS_PATH", "SlackPlatform", "create_app", "make_client", "run_slack"]


async def run_slack(settings: Settings, core: Core, *, port: int = 3000) -> None:
    """Register Slack with the core and serve until cancelled.

    Socket Mode when SLACK_APP_TOKEN is set (no public URL needed), else HTTP on `port` at /slack/events,
    every request verified with SLACK_SIGNING_SECRET.
    """
    if settings.slack_bot_token is None:
        raise ConfigError("SLACK_BOT_TOKEN is required to run on Slack")
    if settings.slack_app_token is None and settings.slack_signing_secret is None:
        raise ConfigError("set SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode)")
    app, _platform = create_app(settings, core)
    # Check the token before serving: a wrong one fails now, by name, rather than on the first event.
    await app.client.auth_test()
    try:
        if settings.slack_app_token is not None:
            await serve_socket_mode(app, settings.slack_app_token.get_secret_value())
        else:
            from bot.health import check

            await serve_http(app, None, port,
                             health=None if settings.health_port else lambda path: check(core, path))
    finally:
        await app._drillbot_handlers.finish_in_flight()  # type: ignore[attr-defined]
