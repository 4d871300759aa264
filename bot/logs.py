"""Structured logging: one line per event, JSON with DRILLBOT_LOG_JSON=1. Secrets are scrubbed."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from typing import Any

# Token shapes of the services drillbot talks to, scrubbed even if they slip into a message.
SECRET_PATTERNS = re.compile(
    r"(xox[abposr]-[A-Za-z0-9-]{8,}|xapp-[A-Za-z0-9-]{8,}|sk-[A-Za-z0-9_-]{12,}"
    r"|[MN][A-Za-z\d]{23,}\.[\w-]{6}\.[\w-]{27,}|(?<=://)[^:/@\s]+:[^@/\s]+(?=@))"
)
# C0/C1 controls (newline, carriage return, escape...) would let logged data start a fake log line or
# rewrite the terminal: every record shows them escaped, on one line.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# Libraries that put a raw request body into an INFO line (Bolt, for a request with a bad signature).
_BODY = re.compile(r"\(?\s*\bbody: .*", re.S)
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class Redactor(logging.Filter):
    def __init__(self, secrets: Iterable[str] = ()):
        super().__init__()
        self.secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)

    def scrub(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "[redacted]")
        return SECRET_PATTERNS.sub("[redacted]", text)

    def scrub_value(self, value: Any) -> Any:
        """Strings anywhere inside lists, tuples and dicts (a structured error payload) are scrubbed too."""
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, dict):
            return {self.scrub_value(k): self.scrub_value(v) for k, v in value.items()}
        if isinstance(value, list | tuple | set | frozenset):
            return [self.scrub_value(v) for v in value]
        return value

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.name.startswith("slack_bolt") and record.levelno > logging.DEBUG:
            message = _BODY.sub("(request body omitted)", message)
        record.msg = escape_controls(self.scrub(message))
        record.args = None
        if record.exc_info:
            # Exception messages can carry keys too (e.g. an SDK error echoing a header): render the
            # traceback now, scrubbed, so no formatter ever prints the raw one.
            record.exc_text = self.scrub(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = self.scrub(record.exc_text)
        for key, value in list(vars(record).items()):
            if key not in _STANDARD:
                setattr(record, key, _escape_all(self.scrub_value(value)))
        return True


def escape_controls(text: str) -> str:
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def _escape_all(value: Any) -> Any:
    if isinstance(value, str):
        return escape_controls(value)
    if isinstance(value, dict):
        return {k: _escape_all(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_escape_all(v) for v in value]
    return value


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {"ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"), "level": record.levelname,
                   "logger": record.name, "event": record.getMessage()}
        payload |= {k: v for k, v in vars(record).items() if k not in _STANDARD}
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            payload["exc"] = record.exc_text
        return json.dumps(payload, default=str)


class KeyValueFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        extra = " ".join(f"{k}={v}" for k, v in vars(record).items() if k not in _STANDARD)
        line = f"{self.formatTime(record, '%H:%M:%S')} {record.levelname:<7} {record.name}: {record.getMessage()}"
        line = f"{line} {extra}".rstrip()
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        elif record.exc_text:
            line += "\n" + record.exc_text
        return line


def setup(level: str = "INFO", as_json: bool = False, secrets: Iterable[str] = ()) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if as_json else KeyValueFormatter())
    handler.addFilter(Redactor(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("apscheduler", "httpx", "aiosqlite", "alembic", "matplotlib"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
