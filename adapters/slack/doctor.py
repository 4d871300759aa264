"""`drillbot doctor` checks for Slack: the bot token (auth.test), its scopes, and the Socket Mode token."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.app import DEFAULT_API_URL
from bot.checks import FAIL, OK, WARN, Check
from bot.config import Settings

# What slack-app-manifest.yaml asks for; a missing one breaks a feature with `missing_scope`.
REQUIRED_SCOPES = ("chat:write", "commands", "channels:history", "groups:history", "im:history", "im:write",
                   "users:read", "files:write")


def _client(settings: Settings, token: str) -> AsyncWebClient:
    base = settings.slack_api_url or DEFAULT_API_URL
    return AsyncWebClient(token=token, base_url=base if base.endswith("/") else base + "/", timeout=10)


async def slack_checks(settings: Settings) -> list[Check]:
    assert settings.slack_bot_token is not None
    checks: list[Check] = []
    try:
        auth = await _client(settings, settings.slack_bot_token.get_secret_value()).auth_test()
    except SlackApiError as exc:
        error = exc.response.get("error", "")
        return [Check("slack token", FAIL, f"auth.test said {error}",
                      "reinstall the app and copy the Bot User OAuth Token (xoxb-...) into SLACK_BOT_TOKEN")]
    except Exception as exc:
        return [Check("slack token", FAIL, f"cannot reach Slack ({type(exc).__name__})",
                      "check the network, proxy or SLACK_API_URL")]
    who = f"bot {auth.get('user')} in team {auth.get('team')} ({auth.get('team_id')})"
    checks.append(Check("slack token", OK, who))
    granted = {s.strip() for s in (auth.headers.get("x-oauth-scopes") or "").split(",") if s.strip()}
    if not granted:
        checks.append(Check("slack scopes", WARN, "Slack did not report the token's scopes",
                            "compare OAuth & Permissions with slack-app-manifest.yaml"))
    else:
        missing = [s for s in REQUIRED_SCOPES if s not in granted]
        checks.append(Check("slack scopes", FAIL if missing else OK,
                            f"missing {', '.join(missing)}" if missing else "all required scopes granted",
                            "add them under OAuth & Permissions, then reinstall the app"))
    if settings.slack_app_token is None:
        checks.append(Check("slack socket mode", WARN, "SLACK_APP_TOKEN not set: HTTP mode (needs a public URL)",
                            "for Socket Mode create an app-level token with connections:write"))
        return checks
    app_token = settings.slack_app_token.get_secret_value()
    if not app_token.startswith("xapp-"):
        checks.append(Check("slack socket mode", FAIL, "SLACK_APP_TOKEN does not start with xapp-",
                            "use the app-level token (Basic Information -> App-Level Tokens)"))
        return checks
    try:
        await _client(settings, app_token).apps_connections_open(app_token=app_token)
        checks.append(Check("slack socket mode", OK, "app-level token opens a Socket Mode connection"))
    except SlackApiError as exc:
        checks.append(Check("slack socket mode", FAIL, f"apps.connections.open said {exc.response.get('error')}",
                            "enable Socket Mode and give the app-level token connections:write"))
    except Exception as exc:
        checks.append(Check("slack socket mode", FAIL, f"cannot reach Slack ({type(exc).__name__})",
                            "check the network"))
    return checks
