"""Slack App Home: app_home_opened and each new score publish the progress card with views.publish,
debounced per person, through signed HTTP requests to the real Bolt app and the fake Slack Web API."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bank.loader import Bank
from bot.clock import FakeClock
from tests.conftest import MONDAY_9, empty_tables
from tests.fakes.judges import ScriptedJudge
from tests.fakes.slack_api import SlackHarness, block_kit_problems, message, running_slack, wait_for
from tests.integration.test_slack_adapter import CH, start_round, ts_at


@pytest.fixture
async def slack(sqlite_url: str, bank: Bank) -> AsyncIterator[SlackHarness]:
    await empty_tables(sqlite_url)
    async with running_slack(sqlite_url, bank, ScriptedJudge(), FakeClock(MONDAY_9)) as h:
        h.platform.home.min_interval_s = 0.3
        yield h


def home_opened(user: str) -> dict:
    return {"type": "app_home_opened", "user": user, "channel": "D" + user, "tab": "home"}


def views(h: SlackHarness, user: str) -> list[dict]:
    out = []
    for c in h.fake.calls_to("views.publish"):
        if c.args.get("user_id") == user:
            view = c.args["view"]
            out.append(json.loads(view) if isinstance(view, str) else view)
    return out


async def test_opening_home_publishes_a_valid_card_with_chart_and_practise_button(slack: SlackHarness) -> None:
    root = await start_round(slack)
    assert await slack.event(message(CH, "U1", "an ok answer", ts_at(5), thread_ts=root)) == 200
    # The score itself refreshes the Home tab.
    first = await wait_for(lambda: views(slack, "U1"), within=20, what="home published after the score")
    await slack.platform.home.idle()
    slack.core.ctx.clock.advance(timedelta(days=2))  # the partial answer's review is now due
    assert await slack.event(home_opened("U1")) == 200
    published = await wait_for(lambda: views(slack, "U1")[len(first):], what="home published on open")
    view = published[-1]
    blocks = view["blocks"]
    assert view["type"] == "home" and block_kit_problems(blocks, limit=100, uploaded=set(slack.fake.uploads)) == []
    assert blocks[0]["type"] == "header" and blocks[0]["text"]["text"] == "Your progress"
    image = next(b for b in blocks if b["type"] == "image")
    assert slack.fake.uploads[image["slack_file"]["id"]][:4] == b"\x89PNG"
    text = json.dumps(blocks)
    assert "Streak" in text and "This week" in text and "Trend" in text and "Due for review" in text
    actions = [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert actions == ["practice:start"]
    # "Practise now" from the Home tab (no response_url) sends the practice question by DM.
    dms = len(slack.fake.posts("DU1"))
    body = {"type": "block_actions", "user": {"id": "U1", "team_id": "T0TEST"}, "team": {"id": "T0TEST"},
            "container": {"type": "view", "view_id": "V1"}, "trigger_id": "t1",
            "actions": [{"action_id": "practice:start", "type": "button", "value": "practice:start"}]}
    from tests.fakes.slack_api import interactive_body

    status, _ = await slack.deliver(interactive_body(body), "application/x-www-form-urlencoded")
    assert status == 200
    await wait_for(lambda: len(slack.fake.posts("DU1")) > dms, what="practice DM from the Home button")


async def test_home_refreshes_are_debounced_per_person(slack: SlackHarness) -> None:
    slack.platform.home.min_interval_s = 1.0
    for _ in range(10):  # well inside one interval: the first publishes, the rest fold into one more
        assert await slack.event(home_opened("U2")) == 200
    await slack.platform.home.idle()
    assert 1 <= len(views(slack, "U2")) <= 2
    # A person drillbot has never seen gets the friendly empty card, without a chart.
    blocks = views(slack, "U2")[-1]["blocks"]
    assert "Nothing yet" in json.dumps(blocks) and not any(b["type"] == "image" for b in blocks)


async def test_home_text_from_users_is_escaped(slack: SlackHarness) -> None:
    root = await start_round(slack)
    # U3's display name is "<!channel> Di": it must never appear unescaped in a view.
    assert await slack.event(message(CH, "U3", "a great answer <!channel>", ts_at(5), thread_ts=root)) == 200
    await wait_for(lambda: views(slack, "U3"), within=20, what="home after score")
    await slack.platform.home.idle()
    assert "<!channel>" not in json.dumps(views(slack, "U3"))
