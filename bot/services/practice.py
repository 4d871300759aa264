"""Private practice in DMs: reviews due first, then the person's weak categories, then unseen questions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bank.schema import BankQuestion, Category, category_label
from bank.selection import pick_practice_question
from bot import render, syntax
from bot.messages import Message
from bot.rules import categories
from bot.rules.category_stats import CategoryStat, weak_categories
from bot.services import directory
from bot.services.context import Context
from bot.services.days import local_day

ALL_CATEGORIES = [c.value for c in Category]


@dataclass
class PracticeStart:
    sent: bool
    message: Message  # what to tell the person where they asked


RECENT_PRACTICE = 10  # `next` does not repeat a question within this many presses (when the pool allows)


async def _category_stats(ctx: Context, member_id: int) -> list[CategoryStat]:
    async with ctx.uow() as uow:
        rows = await uow.progress.category_stats(member_id)
    return [CategoryStat(r.category, r.attempts, r.mean, r.weighted_mean, r.last_score) for r in rows]


async def weak_for(ctx: Context, member_id: int) -> list[str]:
    return weak_categories(await _category_stats(ctx, member_id), ALL_CATEGORIES, limit=len(ALL_CATEGORIES))


def why(question: BankQuestion, *, due: list[str], measured_weak: list[str], asked_for: str | None,
        seen: list[str]) -> str:
    """The honest reason shown with a practice question. "Weakest" only for categories with scores."""
    if question.id in due:
        return "It is due for review: you answered it before and spaced repetition brings it back."
    if asked_for is not None:
        return f"You asked for {category_label(question.category)}."
    if question.category in measured_weak[:3]:
        return f"{category_label(question.category)} is one of your weakest categories so far."
    if question.id not in seen:
        return "A question you have not seen yet."
    return "You have seen every question here; this one comes round again."


@dataclass
class PracticePick:
    """The next practice question for a person, and why it was chosen (no message sent yet)."""

    member_id: int
    question: BankQuestion | None
    reason: str = ""


async def pick(ctx: Context, user_key: str, display_name: str = "", category: str | None = None, *,
               exclude: Sequence[str] = (), workspace_key: str = "") -> PracticePick:
    """The queries behind `practice`: reviews due, leeches, questions seen, weak categories; then the pick.

    Any practice question still open is superseded (marked done) here, as the new one replaces it.
    """
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        m = await directory.member(ctx, uow, user_key, display_name, workspace_key)
        member_id = m.id
        today = await local_day(ctx, uow, m, now)
        due = await uow.reviews.due(member_id, today)
        leeches = await uow.reviews.leeches(member_id)
        seen = await uow.practice.seen_questions(member_id)
        recent = await uow.practice.recent_questions(member_id, RECENT_PRACTICE)
        # Any question still open is superseded by the new one.
        await uow.practice.supersede_open(member_id)
    stats = await _category_stats(ctx, member_id)
    weak = weak_categories(stats, ALL_CATEGORIES, limit=len(ALL_CATEGORIES))
    question = None
    # The last few practice questions are left out while anything else is left; then only the current one.
    for recently in (recent, recent[:1]):
        question = pick_practice_question(
            ctx.catalog.current(), due_reviews=due, weak_categories=weak, seen=seen, leeches=leeches,
            category=category, exclude=[*exclude, *recently], seed=f"{user_key}|{now.isoformat()}",
        )
        if question is not None:
            break
    if question is None:
        return PracticePick(member_id, None)
    measured = [c for c in weak if any(st.category == c and st.attempts > 0 for st in stats)]
    reason = why(question, due=list(due), measured_weak=measured, asked_for=category, seen=list(seen))
    return PracticePick(member_id, question, reason)


async def start(ctx: Context, user_key: str, display_name: str = "", category: str | None = None, *,
                workspace_key: str = "") -> PracticeStart:
    if category is not None:  # checked before `pick`, which supersedes the open question
        typed, category = category, categories.parse_category(category)
        if category is None:
            return PracticeStart(False, render.error(
                categories.unknown(typed), f"Example: `{syntax.usage_for(ctx, user_key, 'practice system design')}`"))
    now = ctx.clock.now()
    chosen = await pick(ctx, user_key, display_name, category, workspace_key=workspace_key)
    question = chosen.question
    if question is None:
        bare = syntax.usage_for(ctx, user_key, "practice")
        return PracticeStart(False, render.error("No practice question matches that right now.",
                                                 f"Try `{bare}` without a category."))
    # The session is stored before the DM goes out: a `next` or Skip pressed while it is in flight must
    # already see the chosen category and this question as the latest one.
    async with ctx.uow() as uow:
        session_id = await uow.practice.reserve(chosen.member_id, ctx.catalog.row_id(question.id), category, now)
    try:
        posted = await ctx.platform_for(user_key).dm(user_key, render.practice_question(question, chosen.reason))
    except BaseException:
        async with ctx.uow() as uow:
            await uow.practice.drop(session_id)
        raise
    # Open it, unless a newer question has superseded it while the DM was in flight.
    async with ctx.uow() as uow:
        await uow.practice.open_sent(session_id, chosen.member_id, posted.thread_key)
    return PracticeStart(True, render.info("I sent you a practice question in a direct message."))


async def open_question(ctx: Context, user_key: str) -> str | None:
    """The id of the person's open practice question, if any (the terminal shows it in its prompt)."""
    async with ctx.uow() as uow:
        return await uow.practice.open_question(user_key)


async def chosen_category(ctx: Context, user_key: str) -> str | None:
    """The category of the person's latest practice question, if they asked for one (None: any)."""
    async with ctx.uow() as uow:
        latest = await uow.practice.latest_category(user_key)
    return latest if latest in ALL_CATEGORIES else None


async def next_question(ctx: Context, user_key: str, display_name: str = "") -> PracticeStart:
    """`next`, Skip and Next question: another question in the category the person chose, if any."""
    return await start(ctx, user_key, display_name, await chosen_category(ctx, user_key))
