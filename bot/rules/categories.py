"""Reading a category name as people type it: one rule for `practice`, `next`, `interview` and `config`.

"system design", "System-Design", "system_design" and the display name "System design" are one category;
so are "Agents, RAG & tools", "agents and rag tools" and "agents_rag_tools".
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bank.schema import Category
from bot.messages import user_text

# Spellings that normalising alone does not reach.
_ALIASES = {"behavioral": Category.behavioural}


def _key(text: str) -> str:
    """Case, spaces, hyphens, underscores, punctuation and "and"/"&" do not matter."""
    words = re.split(r"[^a-z0-9]+", text.lower().replace("&", " and "))
    return "".join(w for w in words if w and w != "and")


_BY_KEY: dict[str, str] = {_key(c.value): c.value for c in Category} | {
    _key(alias): c.value for alias, c in _ALIASES.items()}


def parse_category(text: str) -> str | None:
    """The category's id (`system_design`) for what the person typed, or None when it names none."""
    return _BY_KEY.get(_key(text))


def read_categories(words: Sequence[str]) -> list[str] | None:
    """The categories named by consecutive words, the longest name first ("system design evals" is two);
    None when some words name no category."""
    found: list[str] = []
    i = 0
    while i < len(words):
        for j in range(len(words), i, -1):
            category = parse_category(" ".join(words[i:j]))
            if category is not None:
                found.append(category)
                i = j
                break
        else:
            return None
    return found


def unknown(text: str) -> str:
    """The friendly error for a name that is no category: what was typed and every valid choice."""
    names = ", ".join(c.value for c in Category)
    return (f"Unknown category “{user_text(text, 40)}”. Choose one of: {names} "
            "(spaces, hyphens, any letter case or the display name also work).")
