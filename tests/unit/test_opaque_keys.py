"""Keys are opaque to the core: only the platform that made a key reads its parts (issue 14)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from adapters.discord import keys as discord_keys
from adapters.keyspace import leading_workspace

BOT = Path(__file__).resolve().parents[2] / "bot"


def _colon_splits(path: Path) -> list[str]:
    """Functions in `path` that split a string on ":" (the way a key would be taken apart)."""
    found: list[str] = []
    for fn in ast.walk(ast.parse(path.read_text())):
        if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(fn):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in {"split", "rsplit", "partition", "rpartition"}
                    and node.args and isinstance(node.args[0], ast.Constant) and node.args[0].value == ":"):
                found.append(fn.name)
    return found


def test_the_core_splits_no_key_except_to_route_it_to_its_platform() -> None:
    # platform_of reads the prefix to route a key (the key contract); hour_minute parses an HH:MM setting.
    allowed = {("events.py", "platform_of"), ("timing.py", "hour_minute")}
    splits = {(p.name, fn) for p in BOT.rglob("*.py") for fn in _colon_splits(p)}
    assert splits - allowed == set()


@pytest.mark.parametrize(("key", "workspace"), [
    (discord_keys.channel_key(11, 22), "discord:11"),
    (discord_keys.thread_key(11, 22, 33), "discord:11"),
    (discord_keys.user_key(44), discord_keys.DIRECT),  # Discord users are global: no server in the key
    (discord_keys.dm_key(55), discord_keys.DIRECT),
])
def test_discord_says_which_server_a_key_belongs_to(key: str, workspace: str) -> None:
    assert discord_keys.workspace_of(key) == workspace


def test_a_discord_user_key_is_never_taken_for_a_workspace() -> None:
    # The defect this replaces: the core read `discord:users:<id>` as workspace `discord:users`.
    assert discord_keys.workspace_of(discord_keys.user_key(7)) != "discord:users"


def test_the_common_layout_names_its_second_part() -> None:
    assert leading_workspace("slack:T1:C1:1700000000.000200") == "slack:T1"
