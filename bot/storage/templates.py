"""Checklist templates: every imported version is kept; audits point at one version."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select

from bot.domain.audits import TemplateInfo
from bot.storage.db import inserted_id
from bot.storage.schema import checklist_templates as templates

_INFO = (
    templates.c.id,
    templates.c.code,
    templates.c.language,
    templates.c.version,
    templates.c.title,
    templates.c.question_count,
)


class TemplateRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def latest(self) -> list[TemplateInfo]:
        newest = (
            select(
                templates.c.code,
                templates.c.language,
                func.max(templates.c.version).label("version"),
            )
            .group_by(templates.c.code, templates.c.language)
            .subquery()
        )
        query = (
            select(*_INFO)
            .join(
                newest,
                (newest.c.code == templates.c.code)
                & (newest.c.language == templates.c.language)
                & (newest.c.version == templates.c.version),
            )
            .order_by(templates.c.language, templates.c.title)
        )
        return [TemplateInfo(**row._mapping) for row in self.conn.execute(query)]

    def info(self, template_id: int) -> TemplateInfo | None:
        row = (self.conn.execute(select(*_INFO).where(templates.c.id == template_id))).first()
        return TemplateInfo(**row._mapping) if row else None

    def content(self, template_id: int) -> dict[str, Any] | None:
        row = (
            self.conn.execute(select(templates.c.content).where(templates.c.id == template_id))
        ).first()
        return dict(row.content) if row else None

    def newest_version(self, code: str, language: str) -> int:
        found = self.conn.execute(
            select(func.max(templates.c.version)).where(
                templates.c.code == code, templates.c.language == language
            )
        )
        return int(found.scalar() or 0)

    def add(
        self,
        code: str,
        language: str,
        version: int,
        title: str,
        question_count: int,
        content: dict[str, Any],
        created_by: int | None,
        now: datetime,
    ) -> int:
        result = self.conn.execute(
            insert(templates).values(
                code=code,
                language=language,
                version=version,
                title=title,
                question_count=question_count,
                content=content,
                created_by=created_by,
                created_at=now,
            )
        )
        return inserted_id(result)
