"""One rule for how a command is typed on each platform (bot.syntax), used by every hint the core shows."""

from __future__ import annotations

from adapters.console.platform import ConsolePlatform
from bot import render, syntax
from tests.fakes.platform import FakePlatform


class DiscordLike(FakePlatform):
    admin_prefix = "/drill-admin"


def test_each_platform_gets_its_own_form_of_a_command() -> None:
    chat, discord, terminal = FakePlatform(), DiscordLike(), ConsolePlatform()
    assert syntax.usage(chat, "practice") == "/drill practice"
    assert syntax.usage(None, "practice evals") == "/drill practice evals"
    assert syntax.usage(discord, "practice") == "/drill practice"
    assert syntax.usage(discord, "review clear ID") == "/drill-admin review clear ID"
    assert syntax.usage(terminal, "practice") == "/practice"
    assert syntax.usage(terminal, "review clear ID") == "/review clear ID"


def test_help_and_the_round_reveal_use_the_rule() -> None:
    names = [f.name for f in render.help_message(ConsolePlatform()).fields]
    assert "/stats [@user]" in names and not any(n.startswith(("/drill", "/ ")) for n in names)
    discord = [f.name for f in render.help_message(DiscordLike()).fields]
    assert "/drill-admin post" in discord and "/drill me" in discord
