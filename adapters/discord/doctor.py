"""`drillbot doctor` checks for Discord: the token logs in, the Message Content intent, guild access."""

from __future__ import annotations

import discord

from bot.checks import FAIL, OK, WARN, Check
from bot.config import Settings


async def discord_checks(settings: Settings) -> list[Check]:
    assert settings.discord_token is not None
    client = discord.Client(intents=discord.Intents.default())
    try:
        try:
            await client.login(settings.discord_token.get_secret_value())  # HTTP only, no gateway session
        except discord.LoginFailure:
            return [Check("discord login", FAIL, "Discord rejected DISCORD_TOKEN",
                          "Developer Portal -> Bot -> Reset Token, and copy it into DISCORD_TOKEN")]
        except Exception as exc:
            return [Check("discord login", FAIL, f"cannot reach Discord ({type(exc).__name__})", "check the network")]
        checks = [Check("discord login", OK, f"logged in as {client.user}")]
        info = await client.application_info()
        content = info.flags.gateway_message_content or info.flags.gateway_message_content_limited
        checks.append(Check("discord intents", OK if content else FAIL,
                            "Message Content intent " + ("enabled" if content else "is off"),
                            "Developer Portal -> Bot -> Privileged Gateway Intents -> Message Content"))
        guilds = {str(g.id): g.name async for g in client.fetch_guilds(limit=200)}
        wanted = [g.strip() for g in settings.discord_guild_ids.split(",") if g.strip()]
        missing = [g for g in wanted if g not in guilds]
        if missing:
            checks.append(Check("discord guilds", FAIL, f"not a member of {', '.join(missing)}",
                                "invite the bot with the OAuth2 URL in docs/discord.md"))
        else:
            checks.append(Check("discord guilds", OK if guilds else WARN,
                                f"in {len(guilds)} server(s)" if guilds else "in no server yet",
                                "invite the bot with the OAuth2 URL in docs/discord.md"))
        return checks
    finally:
        await client.close()
