"""Practice, stats, leaderboard, commands, privacy and the digest through the real core."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.core import Core
from bot.events import AnswerEvent, CommandContext
from bot.store.models import Answer, Channel, Member, ReviewItem
from tests.fakes.platform import FakePlatform
from tests.integration.test_rounds_and_intake import ALICE, BOB, CH, answer, count, setup_round

ALICE_CC = CommandContext(ALICE, "alice", CH, "general")
ADMIN = "test:W1:admin"
ADMIN_CC = CommandContext(ADMIN, "admin", CH, "general")


async def test_practice_in_dm_is_scored_and_offers_next(core: Core, platform: FakePlatform) -> None:
    await core.configure_channel(CH, "general")
    reply = await core.command(ALICE_CC, "practice evals")
    assert "direct message" in reply.text
    dm = platform.sent[-1]
    assert dm.kind == "dm" and dm.target == ALICE and "Evals" in dm.message.title
    result = await core.answer(AnswerEvent("test:W1:D1:1", f"{ALICE}:dm", ALICE, "a great answer",
                                           core.ctx.clock.now(), "alice", True))
    assert result.outcome == "accepted"
    await core.worker.drain()
    scored = platform.of_kind("score")[-1].message
    assert scored.title == "10.0/10" and [b.action for b in scored.buttons] == ["practice:next",
                                                                               f"dispute:{result.answer_id}"]
    async with core.ctx.sessions() as s:
        assert await s.scalar(select(ReviewItem.interval_days)) == 1
    # Practice answers count for streaks but not for the channel leaderboard.
    board = await core.command(ALICE_CC, "leaderboard")
    assert "No points yet" in board.text
    assert "Current: 1 day" in (await core.command(ALICE_CC, "streak")).text
    nxt = await core.button(CommandContext(ALICE, "alice", None, is_dm=True), "practice:next")
    assert "direct message" in nxt.text and platform.sent[-1].kind == "dm"


async def test_dm_text_without_practice_is_a_command(core: Core) -> None:
    hello = await core.answer(AnswerEvent("test:W1:D1:9", "test:W1:D1", ALICE, "hello?", core.ctx.clock.now(),
                                          "alice", True))
    assert hello.outcome == "command" and hello.reply is not None and hello.reply.kind == "help"
    streak = await core.answer(AnswerEvent("test:W1:D1:10", "test:W1:D1", ALICE, "/drill streak",
                                           core.ctx.clock.now(), "alice", True))
    assert streak.reply is not None and streak.reply.title == "Streak"


async def test_unknown_category_and_unknown_command_get_help(core: Core) -> None:
    bad = await core.command(ALICE_CC, "practice cooking")
    assert bad.kind == "error" and "fundamentals" in bad.text
    unknown = await core.command(ALICE_CC, "dance <!channel>")
    assert unknown.kind == "help" and "<!channel>" not in unknown.text.replace("“<!channel>”", "")
    assert (await core.command(ALICE_CC, "")).kind == "help"


async def test_leaderboard_ties_go_to_the_earlier_answer_and_opt_out_is_anonymous(core: Core) -> None:
    thread = await setup_round(core)
    await core.answer(answer(thread, "m1", BOB, "a great answer", core))
    core.ctx.clock.advance(timedelta(minutes=5))
    await core.answer(answer(thread, "m2", ALICE, "a great answer", core))
    await core.worker.drain()
    lines = (await core.command(ALICE_CC, "leaderboard")).text.splitlines()
    assert "bob" in lines[0] and "alice" in lines[1]
    await core.command(CommandContext(BOB, "bob", CH), "optout leaderboard")
    lines = (await core.command(ALICE_CC, "leaderboard all")).text.splitlines()
    assert "(anonymous)" in lines[0] and "bob" not in "\n".join(lines)
    assert (await core.command(ALICE_CC, "leaderboard forever")).kind == "error"


async def test_stats_show_categories_and_weak_spots(core: Core) -> None:
    thread = await setup_round(core)
    await core.answer(answer(thread, "m1", ALICE, "an ok answer", core))
    await core.worker.drain()
    stats = await core.command(ALICE_CC, "stats")
    text = stats.plain()
    assert "By category" in text and "5.0" in text and "Practise next" in text
    other = await core.command(CommandContext(BOB, "bob", CH, mentions=(ALICE,)), "stats")
    assert "Stats for alice" in other.title
    assert (await core.command(ALICE_CC, "stats bob and carol")).kind == "error"


async def test_config_needs_admin_and_validates(core: Core, platform: FakePlatform) -> None:
    denied = await core.command(ALICE_CC, "config time 10:00")
    assert denied.kind == "error" and "admin" in denied.text
    platform.admins.add(ADMIN)
    bad_tz = await core.command(ADMIN_CC, "config timezone Mars/Base")
    assert bad_tz.kind == "error" and "Mars/Base" in bad_tz.text
    bad_cat = await core.command(ADMIN_CC, "config categories evals,cooking")
    assert bad_cat.kind == "error"
    async with core.ctx.sessions() as s:
        assert await s.scalar(select(Channel)) is None  # nothing changed
    ok = await core.command(ADMIN_CC, "config timezone Europe/Berlin")
    assert ok.kind == "info" and "Europe/Berlin" in ok.text
    shown = await core.command(ADMIN_CC, "config")
    assert "Europe/Berlin" in shown.plain()


async def test_post_enables_an_unconfigured_channel(core: Core, platform: FakePlatform) -> None:
    platform.admins.add(ADMIN)
    reply = await core.command(ADMIN_CC, "post")
    assert "enabled" in reply.text and len(platform.posts()) == 1
    again = await core.command(ADMIN_CC, "post")
    assert "already posted" in again.text and len(platform.posts()) == 1


async def test_forget_me_deletes_everything_and_reports_counts(core: Core) -> None:
    thread = await setup_round(core)
    await core.answer(answer(thread, "m1", ALICE, "a great answer", core))
    await core.answer(answer(thread, "m2", BOB, "a great answer", core))
    await core.worker.drain()
    confirm = await core.command(ALICE_CC, "forget-me")
    assert "forget-me confirm" in confirm.text and await count(core, Answer) == 2
    done = await core.command(ALICE_CC, "forget-me confirm")
    assert "1 answer(s), 1 score(s)" in done.text
    assert await count(core, Answer) == 1 and await count(core, Member, Member.user_key == ALICE) == 0
    assert "nothing stored" in (await core.command(ALICE_CC, "forget-me confirm")).text


async def test_weekly_digest_posts_once_with_a_chart(core: Core, platform: FakePlatform) -> None:
    thread = await setup_round(core)
    await core.answer(answer(thread, "m1", ALICE, "a great answer", core))
    await core.answer(answer(thread, "m2", BOB, "an ok answer", core))
    await core.worker.drain()
    core.ctx.clock.advance(timedelta(days=7))
    first = await core.post_digest(CH)
    second = await core.post_digest(CH)
    assert first.posted and not second.posted
    digest = platform.of_kind("digest")
    assert len(digest) == 1
    msg = digest[0].message
    assert msg.image is not None and msg.image[:8] == b"\x89PNG\r\n\x1a\n"
    text = msg.plain()
    assert "1. alice · 10.0 pts" in text and "2 people, 2 answers" in text


async def test_stats_of_someone_who_opted_out_of_the_leaderboard_show_nothing_about_them(core: Core) -> None:
    """Issue 20.7: `stats @person` showed the name, points, streak and categories of someone who opted out.
    The rule: the leaderboard opt-out also makes your stats private; others get the same reply as for a
    person with no answers, so the opt-out itself is not revealed."""
    thread = await setup_round(core)
    await core.answer(answer(thread, "m1", ALICE, "an ok answer", core))
    await core.worker.drain()
    await core.command(ALICE_CC, "optout leaderboard")
    other = await core.command(CommandContext(BOB, "bob", CH, mentions=(ALICE,)), "stats")
    nobody = await core.command(CommandContext(BOB, "bob", CH, mentions=("test:W1:carol",)), "stats")
    assert "alice" not in other.plain() and "5.0" not in other.plain() and "Streak" not in other.plain()
    assert (other.title, other.text) == (nobody.title, nobody.text)
    own = await core.command(ALICE_CC, "stats")  # your own stats stay yours to see
    assert "5.0" in own.plain()
    await core.command(ALICE_CC, "optin leaderboard")
    assert "Stats for alice" in (await core.command(CommandContext(BOB, "bob", CH, mentions=(ALICE,)), "stats")).title


async def test_stats_at_a_typed_name_respects_the_leaderboard_opt_out(core: Core) -> None:
    """`stats @alice` typed as a name (the terminal, or a mention the platform did not resolve) passed
    `about_self` inverted: someone else's stats were titled "Your stats" and skipped their opt-out."""
    thread = await setup_round(core)
    await core.answer(answer(thread, "m1", ALICE, "an ok answer", core))
    await core.worker.drain()
    await core.command(ALICE_CC, "optout leaderboard")
    typed = await core.command(CommandContext(BOB, "bob", CH), "stats @alice")
    assert "5.0" not in typed.plain() and "Streak" not in typed.plain() and typed.title != "Your stats"
    await core.command(ALICE_CC, "optin leaderboard")
    assert "Stats for alice" in (await core.command(CommandContext(BOB, "bob", CH), "stats @alice")).title
