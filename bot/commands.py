"""The `/drill` command language, shared by every platform. Adapters pass the text after `/drill`."""

from __future__ import annotations

import shlex
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot import render, syntax
from bot.events import CommandContext
from bot.messages import Field, Message, user_text
from bot.rules import categories
from bot.services import (
    channels,
    days,
    directory,
    disputes,
    interview,
    moderation,
    practice,
    privacy,
    progress_view,
    reports,
    rounds,
)
from bot.services.context import Context, UnknownPlatform

MAX_COMMAND_CHARS = 500


@dataclass(frozen=True)
class Parsed:
    name: str
    args: list[str]


def parse(text: str) -> Parsed:
    """Split a command; quotes group words. Malformed quoting falls back to whitespace splitting."""
    text = text.strip()[:MAX_COMMAND_CHARS]
    try:
        words = shlex.split(text)
    except ValueError:
        words = text.split()
    if not words:
        return Parsed("help", [])
    name = words[0].lower().lstrip("/") or "help"  # a bare "/" (or "//") asks for help, as an empty command does
    aliases = {"lb": "leaderboard", "forget": "forget-me", "forgetme": "forget-me", "?": "help", "tz": "timezone"}
    return Parsed(aliases.get(name, name), words[1:])


AdminCheck = Callable[[str, str], Awaitable[bool]]


class Commands:
    def __init__(self, ctx: Context, is_admin: AdminCheck):
        self.ctx = ctx
        self.is_admin = is_admin
        self._handlers: dict[str, Callable[[CommandContext, list[str]], Awaitable[Message]]] = {
            "help": self.help, "practice": self.practice, "stats": self.stats, "leaderboard": self.leaderboard,
            "streak": self.streak, "config": self.config, "post": self.post, "skip": self.skip,
            "review": self.review, "forget-me": self.forget_me, "optout": self.optout, "optin": self.optin,
            "me": self.me, "timezone": self.timezone, "next": self.next,
        }
        self._handlers.update({"interview": self.interview, "dispute": self.dispute})
        self.post_hook: Callable[[str], Awaitable[None]] | None = None  # e.g. reschedule after config

    def unknown(self, text: str) -> str | None:
        """The note for a command nobody handles, else None; adapters with their own help list show it too."""
        name = parse(text).name
        return None if name in self._handlers else f"I don't know the command “{user_text(name, 30)}”."

    async def handle(self, cc: CommandContext, text: str) -> Message:
        parsed = parse(text)
        note = self.unknown(text)
        if note is not None:
            return render.help_message(self._platform(cc), note=note)
        return await self._handlers[parsed.name](cc, parsed.args)

    def _workspace(self, cc: CommandContext) -> str:
        return directory.acting_in(self.ctx, cc.workspace_key, cc.channel_key)

    def usage(self, cc: CommandContext, rest: str) -> str:
        """How this person types a command on their platform (bot.syntax, the one rule for every hint)."""
        return syntax.usage_for(self.ctx, cc.user_key, rest)

    def _platform(self, cc: CommandContext) -> object | None:
        try:
            return self.ctx.platform_for(cc.user_key)
        except UnknownPlatform:
            return None

    async def help(self, cc: CommandContext, args: list[str]) -> Message:
        return render.help_message(self._platform(cc))

    async def practice(self, cc: CommandContext, args: list[str]) -> Message:
        # A category name may be several words (`practice system design`); two names are one too many.
        named = categories.read_categories(args)
        if named is not None and len(named) > 1:
            return render.error("`practice` takes at most one category.",
                                f"Example: `{self.usage(cc, 'practice evals')}`")
        category = named[0] if named else (" ".join(args) if args else None)
        return (await practice.start(self.ctx, cc.user_key, cc.display_name, category,
                                     workspace_key=self._workspace(cc))).message

    async def next(self, cc: CommandContext, args: list[str]) -> Message:
        """Another practice question, in the category last asked for unless a new one is named."""
        if args:
            return await self.practice(cc, args)
        return (await practice.next_question(self.ctx, cc.user_key, cc.display_name)).message

    async def stats(self, cc: CommandContext, args: list[str]) -> Message:
        if len(cc.mentions) == 1 and not args:
            who = cc.mentions[0]
            return await reports.stats(self.ctx, who, about_self=who == cc.user_key)
        if not args and not cc.mentions:
            return await reports.stats(self.ctx, cc.user_key)
        if len(args) == 1 and not cc.mentions and args[0].startswith("@") and len(args[0]) > 1:
            # A plain `@name` (typed in the terminal, or unresolved by the platform): match the display name.
            name = args[0][1:]
            key = await directory.key_by_name(self.ctx, await directory.workspace_for(self.ctx, cc), name)
            if key is None:
                return render.error(f"I don't know anyone called “{user_text(name, 40)}” here yet.")
            return await reports.stats(self.ctx, key, about_self=key == cc.user_key)
        return render.error("`stats` takes an optional @mention of one person.",
                            f"Example: `{self.usage(cc, 'stats @alex')}`")

    async def leaderboard(self, cc: CommandContext, args: list[str]) -> Message:
        period = args[0].lower() if args else "week"
        if len(args) > 1 or period not in ("week", "all"):
            return render.error("`leaderboard` takes `week` or `all`.",
                                f"Example: `{self.usage(cc, 'leaderboard all')}`")
        return await reports.leaderboard(self.ctx, cc.channel_key, period)

    async def me(self, cc: CommandContext, args: list[str]) -> Message:
        """The personal progress card, with its chart; only ever about the person asking."""
        return await progress_view.card(self.ctx, cc.user_key)

    async def streak(self, cc: CommandContext, args: list[str]) -> Message:
        return await reports.streak(self.ctx, cc.user_key)

    async def timezone(self, cc: CommandContext, args: list[str]) -> Message:
        if len(args) > 1:
            return render.error("`timezone` takes one time zone name.",
                                f"Example: `{self.usage(cc, 'timezone Europe/Berlin')}`")
        return await days.timezone_command(self.ctx, cc.user_key, cc.display_name, args[0] if args else None,
                                           workspace_key=self._workspace(cc))

    async def _require_admin(self, cc: CommandContext) -> Message | None:
        if cc.channel_key is None:
            return render.error("Run this command in the channel it should apply to.")
        if not await self.is_admin(cc.user_key, cc.channel_key):
            return render.error("Only admins can do that: people who manage this workspace or server, or the ids "
                                "in DRILLBOT_ADMIN_IDS.")
        return None

    async def config(self, cc: CommandContext, args: list[str]) -> Message:
        if (denied := await self._require_admin(cc)) is not None:
            return denied
        assert cc.channel_key is not None
        if not args:
            ch = await reports.channel_of(self.ctx, cc.channel_key)
            if ch is None:
                return render.info(f"This channel is not set up yet. `{self.usage(cc, 'post')}` enables it with "
                                   f"defaults; `{self.usage(cc, 'config time 09:30')}` and friends change settings.")
            return Message(title="Channel settings", text=f"Change one with `{self.usage(cc, 'config NAME VALUE')}`.",
                           kind="info",
                           fields=[Field(n, v, True) for n, v in channels.describe(ch)])
        name, value = args[0].lower(), " ".join(args[1:])
        if not value:
            hint = channels.setting_help(name, self.usage(cc, "config"))
            return render.error(f"`{self.usage(cc, 'config ' + user_text(name, 20))}` needs a value." if hint else
                                f"Unknown setting “{user_text(name, 20)}”.",
                                hint or "Settings: " + ", ".join(channels.SETTINGS_HELP))
        try:
            values = channels.parse_setting(name, value)
        except channels.ConfigValueError as exc:
            return render.error(f"Not changed: {user_text(str(exc), 200)}.",
                                channels.setting_help(name, self.usage(cc, "config")))
        ch = await channels.configure(self.ctx, cc.channel_key, cc.channel_name, values,
                                      workspace_key=self._workspace(cc))
        if self.post_hook:
            await self.post_hook(cc.channel_key)
        shown = dict(channels.describe(ch))
        return render.info(f"Saved. {name}: {shown.get(name, value)}")

    async def post(self, cc: CommandContext, args: list[str]) -> Message:
        if (denied := await self._require_admin(cc)) is not None:
            return denied
        assert cc.channel_key is not None
        ch = await reports.channel_of(self.ctx, cc.channel_key)
        enabled_now = ch is None or not ch.enabled
        await channels.configure(self.ctx, cc.channel_key, cc.channel_name, {"enabled": True},
                                 workspace_key=self._workspace(cc))
        if enabled_now and self.post_hook:
            await self.post_hook(cc.channel_key)
        result = await rounds.post_round(self.ctx, cc.channel_key, force=True)
        note = "Daily questions are now enabled here with default settings. " if enabled_now else ""
        if result.posted:
            return render.info(note + "Today's question is posted; answer in its thread.")
        return render.info(note + f"Nothing posted: {result.reason}.")

    async def skip(self, cc: CommandContext, args: list[str]) -> Message:
        if cc.is_dm or cc.channel_key is None:
            return (await practice.next_question(self.ctx, cc.user_key, cc.display_name)).message
        if (denied := await self._require_admin(cc)) is not None:
            return denied
        if args != ["confirm"]:  # skipping a round affects everyone: ask first
            return render.info(f"This skips today's round in this channel for everyone and cannot be undone. "
                               f"To go ahead: `{self.usage(cc, 'skip confirm')}`.")
        done = await rounds.skip_today(self.ctx, cc.channel_key)
        return render.info("Today's round is skipped." if done else "There is no open round today to skip.")

    async def review(self, cc: CommandContext, args: list[str]) -> Message:
        if (denied := await self._require_admin(cc)) is not None:
            return denied
        ws = await directory.workspace_for(self.ctx, cc)
        if args and args[0].lower() == "score":
            return await self._review_score(cc, ws, args[1:])
        if not args:
            items = await moderation.flagged(self.ctx, ws)
            open_disputes = await disputes.open_disputes(self.ctx, ws)
            if not items and not open_disputes:
                return render.info("No flagged answers or disputes are waiting for review.")
            fields = [Field(f"#{f.answer_id} · {user_text(f.name, 40)} · {f.total:.1f} · {', '.join(f.flags)}",
                            user_text(f.excerpt, 160)) for f in items]
            fields += [Field(title, body) for title, body in disputes.review_fields(open_disputes)]
            return Message(title="Flagged answers and disputes", kind="info", fields=fields,
                           text=f"`{self.usage(cc, 'review clear ID')}` counts it; "
                                f"`{self.usage(cc, 'review confirm ID')}` keeps it out; "
                                f"`{self.usage(cc, 'review score ID 7.5 [criterion=met|partial|missed]')}` "
                                "rules on a dispute.")
        if len(args) != 2 or args[0] not in ("clear", "confirm") or not args[1].lstrip("#").isdigit():
            return render.error(f"Use `{self.usage(cc, 'review')}`, `{self.usage(cc, 'review clear ID')}` or "
                                f"`{self.usage(cc, 'review confirm ID')}`.")
        ok = await moderation.decide(self.ctx, ws, int(args[1].lstrip("#")), clear=args[0] == "clear")
        if not ok:
            return render.error(f"No flagged answer #{args[1].lstrip('#')} in this workspace.")
        return render.info(f"Answer #{args[1].lstrip('#')} {'cleared' if args[0] == 'clear' else 'confirmed'}.")

    async def forget_me(self, cc: CommandContext, args: list[str]) -> Message:
        if args != ["confirm"]:
            return render.info(f"This deletes all your answers, scores, streaks and stats. It cannot be undone. "
                               f"To go ahead: `{self.usage(cc, 'forget-me confirm')}`.")
        gone = await privacy.forget(self.ctx, cc.user_key)
        if not gone.anything:
            return render.info("drillbot had nothing stored about you.")
        return render.info(f"Done: deleted {gone.answers} answer(s), {gone.scores} score(s) and "
                           f"{gone.stats} category stat(s).")

    async def _opt(self, cc: CommandContext, args: list[str], enabled: bool) -> Message:
        verb = "optin" if enabled else "optout"
        if len(args) != 1 or args[0] not in privacy.OPTIONS:
            forms = [f"`{self.usage(cc, f'{verb} {option}')}`" for option in privacy.OPTIONS]
            return render.error(f"Use {', '.join(forms[:-1])} or {forms[-1]}.")
        await privacy.set_option(self.ctx, cc.user_key, cc.display_name, args[0], enabled,
                                 workspace_key=self._workspace(cc))
        return render.info(f"Saved: {args[0]} {'on' if enabled else 'off'}.")

    async def optout(self, cc: CommandContext, args: list[str]) -> Message:
        return await self._opt(cc, args, False)

    async def optin(self, cc: CommandContext, args: list[str]) -> Message:
        return await self._opt(cc, args, True)


    # Mock interviews and disputes ------------------------------------------------------------------

    async def interview(self, cc: CommandContext, args: list[str]) -> Message:
        parsed = interview.parse_args(args, self.ctx.settings.interview_max_questions)
        if isinstance(parsed, str):
            return render.error(parsed, f"Example: `{self.usage(cc, 'interview evals --questions 3')}`")
        category, n = parsed
        return await interview.start(self.ctx, cc.user_key, cc.display_name, category, n,
                                     workspace_key=self._workspace(cc))

    async def dispute(self, cc: CommandContext, args: list[str]) -> Message:
        answer_id = None
        if args and args[0].startswith("#") and args[0][1:].isdigit():
            answer_id, args = int(args[0][1:]), args[1:]
        return await disputes.open_dispute(self.ctx, cc.user_key, " ".join(args), answer_id=answer_id,
                                           where=cc.channel_key)

    async def _review_score(self, cc: CommandContext, ws: str, args: list[str]) -> Message:
        try:
            dispute_id, score, verdicts = disputes.parse_ruling(args, lambda rest: self.usage(cc, rest))
        except disputes.RulingError as exc:
            return render.error(str(exc))
        ruling = await disputes.resolve(self.ctx, ws, dispute_id, score, verdicts, cc.user_key)
        if isinstance(ruling, str):
            return render.error(f"Nothing changed: {ruling}")
        verb = "upheld" if ruling.upheld else "not upheld (score kept)"
        return render.info(f"Dispute {dispute_id} {verb}: {ruling.judge_total:.1f} → {ruling.admin_total:.1f}. "
                           "The person has been told.")
