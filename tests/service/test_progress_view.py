"""The progress model's named reads on in-memory SQLite: the trend counts only counted answers, a deleted
answer leaves the feedback, open disputes are the person's own, and `running_only` streaks drop zeros."""

from __future__ import annotations

from bot.services import disputes, intake, progress_view
from bot.services.context import Context
from tests.fakes.judges import ScriptedJudge, all_marked
from tests.service.test_store_rules import ALICE, BOB, CH, answer, open_round, score_all


async def test_progress_reads_count_what_counts(ctx: Context) -> None:
    thread = await open_round(ctx)
    for msg, text, user in (("a1", "a great answer", ALICE), ("a2", "a flag answer", ALICE),
                            ("b1", "a great answer", BOB)):
        assert (await intake.submit(ctx, answer(ctx, thread, msg, text, user))).outcome == "accepted"
    await score_all(ctx, ScriptedJudge(lambda q, a: all_marked(
        "met", ["injection_suspected"] if "flag" in a else [])(q, a)))
    assert "received" in (await disputes.open_dispute(ctx, BOB, "")).plain()

    view = await progress_view.load(ctx, ALICE)
    assert view is not None
    assert [(t.mean, t.answers) for t in view.trend if t.answers] == [(10.0, 1)]  # the held one does not count
    assert [f.total for f in view.feedback] == [10.0, 10.0]  # both are scored and live
    assert view.disputes == [] and view.points_week == 10.0
    bob = await progress_view.load(ctx, BOB)
    assert bob is not None and [d.status for d in bob.disputes] == ["open"]

    assert await intake.delete(ctx, f"{CH}:a2") == 1
    view = await progress_view.load(ctx, ALICE)
    assert view is not None and len(view.feedback) == 1

    async with ctx.uow() as uow:
        both = await progress_view.streaks(uow, [view.member_id, bob.member_id, 10**6])
        assert set(both) == {view.member_id, bob.member_id} and both[view.member_id].current == 1
        assert set(await progress_view.streaks(uow, [view.member_id], running_only=True)) == {view.member_id}
        assert [c.category for c in await progress_view.category_strengths(uow, view.member_id)] == \
            sorted(c.category for c in view.categories)
    assert await progress_view.load(ctx, "test:W1:nobody") is None
