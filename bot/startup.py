"""Start-up problems as one line that names the fix, instead of a traceback.

`problems(settings)` finds what is wrong before anything starts; `explain(exc, settings)` turns the
exceptions a misconfigured start raises (database, question packs, platform logins, network) into a
sentence. Platform exceptions are recognised by name so the core never imports slack_sdk or discord.
"""

from __future__ import annotations

import socket

from sqlalchemy.engine import make_url

from bot.config import Settings, database_variable


class PlatformError(Exception):
    """Raised from a platform's start (login, connect) so its network failures are not read as the database's."""


def judge_key_problem(settings: Settings) -> str | None:
    """The LLM judge chosen without its key; `drillbot doctor` reports it once, as the judge key check."""
    if settings.judge == "openai" and settings.openai_api_key is None:
        return "DRILLBOT_JUDGE=openai needs OPENAI_API_KEY: set it, or use DRILLBOT_JUDGE=offline."
    return None


def problems(settings: Settings) -> list[str]:
    """Settings that load but cannot work: refuse to start rather than fail on every answer."""
    return [p for p in (judge_key_problem(settings),) if p is not None]


def _db_where(settings: Settings) -> str:
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        return f"the SQLite file {url.database}"
    return f"PostgreSQL at {url.host or 'localhost'}:{url.port or 5432}/{url.database or ''}"


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    while exc is not None and exc not in seen:
        seen.append(exc)
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    return seen


def explain(exc: BaseException, settings: Settings) -> str | None:
    """One line naming the fix, or None when the error is not a known start-up problem."""
    from bank.loader import BankError

    chain = _chain(exc)
    names = {type(e).__name__ for e in chain}
    text = " ".join(str(e) for e in chain)
    if isinstance(exc, BankError):
        where = "DRILLBOT_QUESTION_PACKS" if settings.pack_dirs else "the built-in bank"
        first = str(exc.problems[0]) if exc.problems else str(exc)
        extra = len(exc.problems) - 1
        more = f" (and {extra} more; `drillbot bank validate` lists them)" if extra > 0 else ""
        return f"question bank: {first}{more}. Fix the pack or {where}."
    if "LoginFailure" in names:
        return "Discord rejected DISCORD_TOKEN (LoginFailure): copy the bot token again from the Developer Portal."
    if "PrivilegedIntentsRequired" in names:
        return ("Discord refused the Message Content intent: enable it under Bot -> Privileged Gateway Intents "
                "in the Developer Portal.")
    if "SlackApiError" in names:
        error = next((e.response.get("error") for e in chain  # type: ignore[attr-defined]
                      if type(e).__name__ == "SlackApiError" and getattr(e, "response", None) is not None), "")
        if error in ("invalid_auth", "not_authed", "account_inactive", "token_revoked"):
            return (f"Slack rejected SLACK_BOT_TOKEN ({error}): reinstall the app and copy the Bot User OAuth "
                    "Token (xoxb-...) again.")
        return f"Slack refused the request ({error}); `drillbot doctor` checks tokens and scopes."
    if "InvalidCatalogNameError" in names or ("does not exist" in text and "database" in text):
        return f"{_db_where(settings)} does not exist: create it (createdb) or fix {database_variable()}."
    if "InvalidPasswordError" in names or "password authentication failed" in text:
        return f"{_db_where(settings)} refused the user or password in {database_variable()}."
    db_names = {"OperationalError", "DBAPIError", "InterfaceError", "PlatformError"}
    if any(isinstance(e, (ConnectionError, socket.gaierror, TimeoutError, OSError)) for e in chain) \
            or names & db_names:
        if any(isinstance(e, (FileNotFoundError, PermissionError, NotADirectoryError, FileExistsError))
               for e in chain) and make_url(settings.database_url).get_backend_name() == "sqlite":
            return (f"cannot create {_db_where(settings)}: its folder cannot be created or written. Set "
                    f"{database_variable()} to a writable path, e.g. sqlite:///drillbot-data/drillbot.db.")
        if "PlatformError" in names:
            return (f"cannot reach {chain[0]} ({type(chain[-1]).__name__}): check the network, proxy or firewall; "
                    "`drillbot doctor` tests the connection.")
        if make_url(settings.database_url).get_backend_name() != "sqlite":
            return (f"cannot reach {_db_where(settings)} ({type(chain[-1]).__name__}): start PostgreSQL or fix "
                    f"{database_variable()}.")
    return None
