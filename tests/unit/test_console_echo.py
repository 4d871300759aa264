"""The terminal shows what people typed exactly as typed: rich markup, emoji codes and backslashes in a
message are text, never formatting (the core's messages quote answers, names and feedback)."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from adapters.console.platform import ConsolePlatform
from bot.messages import Button, Field, Message

TYPED = [
    "use [bold]guardrails[/bold] always",
    "an unclosed [red] tag",
    "a [link=https://example.invalid]link[/link] tag",
    "emoji codes :smile: and :thumbs_up: stay words",
    r"an escaped \[bold] bracket",
    "a Windows path C:\\temp\\",  # ends in a backslash
]


def shown(message: Message, where: str = "") -> str:
    out = io.StringIO()
    ConsolePlatform(console=Console(file=out, width=400, emoji=True)).show(message, where=where)
    return out.getvalue()


@pytest.mark.parametrize("typed", TYPED)
def test_user_text_is_echoed_literally_in_every_part_of_a_message(typed: str) -> None:
    for message in (Message(text=typed), Message(title=typed, text="x"), Message(text="x", footer=typed),
                    Message(text="x", fields=[Field(typed, typed)]), Message(text="x", buttons=[Button("b", typed)])):
        out = shown(message)
        assert typed in out and typed + "\\" not in out, message  # nothing added, nothing taken
    out = shown(Message(text="x"), where=typed)
    assert typed in out and typed + "\\" not in out
