"""The Slack adapter against a fake Slack Web API: signed HTTP requests through the real Bolt app, the real
AsyncWebClient for everything the bot sends."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta

import pytest

from adapters.slack.app import SeenEvents, slack_unescape
from adapters.slack.render import blocks as render_blocks
from adapters.slack.render import escape
from bank.loader import Bank
from bank.schema import Question
from bot.clock import FakeClock
from bot.messages import Message
from bot.ports import Verdict
from tests.conftest import MONDAY_9, empty_tables
from tests.fakes.judges import ScriptedJudge
from tests.fakes.slack_api import (
    SlackHarness,
    bot_message,
    event_callback,
    message,
    message_changed,
    message_deleted,
    running_slack,
    wait_for,
)

CH = "C1"
CHANNEL_KEY = "slack:T0TEST:C1"


def ts_at(minutes: float) -> str:
    return f"{(MONDAY_9 + timedelta(minutes=minutes)).timestamp():.6f}"


@pytest.fixture
async def slack(sqlite_url: str, bank: Bank) -> AsyncIterator[SlackHarness]:
    await empty_tables(sqlite_url)
    async with running_slack(sqlite_url, bank, ScriptedJudge(), FakeClock(MONDAY_9)) as h:
        yield h


async def start_round(h: SlackHarness) -> str:
    await h.core.configure_channel(CHANNEL_KEY, "practice")
    result = await h.core.post_round(CHANNEL_KEY)
    assert result.posted, result.reason
    assert result.thread_key and result.thread_key.startswith(CHANNEL_KEY + ":")
    return result.thread_key.rsplit(":", 1)[1]


def all_text(args: dict) -> str:
    return json.dumps({"text": args.get("text"), "blocks": args.get("blocks")}, ensure_ascii=False)


async def test_daily_round_posts_block_kit_as_thread_root(slack: SlackHarness) -> None:
    root = await start_round(slack)
    post = slack.fake.posts(CH)[0]
    blocks = post["blocks"]
    assert blocks[0]["type"] == "header" and "Question of the day" in blocks[0]["text"]["text"]
    assert any(b["type"] == "section" for b in blocks) and blocks[-1]["type"] == "context"
    assert "thread_ts" not in post and not post.get("link_names") and not post.get("reply_broadcast")
    assert float(root) > 0


async def test_thread_reply_is_scored_in_the_same_thread(slack: SlackHarness) -> None:
    root = await start_round(slack)
    assert await slack.event(message(CH, "U1", "a great answer about evals", ts_at(5), thread_ts=root)) == 200
    replies = await wait_for(lambda: slack.fake.posts(CH, thread_ts=root), what="scored reply")
    reply = replies[0]
    assert reply["thread_ts"] == root and not reply.get("reply_broadcast")
    assert "10.0/10" in reply["blocks"][0]["text"]["text"] and "Bo" in reply["blocks"][0]["text"]["text"]


async def settle(h: SlackHarness) -> None:
    """Let background handlers finish and the worker score whatever is pending."""
    await asyncio.sleep(0.2)
    await h.core.worker.drain()


async def test_retries_and_duplicate_deliveries_never_score_twice(slack: SlackHarness) -> None:
    root = await start_round(slack)
    answer = message(CH, "U1", "a great answer", ts_at(5), thread_ts=root)
    assert await slack.event(answer, event_id="EvSAME") == 200
    await wait_for(lambda: slack.fake.posts(CH, thread_ts=root), what="first reply")
    assert await slack.event(answer, event_id="EvSAME", retry_num=1) == 200  # Slack's retry
    assert await slack.event(answer, event_id="EvSAME") == 200  # the same event twice
    assert await slack.event(answer, event_id="EvOTHER") == 200  # redelivered under a new id
    await settle(slack)
    assert slack.core.judge.calls == 1
    assert len(slack.fake.posts(CH, thread_ts=root)) == 1


async def test_bot_and_top_level_messages_are_not_answers(slack: SlackHarness) -> None:
    root = await start_round(slack)
    await slack.event(bot_message(CH, "a great answer from another bot", ts_at(3), thread_ts=root))
    await slack.event(message(CH, "U1", "a great chat message, not in a thread", ts_at(4)))
    await slack.event(message(CH, "U1", "a great answer in someone else's thread", ts_at(5), thread_ts=ts_at(1)))
    await settle(slack)
    assert slack.core.judge.calls == 0
    assert slack.fake.posts(CH, thread_ts=root) == [] and slack.fake.calls_to("chat.postEphemeral") == []


async def test_edit_is_a_revision_and_delete_leaves_the_leaderboard(slack: SlackHarness) -> None:
    root = await start_round(slack)
    await slack.event(message(CH, "U1", "an ok answer", ts_at(5), thread_ts=root))
    await wait_for(lambda: slack.fake.posts(CH, thread_ts=root), what="first score")
    await slack.event(message_changed(CH, "U1", "now a great answer", ts_at(5), thread_ts=root))
    replies = await wait_for(lambda: len(slack.fake.posts(CH, thread_ts=root)) >= 2 and
                             slack.fake.posts(CH, thread_ts=root), what="revision score")
    assert "10.0/10" in replies[1]["blocks"][0]["text"]["text"]
    await slack.command("leaderboard", user="U2", hook="before")
    before = await wait_for(lambda: slack.hook_replies("before"), what="leaderboard")
    assert "Bo" in all_text(before[0])
    await slack.event(message_deleted(CH, ts_at(5), thread_ts=root))
    await settle(slack)
    await slack.command("leaderboard", user="U2", hook="after")
    after = await wait_for(lambda: slack.hook_replies("after"), what="leaderboard after delete")
    assert "Bo" not in all_text(after[0])


async def test_too_long_answer_gets_an_ephemeral_note_in_the_thread(slack: SlackHarness) -> None:
    root = await start_round(slack)
    await slack.event(message(CH, "U1", "x " * 3000, ts_at(5), thread_ts=root))
    eph = await wait_for(lambda: slack.fake.calls_to("chat.postEphemeral"), what="ephemeral note")
    assert eph[0].args["user"] == "U1" and eph[0].args["thread_ts"] == root
    assert slack.fake.posts(CH, thread_ts=root) == []


async def test_drill_help_is_ephemeral(slack: SlackHarness) -> None:
    assert await slack.command("help", user="U1") == 200
    reply = (await wait_for(lambda: slack.hook_replies("cmd"), what="help"))[0]
    assert reply["response_type"] == "ephemeral"
    assert "drillbot help" in all_text(reply) and "/drill practice" in all_text(reply)
    await slack.command("dance wildly", user="U1", hook="unknown")
    unknown = (await wait_for(lambda: slack.hook_replies("unknown"), what="help for unknown"))[0]
    assert "drillbot help" in all_text(unknown)


async def test_config_is_refused_for_non_admins_and_allowed_for_workspace_admins(slack: SlackHarness) -> None:
    await slack.command("config time 07:15", user="U1", hook="member")
    refused = (await wait_for(lambda: slack.hook_replies("member"), what="refusal"))[0]
    assert "Only admins" in all_text(refused)
    await slack.command("config time 07:15", user="UADMIN", hook="admin")
    saved = (await wait_for(lambda: slack.hook_replies("admin"), what="saved"))[0]
    assert "Saved" in all_text(saved) and "07:15" in all_text(saved)
    assert await slack.platform.is_admin("slack:T0TEST:UADMIN", CHANNEL_KEY)
    assert not await slack.platform.is_admin("slack:T0TEST:UNKNOWN", CHANNEL_KEY)


async def test_practice_sends_a_dm_and_the_dm_reply_is_scored(slack: SlackHarness) -> None:
    await slack.command("practice", user="U1")
    ack = (await wait_for(lambda: slack.hook_replies("cmd"), what="practice ack"))[0]
    assert "direct message" in all_text(ack)
    assert slack.fake.calls_to("conversations.open")[0].args["users"] == "U1"
    question = slack.fake.posts("DU1")[0]
    assert "Practice" in question["blocks"][0]["text"]["text"] and "thread_ts" not in question
    await slack.event(message("DU1", "U1", "a great private answer", ts_at(10), channel_type="im"))
    scored = await wait_for(lambda: len(slack.fake.posts("DU1")) >= 2 and slack.fake.posts("DU1")[1],
                            what="practice score")
    assert "10.0/10" in all_text(scored) and "thread_ts" not in scored
    assert any(b["type"] == "actions" and b["elements"][0]["action_id"] == "practice:next" for b in scored["blocks"])
    reveal = await wait_for(lambda: len(slack.fake.posts("DU1")) >= 3 and slack.fake.posts("DU1")[2],
                            what="model answer")
    assert "Model answer" in all_text(reveal) and "probing" in all_text(reveal)
    await slack.action("practice:next", user="U1", channel="DU1")
    await wait_for(lambda: slack.hook_replies("act"), what="button ack")
    await wait_for(lambda: len(slack.fake.posts("DU1")) >= 4, what="next question")
    assert "Practice" in slack.fake.posts("DU1")[3]["blocks"][0]["text"]["text"]


async def test_a_dm_that_is_not_an_answer_is_a_command(slack: SlackHarness) -> None:
    await slack.event(message("DU2", "U2", "practice", ts_at(1), channel_type="im"))
    posts = await wait_for(lambda: len(slack.fake.posts("DU2")) >= 2 and slack.fake.posts("DU2"),
                           what="question and note")
    assert any("Practice" in all_text(p) for p in posts)


async def test_429_on_post_is_retried_without_a_double_post(slack: SlackHarness) -> None:
    slack.fake.fail("chat.postMessage", status=429, times=2, retry_after=0)
    await start_round(slack)
    assert len(slack.fake.attempts_at("chat.postMessage")) == 3
    assert len(slack.fake.posts(CH)) == 1


async def test_server_errors_are_retried(slack: SlackHarness) -> None:
    slack.fake.fail("chat.postMessage", status=503, times=1)
    posted = await slack.platform.post(CHANNEL_KEY, Message(text="hello"))
    assert posted.thread_key.startswith(CHANNEL_KEY + ":")
    assert len(slack.fake.attempts_at("chat.postMessage")) == 2 and len(slack.fake.posts(CH)) == 1


async def test_mention_injection_is_escaped_in_everything_the_bot_sends(slack: SlackHarness) -> None:
    root = await start_round(slack)
    hostile = "<@U123> <!channel> great @everyone <!here|here> & more"
    await slack.event(message(CH, "U3", hostile, ts_at(5), thread_ts=root))
    reply = (await wait_for(lambda: slack.fake.posts(CH, thread_ts=root), what="scored reply"))[0]
    await slack.command(f"stats {hostile}", user="U3", hook="stats")
    stats = (await wait_for(lambda: slack.hook_replies("stats"), what="stats"))[0]
    for sent in (reply, stats):
        out = all_text(sent)
        for raw in ("<!channel>", "<@U123>", "<!here", "<!everyone>"):
            assert raw not in out
        assert not sent.get("link_names")
    out = all_text(reply)
    assert "&lt;!channel&gt; Di" in out and "&lt;@U123&gt;" in out
    assert all(b["text"].get("verbatim") for b in reply["blocks"] if b["type"] == "section" and "text" in b)


async def test_invalid_signature_is_rejected(slack: SlackHarness) -> None:
    root = await start_round(slack)
    body = json.dumps(event_callback(message(CH, "U1", "a great answer", ts_at(5), thread_ts=root)))
    status, _ = await slack.deliver(body, "application/json", secret="wrong-secret")
    assert status == 401
    stale = {"X-Slack-Request-Timestamp": str(int(time.time()) - 3600)}
    status, _ = await slack.deliver(body, "application/json", headers=stale)
    assert status == 401
    await settle(slack)
    assert slack.core.judge.calls == 0


async def test_posts_to_one_channel_are_paced(slack: SlackHarness) -> None:
    slack.platform.pace_s = 0.2
    start = time.monotonic()
    for i in range(3):
        await slack.platform.post(CHANNEL_KEY, Message(text=f"m{i}"))
    assert time.monotonic() - start >= 0.4


async def test_digest_image_is_uploaded_into_the_channel(slack: SlackHarness) -> None:
    await slack.platform.post(CHANNEL_KEY, Message(text="digest", title="Weekly", image=b"\x89PNG fake",
                                                   image_name="digest.png"))
    complete = slack.fake.calls_to("files.completeUploadExternal")
    assert len(complete) == 1 and complete[0].args["channel_id"] == CH
    assert list(slack.fake.uploads.values()) == [b"\x89PNG fake"]


def test_seen_events_skip_repeats_and_forget_the_oldest() -> None:
    seen = SeenEvents(size=2)
    assert seen.first_time("Ev1") and not seen.first_time("Ev1")
    assert seen.first_time("Ev2") and seen.first_time("Ev3")
    assert seen.first_time("Ev1")  # evicted: the core's unique message key still guards it
    assert seen.first_time(None) and seen.first_time(None)


def test_slack_text_is_unescaped_for_the_core_and_escaped_on_the_way_out() -> None:
    assert slack_unescape("a &lt; b &amp;&amp; c &gt; d &amp;lt;") == "a < b && c > d &lt;"
    assert escape("<!here> & <@U1>") == "&lt;!here&gt; &amp; &lt;@U1&gt;"
    long = Message(text="word " * 2000, title="t" * 500)
    blocks = render_blocks(long)
    assert len(blocks[0]["text"]["text"]) <= 150
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")


async def test_private_feedback_mode_scores_by_dm_not_in_the_thread(slack: SlackHarness) -> None:
    root = await start_round(slack)
    await slack.command("config feedback private", user="UADMIN", hook="cfg")
    await wait_for(lambda: slack.hook_replies("cfg"), what="config saved")
    await slack.event(message(CH, "U1", "a great answer", ts_at(5), thread_ts=root))
    dm = (await wait_for(lambda: slack.fake.posts("DU1"), what="score by DM"))[0]
    assert "10.0/10" in all_text(dm)
    await settle(slack)
    assert slack.fake.posts(CH, thread_ts=root) == []


async def test_channel_round_hints_are_ephemeral_in_the_thread(slack: SlackHarness) -> None:
    """Issue 13: the thread shows the score; the feedback and follow-up are shown to the person alone."""
    root = await start_round(slack)
    await slack.event(message(CH, "U1", "a great answer", ts_at(5), thread_ts=root))
    reply = (await wait_for(lambda: slack.fake.posts(CH, thread_ts=root), what="score in the thread"))[0]
    note = (await wait_for(lambda: slack.fake.calls_to("chat.postEphemeral"), what="private hints"))[0].args
    assert "10.0/10" in all_text(reply) and "why?" not in all_text(reply)
    assert (note["channel"], note["user"], note["thread_ts"]) == (CH, "U1", root)
    assert "why?" in all_text(note)


class SlowJudge(ScriptedJudge):
    """Takes longer than Slack's 3-second ack window."""

    async def grade(self, question: Question, answer: str, *, shown: Sequence[str] = ()) -> Verdict:
        await asyncio.sleep(3.5)
        return await super().grade(question, answer, shown=shown)


async def test_events_are_acknowledged_before_scoring(sqlite_url: str, bank: Bank) -> None:
    await empty_tables(sqlite_url)
    async with running_slack(sqlite_url, bank, SlowJudge(), FakeClock(MONDAY_9)) as h:
        root = await start_round(h)
        started = time.monotonic()
        assert await h.event(message(CH, "U1", "a great answer", ts_at(5), thread_ts=root)) == 200
        assert time.monotonic() - started < 1.0
        assert h.fake.posts(CH, thread_ts=root) == []  # the score follows later, in the thread


async def test_next_and_skip_keep_the_chosen_category_for_ten_presses(slack: SlackHarness) -> None:
    def qids() -> list[str]:
        found = [re.search(r"id ([\w.-]+)", all_text(p)) for p in slack.fake.posts("DU1")]
        return [m.group(1) for m in found if m]

    await slack.command("practice evals", user="U1")
    await wait_for(lambda: len(qids()) == 1, what="first question")
    for i in range(10):
        if i % 3 == 0:
            await slack.command("next", user="U1", channel="DU1")
        else:
            await slack.action("practice:next" if i % 3 == 1 else "practice:skip", user="U1", channel="DU1")
        await wait_for(lambda i=i: len(qids()) == i + 2, what=f"question {i + 2}")
    picked = qids()
    assert {slack.core.ctx.catalog.get(q).category for q in picked} == {"evals"}  # type: ignore[union-attr]
    assert len(set(picked)) == 11


async def test_the_cores_clock_decides_the_deadline_not_slacks_ts(slack: SlackHarness) -> None:
    """Issue 14: one clock for every platform. Before, Slack's ts decided (the Discord adapter used the
    core's clock), so a message carrying an early ts was scored after the round had closed."""
    root = await start_round(slack)
    slack.core.ctx.clock.advance(timedelta(hours=25))  # past the 24-hour window by the core's clock
    late = message(CH, "U1", "a great answer, sent late", ts_at(5), thread_ts=root)  # ts inside the window
    assert await slack.event(late) == 200
    eph = await wait_for(lambda: slack.fake.calls_to("chat.postEphemeral"), what="closed-round note")
    assert "closed" in all_text(eph[0].args) and eph[0].args["user"] == "U1"
    await settle(slack)
    assert slack.core.judge.calls == 0 and slack.fake.posts(CH, thread_ts=root) == []


async def test_a_mention_in_a_command_reaches_the_core_as_a_user_key(slack: SlackHarness) -> None:
    """Issue 14: the adapter resolves `<@U2|bo>` into a user key; the core never parses Slack's syntax."""
    root = await start_round(slack)
    await slack.event(message(CH, "U2", "a great answer about evals", ts_at(5), thread_ts=root))
    await wait_for(lambda: slack.fake.posts(CH, thread_ts=root), what="scored reply")
    await slack.command("stats <@U2|bo>", user="U1", hook="stats")
    stats = all_text((await wait_for(lambda: slack.hook_replies("stats"), what="stats"))[0])
    assert "Stats for" in stats and "No answers" not in stats and "10.0" in stats
