"""Directory rules on in-memory SQLite through the unit of work: a person or channel is created once (a
concurrent first contact reads the winner's row), a person is filed under the workspace they act in, and a
display name names someone only when exactly one person of the workspace has it."""

from __future__ import annotations

from bot.services import directory
from bot.services.context import Context
from bot.store.models import Member

ALICE = "test:W1:alice"


async def test_member_is_created_once_and_filed_where_they_act(ctx: Context) -> None:
    async with ctx.uow() as uow:
        first = await directory.member(ctx, uow, ALICE, "Alice", "test:W2")
        again = await directory.member(ctx, uow, ALICE, "Alice L.", "test:W1")
        assert again is first and again.display_name == "Alice L."  # renamed, not re-filed
    async with ctx.uow() as uow:
        assert await directory.home_workspace(uow, ALICE) == "test:W2"
        assert await directory.workspace_at(ctx, uow, None, ALICE) == "test:W2"  # a DM: their own
        assert await directory.workspace_at(ctx, uow, "test:W1:C1", ALICE) == "test:W1"
        assert await directory.workspace_at(ctx, uow, None, "test:W3:nobody") == "test:W3"


async def test_a_key_taken_meanwhile_is_read_back(ctx: Context) -> None:
    """The insert of a concurrent first contact loses to the row already there, and nothing of it is kept."""
    async with ctx.uow() as uow:
        winner = await directory.member(ctx, uow, ALICE, "Alice", "test:W1")
    async with ctx.uow() as uow:
        late = Member(workspace_id=winner.workspace_id, user_key=ALICE, display_name="late",
                      created_at=ctx.clock.now())
        assert await uow.directory.add_unless_taken(late) is False
        found = await uow.directory.member(ALICE)
        assert found is not None and found.id == winner.id and found.display_name == "Alice"


async def test_channel_get_or_create_keeps_its_settings(ctx: Context) -> None:
    async with ctx.uow() as uow:
        ch = await directory.channel(ctx, uow, "test:W1:C1", "general", timezone="Asia/Tokyo")
    async with ctx.uow() as uow:
        same = await directory.channel(ctx, uow, "test:W1:C1", "renamed", timezone="UTC")
        assert same.id == ch.id and same.timezone == "Asia/Tokyo"
        assert await directory.find_channel(uow, "test:W1:C2") is None
        assert await uow.directory.workspace("test:W1") is not None


async def test_a_name_names_one_person_of_the_workspace(ctx: Context) -> None:
    async with ctx.uow() as uow:
        await directory.member(ctx, uow, ALICE, "Sam", "test:W1")
        await directory.member(ctx, uow, "test:W2:sam", "sam", "test:W2")
    assert await directory.key_by_name(ctx, "test:W1", "SAM") == ALICE
    async with ctx.uow() as uow:
        await directory.member(ctx, uow, "test:W1:sam2", "sam", "test:W1")
    assert await directory.key_by_name(ctx, "test:W1", "sam") is None  # two of them: ambiguous
    assert await directory.key_by_name(ctx, "test:W3", "sam") is None
