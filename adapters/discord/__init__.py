"""Discord adapter (discord.py): daily questions in threads, /drill app commands, DM practice, digests.

Entry points for the composition root: `create_bot(settings, core)` builds the bot without connecting
and registers the Discord platform with the core; `run_discord(settings, core)` connects and runs until
cancelled. Setup: docs/discord.md.
"""

from adapters.discord.app import create_bot, run_discord

__all__ = ["create_bot", "run_discord"]
