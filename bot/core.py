"""The core facade adapters talk to: events in, messages out, jobs for the scheduler."""

from __future__ import annotations

import gc
import logging
from dataclasses import dataclass, replace
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from bank.loader import Bank, load_bank
from bot.clock import Clock, SystemClock
from bot.commands import Commands
from bot.config import Settings
from bot.events import AnswerEvent, CommandContext, IntakeResult
from bot.messages import Message
from bot.ports import Judge, Platform
from bot.services import channels, digest, directory, disputes, inbox, intake, interview, practice, rounds
from bot.services.catalog import Catalog
from bot.services.context import Context
from bot.services.scoring import ScoringWorker
from bot.store import db

log = logging.getLogger(__name__)


@dataclass
class Core:
    ctx: Context
    judge: Judge
    engine: AsyncEngine | None = None

    def __post_init__(self) -> None:
        self.worker = ScoringWorker(self.ctx, self.judge, concurrency=self.ctx.settings.judge_concurrency)
        self.commands = Commands(self.ctx, self.is_admin)
        self._interviews_resumed = False

    @classmethod
    async def create(cls, settings: Settings, judge: Judge, *, clock: Clock | None = None, bank: Bank | None = None,
                     migrate: bool = True) -> Core:
        if migrate:
            await db.upgrade_async(settings.database_url)
        engine = db.create_engine(settings.database_url)
        catalog = Catalog(bank if bank is not None else load_bank(settings.pack_dirs))
        ctx = Context(settings, db.session_factory(engine), clock or SystemClock(), catalog)
        core = cls(ctx, judge, engine)
        await core.start()
        # The bank, catalog and imported modules live as long as the process: move them out of the
        # collector's view, or every full collection walks them all (a 40-100 ms pause in the middle of
        # an answer, most of the overhead's p99 in `drillbot bench --only overhead`).
        gc.freeze()
        return core

    @property
    def settings(self) -> Settings:
        return self.ctx.settings

    def register(self, platform: Platform) -> None:
        self.ctx.platforms[platform.name] = platform

    async def start(self) -> None:
        async with self.ctx.uow() as uow:
            added = await self.ctx.catalog.sync(uow, self.ctx.clock.now())
        # SQLite is single-process, so any claim found at start belongs to a process that died.
        released = await self.worker.release_expired_claims(all_claims=db.is_sqlite(self.settings.database_url))
        # Events acknowledged but not processed when a process died: now at start, and by the worker's
        # recovery sweep (another process of a PostgreSQL deployment may have died).
        leftover = await self.process_leftover()
        self.worker.sweeps.append(lambda: self.process_leftover(timedelta(minutes=1)))
        log.info("core started", extra={"questions": len(self.ctx.catalog.bank), "new_versions": added,
                                        "released_claims": released,
                                        "inbox_leftover": leftover})

    async def close(self) -> None:
        gc.unfreeze()  # what was frozen at create may be garbage now (a test process makes many cores)
        if self.engine is not None:
            await self.engine.dispose()

    async def is_admin(self, user_key: str, channel_key: str) -> bool:
        if user_key in self.settings.admin_keys:
            return True
        return await self.ctx.platform_for(channel_key).is_admin(user_key, channel_key)

    # Platform events ---------------------------------------------------------------------------
    async def answer(self, event: AnswerEvent) -> IntakeResult:
        if event.is_dm:
            if not self._interviews_resumed:
                # Platforms are registered by now, so answers a crash left ungraded can be graded and sent.
                self._interviews_resumed = True
                await interview.resume(self.ctx, self.judge)
            turn = await interview.on_message(self.ctx, self.judge, event)
            if turn is not None:
                return IntakeResult("interview-done" if turn.finished else "interview")
        # A free grading slot: the answer is stored claimed for this worker (no claim transaction).
        adopt = self.worker.adopt if self.worker.can_adopt() else None
        result = await intake.submit(self.ctx, event, adopt=adopt)
        if result.outcome == "accepted":
            self.worker.wake()
        elif result.outcome == "ignored" and event.is_dm:
            # A DM that answers no open practice question is a command ("practice", "stats", "help"),
            # written with or without the slash-command prefix.
            text = event.text.strip().removeprefix("/drill").removeprefix("/")
            cc = CommandContext(event.user_key, event.display_name, None, "", is_dm=True)
            return IntakeResult("command", await self.commands.handle(cc, text))
        return result

    async def edit(self, event: AnswerEvent) -> IntakeResult:
        result = await intake.edit(self.ctx, event)
        if result.outcome == "accepted":
            self.worker.wake()
        return result

    async def delete(self, message_key: str) -> int:
        return await intake.delete(self.ctx, message_key)

    # The durable inbox: adapters store an event before acknowledging it, then process it -----------
    async def receive(self, kind: inbox.Kind, key: str, event: AnswerEvent) -> int | None:
        """Store a platform event keyed by its platform id; None if it was stored before. The workspace is
        resolved now, while its platform is here: a stored event may be processed at the next start,
        before any platform is registered again."""
        if not event.workspace_key and event.place_key:
            event = replace(event, workspace_key=self.ctx.workspace_of(event.place_key))
        return await inbox.store(self.ctx, kind, key, event)

    async def process(self, inbox_id: int, display_name: str = "") -> IntakeResult | None:
        """Run intake for a stored event (a name resolved since may be passed); None if already done."""
        loaded = await inbox.load(self.ctx, inbox_id)
        if loaded is None:
            return None
        kind, event = loaded
        if display_name:
            event = replace(event, display_name=display_name)
        if kind == "delete":
            await self.delete(event.message_key)
            result = IntakeResult("accepted")
        else:
            result = await (self.edit(event) if kind == "edit" else self.answer(event))
        await inbox.mark_done(self.ctx, inbox_id)
        return result

    async def process_leftover(self, older_than: timedelta | None = None) -> int:
        """Events stored but never processed (the process died after acknowledging them)."""
        ids = await inbox.leftover(self.ctx, older_than)
        for inbox_id in ids:
            try:
                await self.process(inbox_id)
            except Exception:
                log.exception("stored event could not be processed", extra={"inbox": inbox_id})
        return len(ids)

    async def command(self, cc: CommandContext, text: str) -> Message:
        return await self.commands.handle(cc, text)

    async def button(self, cc: CommandContext, action: str) -> Message:
        if action in ("practice:next", "practice:skip"):
            return (await practice.next_question(self.ctx, cc.user_key, cc.display_name)).message
        if action == "practice:start":  # "Practise now" on the progress card: due reviews first, any category
            return (await practice.start(self.ctx, cc.user_key, cc.display_name)).message
        answer = action.removeprefix("dispute:")
        if action.startswith("dispute:") and answer.isdigit():
            return await disputes.open_dispute(self.ctx, cc.user_key, "", answer_id=int(answer),
                                               where=cc.channel_key)
        return await self.commands.help(cc, [])

    # Jobs -----------------------------------------------------------------------------------------
    async def post_round(self, channel_key: str, *, force: bool = False) -> rounds.PostResult:
        return await rounds.post_round(self.ctx, channel_key, force=force)

    async def close_due_rounds(self) -> int:
        return await rounds.close_due_rounds(self.ctx)

    async def post_digest(self, channel_key: str, **kwargs: object) -> digest.DigestResult:
        return await digest.post_digest(self.ctx, channel_key, **kwargs)  # type: ignore[arg-type]

    async def ensure_channel(self, channel_key: str, name: str = "") -> None:
        """Enable a channel with the default schedule if it has never been set up; keep it as is otherwise."""
        async with self.ctx.uow() as uow:
            await directory.channel(self.ctx, uow, channel_key, name)

    async def configure_channel(self, channel_key: str, name: str = "", **values: object) -> None:
        await channels.configure(self.ctx, channel_key, name, values)
