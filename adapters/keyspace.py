"""The key layout most platforms here use, `<platform>:<workspace>:<rest...>`, and the workspace it names.

Only adapters (and the test and bench platforms) read keys; the core asks a platform for a key's
workspace through `Platform.workspace_of` and never splits a key itself.
"""

from __future__ import annotations


def leading_workspace(key: str) -> str:
    """`slack:T1:C1:123.4` -> `slack:T1`: the first two parts of a key in this layout."""
    parts = key.split(":")
    return ":".join(parts[:2]) if len(parts) >= 2 else key
