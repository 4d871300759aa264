"""The question catalog: the bank synced into the questions table, versioned by content hash.

Editing a question adds a new version row; rounds and scores keep pointing at the version they used.
"""

from __future__ import annotations

from datetime import datetime

from bank.loader import Bank
from bank.schema import BankQuestion, Question
from bot.store.models import QuestionRow
from bot.store.repositories import Repositories


class Catalog:
    def __init__(self, bank: Bank):
        self.bank = bank
        self._by_row: dict[int, Question] = {}
        self._row_of: dict[str, int] = {}  # qid -> current version row id

    def current(self) -> list[BankQuestion]:
        return self.bank.all()

    def get(self, qid: str) -> BankQuestion | None:
        return self.bank.get(qid)

    def row_id(self, qid: str) -> int:
        return self._row_of[qid]

    def cached_question(self, row_id: int) -> Question | None:
        """A question version already read, without a session; None if it must be read."""
        return self._by_row.get(row_id)

    async def question_for_row(self, uow: Repositories, row_id: int) -> Question:
        if row_id not in self._by_row:
            row = await uow.questions.row(row_id)
            if row is None:
                raise LookupError(f"question row {row_id} missing")
            self._by_row[row_id] = Question.model_validate(row.data)
        return self._by_row[row_id]

    async def sync(self, uow: Repositories, now: datetime) -> int:
        """Insert a version row for every new or edited question; returns how many were added."""
        existing = {(r.qid, r.content_hash): r for r in await uow.questions.versions()}
        added = 0
        for q in self.bank.all():
            digest = q.content_hash()
            row = existing.get((q.id, digest))
            if row is None:
                await uow.questions.retire(q.id)
                row = await uow.questions.add(QuestionRow(
                    qid=q.id, content_hash=digest, category=q.category, difficulty=q.difficulty, current=True,
                    data=q.model_dump(mode="json"), created_at=now))
                added += 1
            elif not row.current:
                await uow.questions.retire(q.id)
                row.current = True
            self._row_of[q.id] = row.id
            self._by_row[row.id] = q
        return added
