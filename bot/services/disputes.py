"""Disputes: a person says a score is wrong, an admin rules, and the ruling becomes a labelled answer.

A ruling changes the stored score and then refreshes points, streak and stats through
`progress.refresh_member`, the same path every score takes. Resolved disputes and admin-cleared flags
are exported in the eval-set format so the team can measure a judge on its own disagreements.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot import render, syntax
from bot.messages import Message, user_text
from bot.ports import CREDIT, CriterionResult, compute_total
from bot.services import directory, moderation, progress
from bot.services.context import Context
from bot.store.models import Dispute
from bot.store.queries import possible_id

# A ruling this far or further from the judge's total upholds the dispute.
UPHELD_DELTA = 0.5
MAX_REASON_CHARS = 500


async def open_dispute(ctx: Context, user_key: str, reason: str, *, answer_id: int | None = None,
                       where: str | None = None) -> Message:
    """Dispute the person's last scored answer (or the one named); at most N open at a time. `where` is the
    channel it was raised in: its workspace's admins rule on answers that belong to no round."""
    reason = user_text(reason, MAX_REASON_CHARS)
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        m = await directory.find_member(uow, user_key)
        if m is None or (answer_id is not None and not possible_id(answer_id)):
            return render.error("You have no scored answers to dispute yet." if answer_id is None else
                                f"Answer #{answer_id} is not one of your scored answers.")
        target = await uow.disputes.latest_scored(m.id, answer_id)
        if target is None:
            return render.error("There is no scored answer of yours to dispute." if answer_id is None else
                                f"Answer #{answer_id} is not one of your scored answers.")
        existing = await uow.disputes.of_answer(target.id)
        if existing is not None:
            if existing.status == "open" and reason:  # e.g. a button first, the reason afterwards
                existing.reason = reason
                return render.info(f"Dispute #{existing.id}: reason saved. An admin will rule on it.")
            return render.info(f"Your answer to {target.qid} is already disputed; an admin will rule on it.")
        open_now = await uow.disputes.open_count(m.id)
        limit = ctx.settings.disputes_open_max
        if open_now >= limit:
            return render.error(f"You already have {open_now} open dispute(s), the most at a time is {limit}.",
                                "Wait for an admin to rule on those first.")
        # A practice answer raised in a DM goes to the person's own workspace (they are known: `m` above).
        ws = await directory.workspace_at(ctx, uow, target.channel_key or where, user_key)
        dispute_id = await uow.disputes.add(Dispute(
            answer_id=target.id, member_id=m.id, reason=reason, workspace_key=ws, status="open",
            judge_id=target.judge_id, judge_total=target.total, admin_criteria=[], resolved_by="", created_at=now))
    more = "" if reason else \
        f" Add a reason with `{syntax.usage_for(ctx, user_key, f'dispute #{target.id} your reason')}`."
    return render.info(f"Dispute #{dispute_id} received: your {target.total:.1f}/10 on {target.qid} goes to the "
                       f"admins' review queue. You will be told the outcome.{more}")


@dataclass
class OpenDispute:
    id: int
    answer_id: int
    name: str
    qid: str
    total: float
    reason: str
    excerpt: str
    criteria: list[dict[str, Any]] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)


async def open_disputes(ctx: Context, workspace_key: str, limit: int = 10) -> list[OpenDispute]:
    async with ctx.uow() as uow:
        rows = await uow.disputes.open_in(workspace_key, limit)
    return [OpenDispute(d.id, d.answer_id, name, qid, total, d.reason, text[:300], list(criteria), list(flags))
            for d, name, total, criteria, flags, text, qid in rows]


def review_fields(items: list[OpenDispute]) -> list[tuple[str, str]]:
    """(title, body) per open dispute: answer, criteria with evidence, and the person's reason."""
    out = []
    for d in items:
        crit = "; ".join(f"{user_text(c.get('id', ''), 30)}={c.get('verdict', '')}"
                         + (f" “{user_text(c.get('evidence', ''), 60)}”" if c.get("evidence") else "")
                         for c in d.criteria)
        body = (f"Answer: {user_text(d.excerpt, 200)}\nCriteria: {crit or 'none'}\n"
                f"Reason: {user_text(d.reason, 200) or '(none given)'}")
        flags = f" · held: {', '.join(d.flags)}" if d.flags else ""
        out.append((f"dispute {d.id} · {user_text(d.name, 40)} · {d.qid} · {d.total:.1f}{flags}", body))
    return out


class RulingError(ValueError):
    pass


def parse_ruling(args: list[str], usage: Callable[[str], str] = lambda rest: rest
                 ) -> tuple[int, float, dict[str, str]]:
    """`ID SCORE [criterion=met|partial|missed ...]` -> (dispute id, score, verdicts).

    `usage` writes a command as the admin types it (bot.syntax) for the refusal's example."""
    if len(args) < 2 or not args[0].lstrip("#").isdigit():
        raise RulingError(f"Use `{usage('review score ID SCORE')}`, e.g. `{usage('review score 3 7.5')}`, optionally "
                          "followed by `criterion=met|partial|missed`.")
    try:
        score = float(args[1])
    except ValueError:
        raise RulingError("The score must be a number from 0 to 10.") from None
    if not math.isfinite(score) or not 0 <= score <= 10:
        raise RulingError("The score must be a number from 0 to 10.")
    verdicts: dict[str, str] = {}
    for word in args[2:]:
        cid, _, mark = word.partition("=")
        if mark not in CREDIT or not cid:
            raise RulingError(f"“{user_text(word, 40)}” is not `criterion=met|partial|missed`.")
        verdicts[cid] = mark
    return int(args[0].lstrip("#")), round(score, 1), verdicts


@dataclass
class Ruling:
    dispute_id: int
    judge_total: float
    admin_total: float
    upheld: bool


async def resolve(ctx: Context, workspace_key: str, dispute_id: int, score: float, verdicts: dict[str, str],
                  admin_key: str) -> Ruling | str:
    """Apply an admin's ruling; returns the ruling or a reason it was refused (nothing changed)."""
    now = ctx.clock.now()
    if not possible_id(dispute_id):
        return f"No dispute {dispute_id} in this workspace."
    async with ctx.uow() as uow:
        row = await uow.disputes.to_rule(dispute_id, workspace_key)
        if row is None:
            return f"No dispute {dispute_id} in this workspace."
        d, answer, sc, user_key = row
        if d.status != "open":
            return f"Dispute {dispute_id} was already resolved."
        criteria = [dict(c) for c in sc.criteria]
        known = {c.get("id") for c in criteria}
        unknown = sorted(set(verdicts) - known)
        if unknown:
            return f"Unknown criterion id(s): {', '.join(user_text(u, 30) for u in unknown)}."
        for c in criteria:
            if c.get("id") in verdicts:
                c["verdict"] = verdicts[c["id"]]
        if verdicts:
            results = [CriterionResult(c["id"], c["verdict"], weight=int(c.get("weight", 1))) for c in criteria]
            implied = compute_total(results)
            if abs(implied - score) > 1.0:
                return (f"The verdicts give {implied:.1f}, far from {score:.1f}; make them agree "
                        "(within 1 point).")
        d.status = "upheld" if abs(score - d.judge_total) >= UPHELD_DELTA else "rejected"
        d.admin_total, d.admin_criteria, d.resolved_by, d.resolved_at = score, criteria, admin_key, now
        sc.total, sc.criteria = score, criteria
        if sc.review_state == "flagged":  # an admin's score on a held answer is also its review
            moderation.review(sc, clear=True)
        await uow.flush()
        await progress.refresh_member(ctx, uow, answer.member_id, round_id=answer.round_id)
        ruling = Ruling(d.id, d.judge_total, score, d.status == "upheld")
    outcome = (f"Your dispute #{ruling.dispute_id} was upheld: your score is now {score:.1f}/10 (was "
               f"{ruling.judge_total:.1f}); points, streak and stats are updated." if ruling.upheld else
               f"Your dispute #{ruling.dispute_id} was reviewed: the admin kept the score at {score:.1f}/10.")
    try:
        await ctx.platform_for(user_key).dm(user_key, render.info(outcome, title="Dispute resolved"))
    except Exception:  # the ruling is stored; a failed notice must not undo it
        import logging

        logging.getLogger(__name__).exception("dispute outcome notice failed")
    return ruling


# Labelled data -----------------------------------------------------------------------------------------

async def export(ctx: Context, name: str = "team-evals") -> dict[str, Any]:
    """Resolved disputes (admin score) and admin-cleared flags (the stored score, which the admin accepted)
    as an eval set: the questions as graded, each answer with its human score."""
    async with ctx.uow() as uow:
        disputed = await uow.disputes.rulings()
        cleared = await uow.disputes.cleared_undisputed()
    questions: dict[str, dict[str, Any]] = {}
    answers: list[dict[str, Any]] = []
    for tag, rows in (("dispute", disputed), ("cleared-flag", cleared)):
        for answer_id, human, text, qid, data in rows:
            questions.setdefault(qid, {k: v for k, v in data.items() if k != "tags" or v})
            answers.append({"id": f"a{answer_id}", "question": qid, "text": text, "human_score": float(human),
                            "tags": [tag]})
    return {"name": name, "source": "drillbot disputes export: admin rulings on disputed scores and "
            "admin-cleared flags", "scale": 10, "questions": list(questions.values()), "answers": answers}


@dataclass
class JudgeDisputes:
    """Per judge: answers scored, disputes raised, and the (judge, admin) score pairs of resolved ones.
    Agreement figures (QWK, bias) come from the eval harness's one implementation, applied by the CLI."""

    judge_id: str
    scored: int
    disputes: int
    upheld: int
    judge_scores: list[float]
    admin_scores: list[float]

    @property
    def resolved(self) -> int:
        return len(self.admin_scores)

    @property
    def dispute_rate(self) -> float:
        return self.disputes / self.scored if self.scored else 0.0

    @property
    def upheld_rate(self) -> float | None:
        """None until a dispute is resolved: 0 of 0 upheld is no evidence, not a rate of 0."""
        return self.upheld / self.resolved if self.resolved else None


async def by_judge(ctx: Context, since: datetime | None = None) -> list[JudgeDisputes]:
    """Scores and disputes created since `since` (all when None), grouped by the judge that scored."""
    async with ctx.uow() as uow:
        scored = await uow.scores.count_by_judge(since)
        rows = await uow.disputes.raised_since(since)
    out = []
    for judge_id in sorted(set(scored) | {r.judge_id for r in rows}):
        mine = [r for r in rows if r.judge_id == judge_id]
        done = [r for r in mine if r.status != "open" and r.admin_total is not None]
        out.append(JudgeDisputes(judge_id, scored.get(judge_id, 0), len(mine),
                                 sum(r.status == "upheld" for r in done),
                                 [r.judge_total for r in done], [float(r.admin_total) for r in done]))
    return out
