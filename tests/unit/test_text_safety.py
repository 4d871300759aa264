import logging

from hypothesis import given
from hypothesis import strategies as st

from bot.commands import parse
from bot.logs import Redactor
from bot.messages import user_text


def test_user_text_strips_invisible_and_bidi_characters() -> None:
    assert user_text("a\u200bb\u202ec\x00d\n\ne") == "abc d e"


@given(st.text(max_size=2000))
def test_user_text_is_bounded_and_printable(text: str) -> None:
    out = user_text(text, 300)
    assert len(out) <= 300
    assert all(ch.isprintable() for ch in out)


def test_a_bare_slash_is_a_request_for_help() -> None:
    # Found by the property below: "/" parsed to a command with no name.
    assert parse("/").name == "help" and parse("// ").name == "help"


@given(st.text(max_size=600))
def test_command_parsing_never_crashes(text: str) -> None:
    parsed = parse(text)
    assert parsed.name


def test_secrets_are_scrubbed_from_logs() -> None:
    redactor = Redactor(["supersecretvalue"])
    record = logging.LogRecord("x", logging.INFO, "", 0, "key %s and xoxb-123456789-abcdef and sk-abcdefghijklmnop",
                               ("supersecretvalue",), None)
    record.url = "postgresql://user:hunter2@db/x"
    redactor.filter(record)
    assert "supersecretvalue" not in record.msg and "xoxb-" not in record.msg and "sk-abc" not in record.msg
    assert "hunter2" not in record.url
