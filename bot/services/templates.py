"""Checklist templates: the shipped set, imports of new versions, and exact versions for audits."""

from __future__ import annotations

import asyncio

from sqlalchemy import Connection

from bot.clock import Clock
from bot.domain.audits import TemplateInfo
from bot.domain.checklist_files import (
    dump_yaml,
    load_shipped,
    parse_checklist,
    shipped_versions,
)
from bot.domain.checklists import Checklist
from bot.domain.models import User
from bot.services.errors import Refused
from bot.storage.db import Database
from bot.storage.documents import DocumentRepo
from bot.storage.events import EventLog
from bot.storage.templates import TemplateRepo

PARSE_SECONDS = 10.0


class TemplateService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self._cache: dict[int, Checklist] = {}  # a stored version never changes

    async def sync_shipped(self) -> int:
        """Adds shipped templates whose version the database does not have yet (files
        parsed in full only then: the usual start reads their first lines)."""
        versions = shipped_versions()
        if versions is not None:

            def have_all(conn: Connection) -> bool:
                repo = TemplateRepo(conn)
                return all(repo.newest_version(c, lang) >= v for c, lang, v in versions)

            if await self.db.run(have_all):
                return 0
        shipped = load_shipped()

        def work(conn: Connection) -> int:
            repo, log = TemplateRepo(conn), EventLog(conn)
            added = 0
            for checklist in shipped:
                if repo.newest_version(checklist.code, checklist.language) < checklist.version:
                    self._store(repo, log, checklist, None)
                    added += 1
            return added

        return await self.db.run(work)

    def _store(
        self, repo: TemplateRepo, log: EventLog, checklist: Checklist, actor_id: int | None
    ) -> int:
        now = self.clock.now()
        template_id = repo.add(
            checklist.code,
            checklist.language,
            checklist.version,
            checklist.title,
            checklist.question_count,
            checklist.model_dump(mode="json"),
            actor_id,
            now,
        )
        log.add(
            now,
            actor_id,
            "template",
            template_id,
            "imported",
            code=checklist.code,
            language=checklist.language,
            version=checklist.version,
        )
        return template_id

    async def latest(self) -> list[TemplateInfo]:
        return await self.db.run(lambda conn: TemplateRepo(conn).latest())

    async def info(self, template_id: int) -> TemplateInfo:
        found = await self.db.run(lambda conn: TemplateRepo(conn).info(template_id))
        if found is None:
            raise Refused("templates.not_found")
        return found

    def checklist_in(self, conn: Connection, template_id: int) -> Checklist:
        """The exact version `template_id`, inside a unit of work."""
        if template_id not in self._cache:
            content = TemplateRepo(conn).content(template_id)
            if content is None:
                raise Refused("templates.not_found")
            self._cache[template_id] = Checklist.model_validate(content)
        return self._cache[template_id]

    async def checklist(self, template_id: int) -> Checklist:
        if template_id in self._cache:
            return self._cache[template_id]
        return await self.db.run(lambda conn: self.checklist_in(conn, template_id))

    async def yaml_of(self, template_id: int) -> str:
        return dump_yaml(await self.checklist(template_id))

    async def import_yaml(self, actor: User, source: bytes) -> TemplateInfo:
        """Raises ChecklistError for a bad file; nothing is stored unless all of it is valid.
        The file is parsed off the event loop (the size and nesting bounds keep it short;
        the time bound answers the person even if they did not)."""
        try:
            checklist = await asyncio.wait_for(
                asyncio.to_thread(parse_checklist, source), PARSE_SECONDS
            )
        except TimeoutError:
            raise Refused("templates.too_slow") from None

        def work(conn: Connection) -> TemplateInfo | None:
            repo = TemplateRepo(conn)
            newest = repo.newest_version(checklist.code, checklist.language)
            if checklist.version <= newest:
                raise Refused(
                    "templates.old_version",
                    code=checklist.code,
                    given=checklist.version,
                    newest=newest,
                )
            _check_documents(conn, checklist)
            template_id = self._store(repo, EventLog(conn), checklist, actor.id)
            return repo.info(template_id)

        found = await self.db.run(work)
        assert found is not None
        return found


def _check_documents(conn: Connection, checklist: Checklist) -> None:
    """A question's `document` names a document of the register (issue 14.5)."""
    repo = DocumentRepo(conn)
    for question in checklist.questions:
        if question.document and repo.by_code(question.document) is None:
            raise Refused("templates.unknown_document", code=question.document, id=question.id)
