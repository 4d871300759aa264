"""Channel settings through the unit of work: the first `config` creates the channel with the defaults and
the one setting given; a later one changes only its own setting."""

from __future__ import annotations

from bot.services import channels
from bot.services.context import Context


async def test_configure_changes_one_setting_at_a_time(ctx: Context) -> None:
    ch = await channels.configure(ctx, "test:W1:C1", "general", channels.parse_setting("time", "10:15"),
                                  workspace_key="test:W9")
    assert (ch.post_time, ch.timezone, ch.enabled) == ("10:15", ctx.settings.timezone, True)
    ch = await channels.configure(ctx, "test:W1:C1", "", channels.parse_setting("enabled", "off"))
    assert (ch.post_time, ch.enabled) == ("10:15", False)
    async with ctx.uow() as uow:
        stored = await uow.directory.channel("test:W1:C1")
        ws = await uow.directory.workspace("test:W9")
        assert stored is not None and ws is not None
        assert (stored.post_time, stored.enabled, stored.workspace_id) == ("10:15", False, ws.id)
