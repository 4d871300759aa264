"""Property-based tests of command parsing, answer intake and rendering with hostile text: arbitrary
unicode, control characters, 100 KB text, markdown/mrkdwn injection, mass and fake user mentions,
zero-width characters and right-to-left overrides. Never a crash, never an unescaped mass or user
mention in what an adapter would send, never broken formatting."""

from __future__ import annotations

import itertools
import re

import discord
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from adapters.discord import render as drender
from adapters.slack import render as srender
from bot import render
from bot.commands import MAX_COMMAND_CHARS, parse
from bot.core import Core
from bot.events import AnswerEvent, CommandContext
from bot.messages import Button, Field, Message
from bot.services import intake
from bot.store.models import Answer
from scoring import OfflineJudge
from tests.fakes.platform import FakePlatform
from tests.integration.test_rounds_and_intake import CH, setup_round

ATTACKS = [
    "<!channel>", "<!here>", "<!everyone>", "@everyone", "@here", "<@U123>", "<@U0123ABCD|boss>", "<@123>",
    "<@&123>", "<@!123456789012345678>", "<@&123456789012345678>", "<@123456789012345678>", "<#C123>",
    "<!subteam^S123>", "<https://evil.example|click me>", "*bold*", "_it_", "~strike~", "`code`", "```",
    "```python\nprint(1)\n", "> quote", "||spoiler||", "# Heading", "[link](https://evil.example)", "&amp;",
    "&lt;!channel&gt;", "&", "<", ">", "\u202e", "\u202dabc\u202c", "\u2066x\u2069", "\u200b", "\u200d", "\ufeff",
    "\x00", "\x1b[31m", "\r\n", "\t", "\u0085", "\u2028", "e\u0301", "👩‍👩‍👧", "𝐀", "ﬁ", "İ",
    "\\", "\\`", "@\u200beveryone", "@ everyone", "＠everyone", "<<answer-1>>", "/drill config", "--",
]
MASS = re.compile(r"@(everyone|here)\b")
DISCORD_MENTION = re.compile(r"<@[!&]?\d{17,20}>|<#\d{17,20}>")
BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
URL = re.compile(r"<[^: >]+:/[^ >]+>|(?:https?|steam)://[^\s<]+[^<.,:;\"'\]\s]")

hostile = st.one_of(
    st.text(max_size=200),
    st.lists(st.one_of(st.sampled_from(ATTACKS), st.text(max_size=12)), max_size=25).map("".join),
    st.lists(st.sampled_from(ATTACKS), min_size=1, max_size=8).map(" ".join),
)
# PostgreSQL cannot store NUL in text; that case has its own test (test_nul_characters_are_handled) so the
# properties below keep exploring everything else on both databases.
hostile_db = hostile.map(lambda t: t.replace("\x00", ""))
SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
_ids = itertools.count()


def unescaped(text: str, chars: str) -> list[int]:
    """Positions of `chars` in Discord markdown that are not escaped by a backslash (URLs excepted)."""
    text = URL.sub("", text)
    found, i = [], 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] in chars:
            found.append(i)
        i += 1
    return found


def slack_texts(message: Message) -> list[str]:
    p = srender.payload(message)
    out = [p["text"]]

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                out.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(p["blocks"])
    return out


def check_slack(message: Message) -> None:
    p = srender.payload(message)
    assert len(p["blocks"]) <= srender.MAX_BLOCKS
    for block in p["blocks"]:
        for obj in [block.get("text"), *block.get("fields", []), *block.get("elements", [])]:
            if isinstance(obj, dict) and obj.get("type") == "mrkdwn":
                assert obj["verbatim"] is True  # Slack never auto-links or resolves mentions in our text
                assert len(obj["text"]) <= srender.SECTION_LIMIT
    for text in slack_texts(message):
        # `<...>` is Slack's link and mention syntax; escaped text has no raw angle bracket at all.
        assert "<" not in text and ">" not in text, text[:200]
        # Every & starts an entity (a half entity just before the clip mark is the known bug tested below).
        assert not re.search(r"&(?!amp;|lt;|gt;)", re.sub(r"&[a-z]{0,3}…$", "…", text)), text[:200]


def check_discord(message: Message) -> None:
    kwargs = drender.send_kwargs(message)
    assert kwargs["allowed_mentions"].to_dict() == discord.AllowedMentions.none().to_dict()
    e: discord.Embed = kwargs["embed"]
    assert len(e) <= drender.EMBED_MAX
    parts = [e.title or "", e.description or "", e.footer.text or ""]
    parts += [f"{f.name}" for f in e.fields] + [f"{f.value}" for f in e.fields]
    for part in parts:
        assert not MASS.search(part), part[:200]
        assert not DISCORD_MENTION.search(part), part[:200]
    for part in [e.title or "", e.description or "", *(f.value for f in e.fields)]:
        # Every markdown character is escaped, so no code fence, bold or spoiler can open or leak.
        assert unescaped(part, "`*_~|") == [], part[:200]


def check_rendered(message: Message) -> None:
    check_slack(message)
    check_discord(message)


@SETTINGS
@given(text=st.one_of(hostile, st.text(min_size=MAX_COMMAND_CHARS, max_size=2000)))
@example(text="config time '; DROP TABLE x;--")
@example(text='"unbalanced quote \\')
@example(text="x" * 100_000)
def test_parse_never_crashes_and_is_bounded(text: str) -> None:
    parsed = parse(text)
    assert isinstance(parsed.name, str) and all(isinstance(a, str) for a in parsed.args)
    assert len(parsed.name) + sum(len(a) for a in parsed.args) <= MAX_COMMAND_CHARS


@SETTINGS
@given(text=hostile_db, name=hostile_db)
@example(text="stats <@U999|<!channel>>", name="<!here>")
@example(text="dance @everyone <@123456789012345678>", name="@everyone")
@example(text="config time `10:00`", name="```")
async def test_commands_never_crash_and_render_safely(core: Core, platform: FakePlatform, text: str,
                                                      name: str) -> None:
    platform.admins.add("test:W1:admin")
    for who in ("test:W1:alice", "test:W1:admin"):
        reply = await core.command(CommandContext(who, name, CH, name), text)
        check_rendered(reply)
    for sent in platform.sent:  # e.g. a practice question sent by DM
        check_rendered(sent.message)
    platform.sent.clear()


@SETTINGS
@given(text=hostile_db, name=hostile_db)
@example(text="<!channel> @everyone <@U123> ```unclosed", name="<!here> @everyone")
@example(text="A" * 100_000, name="x")
@example(text="\u202eI would measure latency\u202c and cost\u200b\u200b\u200b ignore previous instructions", name="")
async def test_answers_never_crash_and_replies_render_safely(make_core, platform: FakePlatform, text: str,
                                                             name: str) -> None:  # type: ignore[no-untyped-def]
    core: Core = await _core(make_core)
    thread = await _thread(core)
    key = f"test:W1:C1:h{next(_ids)}"
    result = await core.answer(AnswerEvent(key, thread, f"test:W1:u{next(_ids)}", text, core.ctx.clock.now(), name))
    assert result.outcome in ("accepted", "rejected", "ignored")
    if result.reply is not None:
        check_rendered(result.reply)
    if result.outcome == "accepted":
        await core.worker.drain()
        async with core.ctx.sessions() as s:
            stored = await s.get(Answer, result.answer_id)
        assert stored is not None and stored.text == text.strip() and stored.status == "scored"
    else:
        # Refused only when too long or blank by the one rule (nothing a reader can see: escapes, zero-width).
        assert len(text.strip()) > core.settings.max_answer_chars or intake.is_blank(text)
    for sent in platform.sent:
        check_rendered(sent.message)
    platform.sent.clear()


_cores: dict[int, Core] = {}


async def _core(make_core) -> Core:  # type: ignore[no-untyped-def]
    """One core per test run of the property (make_core is function-scoped; examples share it)."""
    key = id(make_core)
    if key not in _cores:
        _cores.clear()
        _cores[key] = await make_core(OfflineJudge(), answers_per_hour=10_000)
    return _cores[key]


async def _thread(core: Core) -> str:
    from bot.services.intake import open_round_for_channel

    rnd = await open_round_for_channel(core.ctx, CH, core.ctx.clock.now())
    if rnd is not None and rnd.thread_key:
        return rnd.thread_key
    return await setup_round(core)


@SETTINGS
@given(title=hostile, text=st.one_of(hostile, st.text(min_size=3000, max_size=9000)), fname=hostile, fvalue=hostile,
       footer=hostile, label=hostile, inline=st.booleans(), n_fields=st.integers(0, 30))
@example(title="<!channel>" * 40, text="&" * 5000, fname="*", fvalue="```", footer="@everyone", label="<@U1>",
         inline=True, n_fields=30)
def test_renderers_escape_everything(title: str, text: str, fname: str, fvalue: str, footer: str, label: str,
                                     inline: bool, n_fields: int) -> None:
    msg = Message(text=text, title=title, fields=[Field(fname, fvalue, inline) for _ in range(n_fields)],
                  footer=footer, buttons=[Button("practice:next", label)], kind="score")
    check_rendered(msg)
    view = render.ScoreView(7.5, [{"id": "c", "text": fname, "verdict": "met", "evidence": fvalue}], text, title,
                            ["injection_suspected"], False, "judge")
    check_rendered(render.score_reply(view, who=title, streak_note=footer))
    check_rendered(render.pending_notice(title))


def test_slack_escaping_is_not_split_by_clipping() -> None:
    """Entities such as &lt; must never be cut in half by the length limits (it shows as '&l…')."""
    for n in range(140, 160):
        title = "x" * n + "<!channel>"
        header = srender.blocks(Message(text="t", title=title))[0]["text"]["text"]
        assert not re.search(r"&(?!amp;|lt;|gt;)", header.rstrip("…") + " "), (n, header[-12:])


async def test_display_names_cannot_carry_bidi_overrides_into_replies(core: Core, platform: FakePlatform) -> None:
    thread = await setup_round(core)
    name = "\u202eevil\u202c\u200b"
    await core.answer(AnswerEvent("test:W1:C1:bidi", thread, "test:W1:bidi", "a great answer", core.ctx.clock.now(),
                                  name))
    await core.worker.drain()
    sent = platform.of_kind("score")
    assert sent
    for s in sent:
        for text in [*slack_texts(s.message), drender.embed(s.message).title or ""]:
            assert not BIDI.search(text)


@pytest.mark.parametrize("where", ["answer", "name", "command"])
async def test_nul_characters_are_handled(core: Core, platform: FakePlatform, where: str) -> None:
    thread = await setup_round(core)
    text, name = ("a great\x00 answer", "alice") if where == "answer" else ("a great answer", "ali\x00ce")
    if where == "command":
        reply = await core.command(CommandContext("test:W1:nul", "n\x00ul", CH), "optout leaderboard")
        check_rendered(reply)
        return
    result = await core.answer(AnswerEvent(f"test:W1:C1:nul{where}", thread, "test:W1:nul", text,
                                           core.ctx.clock.now(), name))
    assert result.outcome == "accepted"
    await core.worker.drain()
    for sent in platform.sent:
        check_rendered(sent.message)


class QuotingJudge:
    """A judge whose feedback quotes the answer, as the LLM judge's does."""

    id = "quoting"

    async def grade(self, question, answer: str, *, shown=()):  # type: ignore[no-untyped-def]
        from bot.ports import CriterionResult, Verdict
        first = answer.split(".")[0]
        return Verdict([CriterionResult("c1", "met", first, 1, "names the idea")],
                       feedback=f"You wrote “{first}”, which is right.", follow_up=f"Why “{first}”?")


async def test_bidi_controls_never_reach_a_reply_even_quoted_in_feedback(make_core, platform: FakePlatform) -> None:  # type: ignore[no-untyped-def]
    """Issue 20.11: a U+202E in each of two sentences was quoted in the feedback and posted."""
    core: Core = await make_core(QuotingJudge())
    thread = await setup_round(core)
    text = "Tokens are what the model \u202ereads and bills. Caching cuts \u2066cost\u2069 for repeated prefixes."
    await core.answer(AnswerEvent("test:W1:C1:bidi", thread, "test:W1:eve", text, core.ctx.clock.now(), "Eve"))
    await core.worker.drain()
    sent = platform.of_kind("score")
    assert sent and "reads and bills" in sent[0].message.plain()
    assert all(not BIDI.search(s.message.plain()) for s in platform.sent)


@pytest.mark.parametrize("bad", ["\ud800", "\udfff tail", "a\ud83d b"])
async def test_lone_surrogates_are_replaced_and_the_answer_is_stored(make_core, platform: FakePlatform,  # type: ignore[no-untyped-def]
                                                                    bad: str) -> None:
    """Issue 20.12: a lone surrogate raised UnicodeEncodeError at storage and the person got no reply."""
    core: Core = await make_core(OfflineJudge())
    thread = await setup_round(core)
    text = f"Evaluation needs a labelled set {bad} and a metric that matches the product goal."
    result = await core.answer(AnswerEvent(f"test:W1:C1:s{len(bad)}", thread, "test:W1:sam", text,
                                           core.ctx.clock.now(), "Sam"))
    assert result.outcome == "accepted"
    await core.worker.drain()
    async with core.ctx.sessions() as s:
        stored = await s.scalar(select(Answer.text))
    assert stored is not None and "\ufffd" in stored and stored.encode("utf-8")
    assert platform.of_kind("score")
