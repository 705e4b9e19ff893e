"""Answers: one row per (audit, respondent, question), written the moment it is given."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from bot.domain.audits import AnswerRecord
from bot.storage.db import inserted_id
from bot.storage.schema import answers

_COLUMNS = (
    answers.c.id,
    answers.c.user_id,
    answers.c.question_id,
    answers.c.value,
    answers.c.comment,
    answers.c.evidence,
)


# The questionnaire's hot statements are built once: SQLAlchemy then reuses their cache
# keys instead of walking a new statement tree on every answer.
_OF = select(*_COLUMNS).where(
    answers.c.audit_id == bindparam("audit_id"), answers.c.user_id == bindparam("user_id")
)
_INSERT = insert(answers)


def _record(row: Any) -> AnswerRecord:
    data = dict(row._mapping)
    data["evidence"] = list(data["evidence"] or [])
    return AnswerRecord(**data)


class AnswerRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def of(self, audit_id: int, user_id: int) -> dict[str, AnswerRecord]:
        rows = self.conn.execute(_OF, {"audit_id": audit_id, "user_id": user_id})
        return {row.question_id: _record(row) for row in rows}

    def add_many(self, rows: list[dict[str, Any]]) -> None:
        """Bulk insert (seeding a demo or a benchmark): dicts with the table's columns."""
        if rows:
            self.conn.execute(_INSERT, rows)

    def all_for_audit(self, audit_id: int) -> list[AnswerRecord]:
        rows = self.conn.execute(
            select(*_COLUMNS).where(answers.c.audit_id == audit_id).order_by(answers.c.id)
        )
        return [_record(row) for row in rows]

    def save(
        self,
        audit_id: int,
        user_id: int,
        question_id: str,
        now: datetime,
        before: AnswerRecord | None,
        **values: Any,
    ) -> int:
        """Writes the given fields of one answer; `before` is the row as the caller read
        it in this same transaction (None when there is none). Returns the row's id."""
        if before is None:
            row = {
                "audit_id": audit_id,
                "user_id": user_id,
                "question_id": question_id,
                "value": None,
                "comment": None,
                "evidence": [],
                "answered_at": now,
                "updated_at": now,
                **values,
            }
            return inserted_id(self.conn.execute(_INSERT, row))
        self.conn.execute(
            update(answers).where(answers.c.id == before.id).values(updated_at=now, **values)
        )
        return before.id
