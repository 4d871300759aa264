"""Slack end to end (signed HTTP into the real Bolt app, the real AsyncWebClient against a fake Slack):
a mock interview in DMs across a restart, and a dispute from the button to the admin's ruling."""

from __future__ import annotations

import json
from datetime import timedelta

from bank.loader import Bank
from bot.clock import FakeClock
from tests.conftest import MONDAY_9, empty_tables
from tests.fakes.interview_bank import interview_bank
from tests.fakes.judges import ScriptedJudge
from tests.fakes.slack_api import SlackHarness, message, running_slack, wait_for

DM = "DU1"


def ts_at(minutes: float) -> str:
    return f"{(MONDAY_9 + timedelta(minutes=minutes)).timestamp():.6f}"


def dm_texts(h: SlackHarness) -> list[str]:
    return [json.dumps(p.get("blocks") or p.get("text"), ensure_ascii=False) for p in h.fake.posts(DM)]


async def say(h: SlackHarness, clock: FakeClock, minute: float, text: str, expect: str) -> None:
    """Answer in the DM as Slack delivers it, and wait for the bot's next prompt containing `expect`."""
    clock.set(MONDAY_9 + timedelta(minutes=minute))
    before = len(h.fake.posts(DM))
    assert await h.event(message(DM, "U1", text, ts_at(minute), channel_type="im")) == 200
    await wait_for(lambda: any(expect in t for t in dm_texts(h)[before:]), what=expect)


async def test_interview_in_slack_dms_across_a_restart(sqlite_url: str, bank: Bank) -> None:
    await empty_tables(sqlite_url)
    clock, questions = FakeClock(MONDAY_9), interview_bank(bank)
    async with running_slack(sqlite_url, questions, ScriptedJudge(), clock) as h:
        assert await h.command("interview evals --questions 3", user="U1") == 200
        ack = (await wait_for(lambda: h.hook_replies("cmd"), what="command reply"))[0]
        assert ack["response_type"] == "ephemeral" and "direct message" in json.dumps(ack)
        await wait_for(lambda: any("Question 1 of 3" in t for t in dm_texts(h)), what="first question")
        await say(h, clock, 2, "ok I would keep a versioned golden set", "follow-up 1")
    async with running_slack(sqlite_url, questions, ScriptedJudge(), clock) as h:  # a new process
        await say(h, clock, 4, "ok because", "follow-up 2")
        await say(h, clock, 6, "great because of the risk", "Question 2 of 3")
        await say(h, clock, 8, "great answer", "Question 3 of 3")
        await say(h, clock, 10, "hint", "Hint")
        await say(h, clock, 12, "end", "Interview summary")
        summary = dm_texts(h)[-1]
        assert "Two things to study" in summary and "Model answer" in summary and "Follow-up 2" in summary


async def test_dispute_button_to_admin_ruling(sqlite_url: str, bank: Bank) -> None:
    await empty_tables(sqlite_url)
    async with running_slack(sqlite_url, bank, ScriptedJudge(), FakeClock(MONDAY_9)) as h:
        channel_key = "slack:T0TEST:C1"
        await h.core.configure_channel(channel_key, "practice")
        posted = await h.core.post_round(channel_key)
        root = posted.thread_key.rsplit(":", 1)[1]
        await h.event(message("C1", "U1", "an ok answer", ts_at(5), thread_ts=root))
        [reply] = await wait_for(lambda: h.fake.posts("C1", thread_ts=root), what="score reply")
        buttons = [e for b in reply["blocks"] if b["type"] == "actions" for e in b["elements"]]
        [dispute] = [b for b in buttons if b["action_id"].startswith("dispute:")]
        assert dispute["text"]["text"] == "Dispute"

        assert await h.action(dispute["action_id"], user="U2", channel="C1", hook="not-mine") == 200
        refused = (await wait_for(lambda: h.hook_replies("not-mine"), what="refusal"))[0]
        assert "not one of your scored answers" in json.dumps(refused)
        assert await h.action(dispute["action_id"], user="U1", channel="C1") == 200
        received = (await wait_for(lambda: h.hook_replies("act"), what="dispute received"))[0]
        assert received["response_type"] == "ephemeral" and "received" in json.dumps(received)
        await h.command(f"dispute #{dispute['action_id'].split(':')[1]} I named the trade-off", user="U1",
                        hook="reason")
        await wait_for(lambda: h.hook_replies("reason"), what="reason saved")

        await h.command("review", user="UADMIN", hook="review")
        listing = json.dumps((await wait_for(lambda: h.hook_replies("review"), what="review"))[0])
        assert "dispute 1" in listing and "I named the trade-off" in listing
        await h.command("review score 1 8", user="UADMIN", hook="rule")
        ruled = json.dumps((await wait_for(lambda: h.hook_replies("rule"), what="ruling"))[0])
        assert "upheld" in ruled
        told = await wait_for(lambda: [p for p in h.fake.posts(DM) if "upheld" in json.dumps(p)], what="outcome DM")
        assert "8.0/10" in json.dumps(told[0])
