"""The team report's tables from a hand-built history, on SQLite and PostgreSQL: what counts, in which week,
for whom, and each judge's p95 latency, checked against figures worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import event, select

from bot.clock import FakeClock
from bot.core import Core
from bot.services import team_report
from bot.store.models import Answer, Channel, Member, PracticeSession, QuestionRow, Round, Score, Workspace

THURSDAY = datetime(2026, 11, 5, 12, 0, tzinfo=UTC)  # ISO week 2026-W45; the report's last week
W45, W43 = date(2026, 11, 2), date(2026, 10, 19)  # Mondays


class History:
    def __init__(self, core: Core):
        self.core, self.n = core, 0
        self.rounds: dict[tuple[int, date], int] = {}

    async def setup(self) -> None:
        now = self.core.ctx.clock.now()
        async with self.core.ctx.sessions.begin() as s:
            ws = Workspace(key="test:W9", platform="test", created_at=now)
            s.add(ws)
            await s.flush()
            qs = (await s.scalars(select(QuestionRow).where(QuestionRow.current.is_(True))
                                  .order_by(QuestionRow.category, QuestionRow.qid))).all()
            self.q1 = qs[0]
            self.q2 = next(q for q in qs if q.category != self.q1.category)
            self.channels = {}
            for q in (self.q1, self.q2):
                ch = Channel(workspace_id=ws.id, key=f"test:W9:{q.qid}", created_at=now)
                s.add(ch)
                await s.flush()
                self.channels[q.id] = ch.id
            self.people = {}
            for name, opted_out in (("alice", False), ("bob", True), ("carol", False)):
                m = Member(workspace_id=ws.id, user_key=f"test:W9:{name}", display_name=name,
                           leaderboard_opt_out=opted_out, created_at=now)
                s.add(m)
                await s.flush()
                self.people[name] = m.id

    async def add(self, who: str, day: date, q: QuestionRow, total: float | None, *, judge: str = "j1",
                  latency: float = 0.0, deleted: bool = False, flagged: bool = False, practice: bool = False) -> None:
        self.n += 1
        at = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=10)
        async with self.core.ctx.sessions.begin() as s:
            round_id = practice_id = None
            if practice:
                ps = PracticeSession(member_id=self.people[who], question_id=q.id, thread_key=f"dm{self.n}",
                                     started_at=at)
                s.add(ps)
                await s.flush()
                practice_id = ps.id
            else:
                key = (q.id, day)
                if key not in self.rounds:
                    r = Round(channel_id=self.channels[q.id], question_id=q.id, local_date=day, thread_key=f"t{self.n}",
                              status="closed", opens_at=at, closes_at=at + timedelta(hours=24))
                    s.add(r)
                    await s.flush()
                    self.rounds[key] = r.id
                round_id = self.rounds[key]
            a = Answer(message_key=f"test:W9:m{self.n}", member_id=self.people[who], round_id=round_id,
                       practice_id=practice_id, question_id=q.id, thread_key=f"t{self.n}", text="an answer", day=day,
                       submitted_at=at, status="pending" if total is None else "scored", next_attempt_at=at,
                       deleted=deleted)
            s.add(a)
            await s.flush()
            if total is not None:
                s.add(Score(answer_id=a.id, total=total, criteria=[], judge_id=judge, latency_ms=latency,
                            cost_usd=0.001, input_tokens=100, output_tokens=10, created_at=at,
                            flags=["injection"] if flagged else [], review_state="flagged" if flagged else "none",
                            counts=not flagged))


async def test_report_tables_from_a_known_history(core: Core, clock: FakeClock) -> None:
    clock.set(THURSDAY)
    h = History(core)
    await h.setup()
    q1, q2 = h.q1, h.q2
    # Alice: 3.0 in W43 (two answers), 9.0 in W45 (two answers): improved by 6.
    await h.add("alice", W43, q1, 2.0, latency=100)
    await h.add("alice", W43 + timedelta(days=1), q1, 4.0, latency=200)
    await h.add("alice", W45, q1, 8.0, latency=300)
    await h.add("alice", W45, q2, 10.0, judge="j2", latency=1000)
    # Bob opted out of the leaderboard: 5.0 then 6.5, improved by 1.5, shown anonymised.
    await h.add("bob", W43, q2, 5.0, latency=400)
    await h.add("bob", W43 + timedelta(days=1), q2, 5.0, latency=500)
    await h.add("bob", W45, q2, 6.0, latency=600)
    await h.add("bob", W45 + timedelta(days=1), q2, 7.0, latency=700)
    # Carol: one unscored answer, one flagged (judged, not counted), one deleted, one practice answer.
    await h.add("carol", W45, q1, None)
    await h.add("carol", W45 + timedelta(days=1), q1, 9.0, latency=800, flagged=True)
    await h.add("carol", W45 + timedelta(days=2), q1, 10.0, latency=5000, deleted=True)
    await h.add("carol", W45 + timedelta(days=2), q2, 3.0, judge="j2", latency=50, practice=True)
    # Before the 8-week period: ignored.
    await h.add("alice", W45 - timedelta(weeks=8), q1, 1.0, latency=9000)

    report = await team_report.build(core.ctx, 8)
    assert report.weeks[0] == "2026-W38" and report.weeks[-1] == "2026-W45"
    part = {w: (p, a) for w, p, a in report.participation.rows}
    assert part["2026-W43"] == (2, 4) and part["2026-W45"] == (3, 7) and part["2026-W44"] == (0, 0)

    trend = {r[0]: dict(zip(report.weeks, r[1:], strict=True)) for r in report.category_trend.rows}
    assert trend[q1.category]["2026-W43"] == 3.0 and trend[q1.category]["2026-W45"] == 8.0
    assert trend[q2.category]["2026-W43"] == 5.0 and trend[q2.category]["2026-W45"] == 6.5
    assert trend[q1.category]["2026-W44"] == ""

    assert report.most_improved.rows == [["alice", "2026-W43", 3.0, "2026-W45", 9.0, 6.0],
                                         ["(anonymous)", "2026-W43", 5.0, "2026-W45", 6.5, 1.5]]

    questions = {r[0]: r for r in report.questions.rows}
    assert questions[q1.qid][2:8] == [3, 4.67, 2.49, 2.0, 8.0, 0.33]  # 2, 4, 8: the flagged 9 does not count
    assert questions[q2.qid][2:8] == [6, 6.0, 2.16, 3.0, 10.0, 0.33]  # 10, 5, 5, 6, 7 and the practice 3

    assert report.flags.rows == [["injection", 1, 0, 0]]
    # j1: 100 ... 800 (the flagged answer was judged too); nearest rank of p95 among 8 is the 8th.
    assert report.judges.rows == [["j1", 8, 0.008, 0.001, 450.0, 800.0, 800.0, 880],
                                  ["j2", 2, 0.002, 0.001, 525.0, 1000.0, 1000.0, 220]]


async def test_statements_do_not_grow_with_judges_or_people(core: Core, clock: FakeClock) -> None:
    """The report is a fixed handful of set-based statements: no query per judge (the p95 used to be
    one sorted query per judge) or per person."""
    clock.set(THURSDAY)
    h = History(core)
    await h.setup()
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    async def statements_per_build() -> int:
        statements.clear()
        event.listen(core.engine.sync_engine, "before_cursor_execute", count)  # type: ignore[union-attr]
        try:
            await team_report.build(core.ctx, 8)
        finally:
            event.remove(core.engine.sync_engine, "before_cursor_execute", count)  # type: ignore[union-attr]
        return len(statements)

    await h.add("alice", W45, h.q1, 8.0, judge="j1", latency=10)
    await h.add("alice", W45 + timedelta(days=1), h.q1, 9.0, judge="j1", latency=10)
    one_judge = await statements_per_build()
    for i, who in enumerate(["bob", "carol"] * 2):
        await h.add(who, W43 + timedelta(days=i), h.q2, 5.0 + i, judge=f"judge-{i}", latency=100 * i)
    assert len((await team_report.build(core.ctx, 8)).judges.rows) == 5
    assert await statements_per_build() == one_judge <= 8
