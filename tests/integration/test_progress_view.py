"""The person's progress model and card (`me`) through the real core, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FakeClock
from bot.core import Core
from bot.events import CommandContext
from bot.services import notices, progress_view
from tests.fakes.platform import FakePlatform
from tests.integration.test_rounds_and_intake import ALICE, BOB, CH, answer, setup_round

ALICE_CC = CommandContext(ALICE, "alice", CH, "general")


async def answer_days(core: Core, clock: FakeClock, texts: list[str], user: str = ALICE) -> None:
    """One round a day, one answer each, a week apart for the trend."""
    for i, text in enumerate(texts):
        thread = await setup_round(core)
        await core.answer(answer(thread, f"m{i}-{user}", user, text, core))
        await core.worker.drain()
        clock.advance(timedelta(days=7))


async def test_model_has_streak_points_strength_trend_due_and_feedback(core: Core, clock: FakeClock) -> None:
    await answer_days(core, clock, ["an ok answer", "a great answer", "a great answer"])
    clock.advance(timedelta(days=-7))  # back to the week of the last answer
    view = await progress_view.load(core.ctx, ALICE)
    assert view is not None and view.name == "alice"
    assert view.points_week == 10.0 and view.week == "2026-W47"
    assert len(view.trend) == 8 and [t.week for t in view.trend][-1] == "2026-W47"
    scored = [t for t in view.trend if t.mean is not None]
    assert [t.mean for t in scored] == [5.0, 10.0, 10.0] and all(t.answers == 1 for t in scored)
    assert view.categories and all(0 <= c.recent <= 10 for c in view.categories)
    assert [f.total for f in view.feedback] == [10.0, 10.0, 5.0] and view.feedback[0].text == "ok"
    assert view.disputes == []  # no disputes table on this branch
    # The first (partial) answer was reviewed a week+ ago with a 1-day interval: it is due now.
    assert view.due_total >= 1 and view.due


async def test_me_card_has_chart_and_practise_button_only_about_the_asker(core: Core, clock: FakeClock,
                                                                       platform: FakePlatform) -> None:
    await answer_days(core, clock, ["an ok answer", "a great answer"])
    await answer_days(core, clock, ["bob <!channel> great"], user=BOB)
    card = await core.command(ALICE_CC, "me")
    assert card.title == "Your progress" and card.image is not None and card.image[:4] == b"\x89PNG"
    assert [b.action for b in card.buttons] == ["practice:start"]
    names = [f.name for f in card.fields]
    assert names[:3] == ["Streak", "Freezes", "This week"] and any(n.startswith("Trend") for n in names)
    # Bob's answer never appears on Alice's card.
    assert "bob" not in card.plain()
    # "Practise now" sends the due review even after Alice chose another category for `next`.
    view = await progress_view.load(core.ctx, ALICE)
    assert view is not None and view.due
    due = core.ctx.catalog.get(view.due[0])
    assert due is not None
    other = next(c for c in ("evals", "fundamentals") if c != due.category)
    await core.command(ALICE_CC, f"practice {other}")
    sent = len(platform.sent)
    now = await core.button(CommandContext(ALICE, "alice", None, is_dm=True), "practice:start")
    assert "direct message" in now.text and len(platform.sent) == sent + 1
    assert platform.sent[-1].message.footer.endswith(f"id {due.id}")


async def test_me_for_a_stranger_is_a_friendly_empty_card(core: Core) -> None:
    card = await core.command(CommandContext("test:W1:nobody", "nobody", CH, "general"), "me")
    assert card.kind == "stats" and "Nothing yet" in card.text and card.image is None


async def test_stats_and_card_agree_on_points_this_week(core: Core, clock: FakeClock) -> None:
    await answer_days(core, clock, ["a great answer"])
    clock.advance(timedelta(days=-7))
    stats = await core.command(ALICE_CC, "stats")
    card = await core.command(ALICE_CC, "me")
    week_stats = next(f.value for f in stats.fields if f.name == "This week")
    week_card = next(f.value for f in card.fields if f.name == "This week")
    assert week_stats == "10.0 pts" and week_card.startswith("10.0 pts")


async def test_weekly_summary_and_card_agree_on_points_and_streak(core: Core, clock: FakeClock) -> None:
    await answer_days(core, clock, ["a great answer"])
    clock.advance(timedelta(days=-7))
    view = await progress_view.load(core.ctx, ALICE)
    assert view is not None and view.points_week == 10.0 and view.streak >= 1
    summary = await notices.summary_message(core.ctx, view.member_id, view.week)
    fields = {f.name: f.value for f in summary.fields}
    assert fields["Points"] == f"{view.points_week:.1f}" and fields["Streak"] == f"{view.streak} day(s)"
