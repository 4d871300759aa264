"""Delivering replies about an answer through the Platform port: the score reply (fresh or resent from the
outbox), its private hints and practice reveal, and the "score coming" / "could not score" notices."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot import render
from bot.messages import Message
from bot.services.context import Context
from bot.services.scoring import replies
from bot.services.scoring.replies import Route, ScoreReply

log = logging.getLogger(__name__)


class Delivery:
    def __init__(self, ctx: Context, finish: Callable[[int, bool], Awaitable[None]] | None = None):
        """`finish` records a posted reply (sent, or its claim released); the worker passes its group
        committer so a batch's replies are marked in one statement."""
        self.ctx = ctx
        self.finish = finish or (lambda answer_id, sent: replies.finish_reply(ctx, answer_id, sent))

    async def post(self, answer_id: int, route: Route, msg: Message) -> bool:
        """Post to the answer's thread (or the person's DMs); False, logged, if the platform failed."""
        platform = self.ctx.platform_for(route.thread_key)
        try:
            if route.private:
                await platform.dm(route.user_key, msg)
            else:
                await platform.reply(route.thread_key, msg, reply_to=route.message_key.split("#")[0])
        except Exception:
            log.exception("reply failed; will retry", extra={"answer": answer_id})
            return False
        return True

    async def send_reply(self, answer_id: int, route: Route, reply: ScoreReply) -> None:
        """Post a score reply (fresh or resent) and record it sent; in a channel round the hints go privately
        after it, in practice the model answer. Only the thread reply decides `sent`: a private note that
        fails is logged, never a second public reply, and a person who blocks DMs still gets the score."""
        message, note = render.score_replies(reply.view, who=reply.text.who, streak_note=reply.text.streak_note,
                                             practice=reply.text.practice, private_hints=route.hints_apart)
        sent = await self.post(answer_id, route, message)
        await self.finish(answer_id, sent)
        if not sent:
            return
        if note is not None:
            try:
                await self.ctx.platform_for(route.thread_key).private_note(route.thread_key, route.user_key, note)
            except Exception:
                log.exception("private feedback note failed", extra={"answer": answer_id})
        if reply.reveal is not None:
            await self.post(answer_id, route, reply.reveal)

    async def resend(self, answer_id: int) -> None:
        """The sweep's path: send a stored score's reply that was never sent, if this process wins its claim."""
        if not await replies.claim_reply(self.ctx, answer_id):
            return
        route = await replies.route_of(self.ctx, answer_id)
        reply = await replies.stored_reply(self.ctx, answer_id) if route is not None else None
        if route is None or reply is None:
            return
        await self.send_reply(answer_id, route, reply)

    async def deliver_unsent(self, limit: int = 100) -> None:
        """Replies that failed to send (platform down) are sent on a later pass; none are lost."""
        for answer_id in await replies.unsent(self.ctx, limit):
            await self.resend(answer_id)

    async def notice(self, answer_id: int, *, failed: bool) -> bool:
        """Tell the person their score is coming, or that the answer could not be scored, routed like
        its score reply."""
        who = await replies.who_answered(self.ctx, answer_id)
        msg = render.failed_notice(who) if failed else render.pending_notice(who)
        route = await replies.route_of(self.ctx, answer_id)
        return route is not None and await self.post(answer_id, route, msg)
