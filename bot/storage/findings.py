"""Audit findings: an NC raised from a question, observations, opportunities for
improvement, strengths, and questions the auditor dismissed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from bot.domain.findings import Finding, FindingKind
from bot.storage.db import inserted_id
from bot.storage.schema import audit_findings

f = audit_findings


def _finding(row: Any) -> Finding:
    data = dict(row._mapping)
    data["kind"] = FindingKind(data["kind"])
    return Finding(**data)


class FindingRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(
        self,
        audit_id: int,
        kind: FindingKind,
        created_by: int,
        now: datetime,
        question_id: str | None = None,
        text: str | None = None,
        facts: dict[str, Any] | None = None,
        nc_id: int | None = None,
    ) -> int:
        values = {
            "audit_id": audit_id,
            "kind": kind.value,
            "created_by": created_by,
            "created_at": now,
            "question_id": question_id,
            "text": text,
            "facts": facts,
            "nc_id": nc_id,
        }
        return inserted_id(self.conn.execute(insert(f).values(**values)))

    def of_audit(self, audit_id: int) -> list[Finding]:
        rows = self.conn.execute(select(f).where(f.c.audit_id == audit_id).order_by(f.c.id))
        return [_finding(row) for row in rows]
