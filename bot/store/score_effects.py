"""What a score changes, as named queries: round points, streak, category stats and review schedule
(bot/services/progress.py applies the rules; these statements read and write the rows).

The scoring path reads and writes its rows with core statements, not through the ORM: `score_inputs`
returns each row's column values (`Values`, with a snapshot of what was read), rows `insert` is given
are new, and `write` (run by `flush` and before the unit of work commits) sends an INSERT for each new
row and an UPDATE of the changed columns of each changed one, keyed by the row's natural key, one
statement per table and kind for a batch. A profile showed the ORM's entity loading and flush of these
rows costing more than the statements themselves. The recomputation from history keeps using the ORM
(`add`, `remove`) for rows the scoring path did not read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Select, Table, Update, and_, bindparam, exists, func, insert, literal, or_, select
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.models import (
    Answer,
    Base,
    CategoryStatRow,
    Channel,
    Member,
    QuestionRow,
    ReviewItem,
    Round,
    RoundPoints,
    Score,
    Streak,
)
from bot.store.queries import counted, first_channel_zone

# The tables the score-inputs read returns rows of, in its column order: read-only, then written by a score.
_READ = (Answer, Member, Round, Channel)
_WRITTEN = (Streak, RoundPoints, CategoryStatRow, ReviewItem)


class Values(SimpleNamespace):
    """A row's column values, read like an instance of its model (`answer.member_id`) and changed in
    place; `ScoreEffects.write` sends the changes."""


@cache
def _score_inputs_query() -> tuple[Select[Any], tuple[tuple[type[Base], tuple[str, ...], int, int], ...]]:
    """Built once: building a statement of this size costs more than running it. A core statement on the
    tables, returning columns: loading eight ORM entities per answer cost more than the query. Also how
    to cut a result row into each table's values: (model, column names, first position, primary key's)."""
    t = {model: model.__table__ for model in (*_READ, *_WRITTEN, QuestionRow, Score)}
    answer, member, rnd, channel = (t[m].c for m in _READ)
    streak, points, stat, review = (t[m].c for m in _WRITTEN)
    question, score = t[QuestionRow].c, t[Score].c
    # Aliases: the subqueries read other rows of the tables the outer query joins.
    other_t, other_r_t, other_c_t = t[Answer].alias("other"), t[Round].alias("other_r"), t[Channel].alias("other_c")
    other, other_q, other_r = other_t.c, t[QuestionRow].alias("other_q").c, other_r_t.c
    later = exists().where(
        other.member_id == answer.member_id, *counted(other, score), score.answer_id == other.id,
        other_q.id == other.question_id, other_q.category == question.category,
        or_(other.submitted_at > answer.submitted_at,
            and_(other.submitted_at == answer.submitted_at, other.id > answer.id)))
    known = exists().where(other.member_id == answer.member_id, other.id != answer.id,
                           other_r.id == other.round_id, other_r.channel_id == rnd.channel_id)
    first_zone = first_channel_zone(answer.member_id, other_t, other_r_t, other_c_t).scalar_subquery()
    columns: list[Any] = []
    layout = []
    for model in (*_READ, *_WRITTEN):
        table = t[model]
        names = tuple(c.key for c in table.columns)
        pk = names.index(next(iter(table.primary_key.columns)).key)
        layout.append((model, names, len(columns), len(columns) + pk))
        columns += [c.label(f"{table.name}_{c.key}") for c in table.columns]
        if model is Channel:
            columns += [question.qid.label("input_qid"), question.category.label("input_category")]
    columns += [later.label("input_later"), known.label("input_known"), first_zone.label("input_zone")]
    query = (
        select(*columns)
        .select_from(t[Answer])
        .join(t[Member], member.id == answer.member_id)
        .join(t[QuestionRow], question.id == answer.question_id)
        .outerjoin(t[Round], rnd.id == answer.round_id)
        .outerjoin(t[Channel], channel.id == rnd.channel_id)
        .outerjoin(t[Streak], streak.member_id == answer.member_id)
        .outerjoin(t[RoundPoints], and_(points.round_id == answer.round_id, points.member_id == answer.member_id))
        .outerjoin(t[CategoryStatRow], and_(stat.member_id == answer.member_id, stat.category == question.category))
        .outerjoin(t[ReviewItem], and_(review.member_id == answer.member_id, review.qid == question.qid))
        .where(answer.id.in_(bindparam("answer_ids", expanding=True)))
    )
    return query, tuple(layout)


@cache
def _mark_scored_statements() -> tuple[Update, Select[Any]]:
    """Built once, like the read: mark a batch scored (and its replies claimed), lock people in id order."""
    # Core statements on the tables: the ORM's bulk UPDATE path cost more than the update.
    answers, members = Answer.__table__.c, Member.__table__.c
    now = bindparam("now", type_=answers.reply_claimed_at.type)
    mark = (Answer.__table__.update()
            .where(answers.id.in_(bindparam("answer_ids", expanding=True)), answers.status == "scoring")
            .values(status="scored", last_error=None, reply_claimed_at=now)
            .returning(answers.id, answers.member_id))
    lock = (select(members.id).where(members.id.in_(bindparam("member_ids", expanding=True)))
            .order_by(members.id).with_for_update())
    return mark, lock


def _their_channels(member_id: int) -> Select[Any]:
    return select(Round.channel_id).join(Answer, Answer.round_id == Round.id).where(
        Answer.member_id == member_id).distinct()


# The natural key of each row the scoring path writes with core statements (every one is unique): an
# UPDATE finds a row by it, so a row inserted earlier in the transaction needs no id read back.
NATURAL_KEYS: dict[type[Base], tuple[str, ...]] = {
    Score: ("answer_id",), RoundPoints: ("round_id", "member_id"), CategoryStatRow: ("member_id", "category"),
    ReviewItem: ("member_id", "qid"), Streak: ("member_id",),
}


@cache
def _columns(model: type[Base]) -> tuple[str, ...]:
    """The model's columns (each mapped to an attribute of the same name)."""
    table = model.__table__
    assert isinstance(table, Table)
    return tuple(c.key for c in table.columns)


def _values(row: Any, model: type[Base]) -> dict[str, Any]:
    """The row's column values it has (a new row's unset columns are left to the column defaults)."""
    state = row.__dict__
    return {key: state[key] for key in _columns(model) if key in state}


@cache
def _insert(model: type[Base]) -> Any:
    return insert(model.__table__)


@cache
def _update(model: type[Base], changed: tuple[str, ...]) -> Any:
    table = model.__table__
    assert isinstance(table, Table)
    return table.update().where(*_by_key(table, model, lambda k: bindparam(f"key_{k}"))).values(
        {key: bindparam(key) for key in changed})


def _by_key(table: Table, model: type[Base], value: Callable[[str], Any]) -> list[Any]:
    """The row's natural key equal to `value(column)`: a bound parameter, or a value."""
    return [table.c[key] == value(key) for key in NATURAL_KEYS[model]]


def _together(inserts: dict[tuple[type[Base], tuple[str, ...]], list[dict[str, Any]]],
              updates: dict[tuple[type[Base], tuple[str, ...]], list[dict[str, Any]]]) -> Select[Any]:
    """One row per statement (one answer's score): on PostgreSQL, every INSERT and UPDATE as a
    data-modifying CTE of one statement, one round trip instead of one each. The tables differ, so no
    statement needs to see another's rows (they all see the same snapshot)."""
    ctes = []
    for (model, _cols), (values,) in inserts.items():
        ctes.append(_insert(model).values(values).cte(f"w{len(ctes)}"))
    for (model, changed), (params,) in updates.items():
        table = model.__table__
        assert isinstance(table, Table)
        ctes.append(table.update().where(*_by_key(table, model, lambda k, p=params: p[f"key_{k}"]))
                    .values({k: params[k] for k in changed}).cte(f"w{len(ctes)}"))
    return select(literal(1)).add_cte(*ctes)


@dataclass
class ScoreEffects:
    session: AsyncSession
    # Rows written with core statements, by id(): the row, its model and the values last written or read
    # (None: not inserted yet).
    _tracked: dict[int, tuple[Any, type[Base], dict[str, Any] | None]] = field(default_factory=dict)

    # Writes of the rows below: added or removed with the unit of work's transaction.
    def add(self, row: Base) -> None:
        self.session.add(row)

    async def remove(self, row: Base) -> None:
        await self.session.delete(row)

    async def flush(self) -> None:
        await self.write()
        await self.session.flush()

    # Core writes of the scoring path's rows -----------------------------------------------------------
    def insert(self, row: Base) -> None:
        """A new row (score, round points, category stat, review item, streak), inserted by `write`."""
        self._tracked[id(row)] = (row, type(row), None)

    @property
    def pending(self) -> bool:
        return bool(self._tracked)

    async def write(self) -> None:
        """Send the new rows' INSERTs and the changed rows' UPDATEs: one statement per table and kind
        (executemany for a batch). Rows stay tracked, so a later change is written at the next call."""
        inserts: dict[tuple[type[Base], tuple[str, ...]], list[dict[str, Any]]] = {}
        updates: dict[tuple[type[Base], tuple[str, ...]], list[dict[str, Any]]] = {}
        for key, (row, model, before) in self._tracked.items():
            now = _values(row, model)
            if before is None:
                inserts.setdefault((model, tuple(now)), []).append(now)
            else:
                changed = tuple(k for k, v in now.items() if k not in before or before[k] != v)
                if not changed:
                    continue
                params = {k: now[k] for k in changed}
                params.update({f"key_{k}": before[k] for k in NATURAL_KEYS[model]})
                updates.setdefault((model, changed), []).append(params)
            self._tracked[key] = (row, model, now)
        single = len(inserts) + len(updates) > 1 and all(len(r) == 1 for r in (*inserts.values(), *updates.values()))
        if single and self._postgres():
            await self.session.execute(_together(inserts, updates))
            return
        for (model, _cols), rows in inserts.items():
            await self.session.execute(_insert(model), rows)
        for (model, changed), rows in updates.items():
            await self.session.execute(_update(model, changed), rows)

    def _postgres(self) -> bool:
        return self.session.bind is not None and self.session.bind.dialect.name == "postgresql"

    # The scoring path ------------------------------------------------------------------------------------
    async def mark_scored(self, answer_ids: Sequence[int], now: datetime) -> Sequence[Row[Any]]:
        """Mark claimed answers scored and their replies claimed, as the transaction's first statement (it
        takes SQLite's write lock); on PostgreSQL also lock their people's rows, in id order, so two
        processes' batches never deadlock. Rows: id, member_id of the answers still claimed for scoring."""
        mark, lock = _mark_scored_statements()
        marked = (await self.session.execute(mark, {"answer_ids": list(answer_ids), "now": now})).all()
        if marked and self.session.bind is not None and self.session.bind.dialect.name == "postgresql":
            await self.session.execute(lock, {"member_ids": sorted({row.member_id for row in marked})})
        return marked

    async def score_inputs(self, answer_ids: Sequence[int]) -> list[tuple[Any, ...]]:
        """Each answer, where it goes and every row its score updates, in one statement. Tuples: answer,
        member, round, channel (`Values`, None for no round), qid, category, then the streak, round
        points, category stat and review item (`Values` written by `write` once changed, None for no
        row yet), whether a counted answer in the category came later, whether the person knew the
        channel, the first channel's time zone."""
        query, layout = _score_inputs_query()
        out = []
        for row in (await self.session.execute(query, {"answer_ids": list(answer_ids)})).all():
            got: list[Any] = []
            for model, names, first, pk in layout:
                values = None
                if row[pk] is not None:
                    values = Values(**dict(zip(names, row[first:first + len(names)], strict=True)))
                    if model in NATURAL_KEYS:
                        self._tracked[id(values)] = (values, model, dict(values.__dict__))
                got.append(values)
                if model is Channel:
                    got += [row.input_qid, row.input_category]
            out.append((*got, bool(row.input_later), bool(row.input_known), row.input_zone))
        return out

    async def scheduled_days(self, member_id: int, start: date, today: date) -> list[date] | None:
        """Days in [start, today) with a round in any of the person's channels; None if they have none."""
        channels = _their_channels(member_id)
        if not await self.session.scalar(select(channels.exists())):
            return None
        return list((await self.session.scalars(select(Round.local_date).where(
            Round.channel_id.in_(channels), Round.local_date >= start, Round.local_date < today,
            Round.status != "skipped").distinct())).all())

    # Recomputation from history ----------------------------------------------------------------------
    async def round_points(self, member_id: int, round_id: int | None = None) -> list[RoundPoints]:
        query = select(RoundPoints).where(RoundPoints.member_id == member_id)
        if round_id is not None:
            query = query.where(RoundPoints.round_id == round_id)
        return list((await self.session.scalars(query)).all())

    async def round_place(self, round_id: int) -> Row[Any] | None:
        """Where a round was asked. Row: local_date, id (the channel's), workspace_id."""
        return (await self.session.execute(
            select(Round.local_date, Channel.id, Channel.workspace_id)
            .join(Channel, Channel.id == Round.channel_id).where(Round.id == round_id)
        )).first()

    async def streak_days(self, member_id: int, min_points: float) -> set[date]:
        """The days of the person's counted answers scoring more than `min_points`."""
        return set((await self.session.scalars(
            select(Answer.day).join(Score, Score.answer_id == Answer.id)
            .where(Answer.member_id == member_id, *counted(), Score.total > min_points).distinct()
        )).all())

    async def channels_with_zones(self, member_id: int) -> Sequence[Row[Any]]:
        """The channels the person answered in, in id order. Rows: channel_id, timezone."""
        return (await self.session.execute(
            select(Round.channel_id, Channel.timezone).join(Answer, Answer.round_id == Round.id)
            .join(Channel, Channel.id == Round.channel_id)
            .where(Answer.member_id == member_id).distinct().order_by(Round.channel_id)
        )).all()

    async def round_days(self, channel_ids: Sequence[int], since: date) -> set[date]:
        """Days from `since` on with a round that was not skipped in any of the channels."""
        return set((await self.session.scalars(
            select(Round.local_date).where(Round.channel_id.in_(channel_ids), Round.local_date >= since,
                                           Round.status != "skipped").distinct()
        )).all())

    async def streak(self, member_id: int) -> Streak | None:
        return await self.session.get(Streak, member_id)

    async def category_scores(self, member_id: int) -> Sequence[Row[Any]]:
        """The person's counted scores in answer order. Rows: category, total."""
        return (await self.session.execute(
            select(QuestionRow.category, Score.total)
            .join(Answer, Answer.question_id == QuestionRow.id)
            .join(Score, Score.answer_id == Answer.id)
            .where(Answer.member_id == member_id, *counted())
            .order_by(Answer.submitted_at, Answer.id)
        )).all()

    async def category_rows(self, member_id: int) -> list[CategoryStatRow]:
        return list((await self.session.scalars(
            select(CategoryStatRow).where(CategoryStatRow.member_id == member_id))).all())

    async def review_item(self, member_id: int, qid: str) -> ReviewItem | None:
        return await self.session.scalar(
            select(ReviewItem).where(ReviewItem.member_id == member_id, ReviewItem.qid == qid))

    async def count_people_with_answers(self) -> int:
        return await self.session.scalar(
            select(func.count(Member.id)).where(exists().where(Answer.member_id == Member.id))) or 0

    async def people_with_answers(self, member_ids: Sequence[int] | None = None) -> list[Member]:
        """Everyone with an answer (or those of the given people), in id order."""
        query = select(Member).where(exists().where(Answer.member_id == Member.id)).order_by(Member.id)
        if member_ids is not None:
            query = query.where(Member.id.in_(member_ids))
        return list((await self.session.scalars(query)).all())
