"""Controlled documents benchmark: a large school, every document in force for several
departments, most acknowledged.

1. One sweep's document rules (who still has to acknowledge what, reminders, reviews) over
   300 documents × 2,000 staff in 40 departments (target < 0.5 s for the whole sweep), and
   the next, which finds the rule's marks unchanged and reads only them.
2. The matrix people × documents in force as XLSX, and one version's acknowledgement sheet
   as DOCX (targets < 3 s and < 1 s).

    python -m bench.documents
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection

from bot.clock import FixedClock
from bot.config import Settings
from bot.domain.documents import DocType, VersionStatus
from bot.domain.roles import Role
from bot.i18n import create_i18n
from bot.reports.docx import build_ack_sheet
from bot.reports.xlsx import build_documents_workbook
from bot.scheduler.rules import Memo, compute_due
from bot.services.documents import DocumentService
from bot.services.templates import TemplateService
from bot.storage.db import Database
from bot.storage.departments import DepartmentRepo
from bot.storage.documents import DocumentRepo
from bot.storage.users import UserRepo
from bot.views import documents as views

TOKEN = "123456789:AAHbenchTokenForLoadTestsOnly_abcdefg"
DEPARTMENTS, PER_DEPARTMENT, DOCUMENTS = 40, 50, 300
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def seed(conn: Connection) -> None:
    users, departments, documents = UserRepo(conn), DepartmentRepo(conn), DocumentRepo(conn)
    manager = users.add(1, "Manager", None, "ru", None, NOW)
    users.set_roles(manager, {Role.MANAGER})
    staff: dict[int, list[int]] = {}
    ids = []
    for d in range(DEPARTMENTS):
        department = departments.add(f"Подразделение {d + 1}", NOW)
        ids.append(department)
        for n in range(PER_DEPARTMENT):
            person = users.add(
                10_000 + d * 100 + n, f"Teacher {d}-{n}", None, "ru", department, NOW
            )
            users.set_roles(person, {Role.TEACHER})
            staff.setdefault(department, []).append(person)
    for k in range(DOCUMENTS):
        document = documents.add(f"П-{k:03d}", f"Положение {k}", DocType.REGULATION, manager, NOW)
        chosen = frozenset(ids[(k + j) % DEPARTMENTS] for j in range(3))
        version = documents.add_version(document, 1, {"file_id": "f"}, frozenset(), chosen, NOW)
        documents.move(version, VersionStatus.DRAFT, VersionStatus.APPROVED)
        documents.move(
            version, VersionStatus.APPROVED, VersionStatus.IN_FORCE,
            effective_on=NOW.date(), review_on=NOW.date().replace(year=2027),
        )  # fmt: skip
        for department in chosen:  # nine in ten have acknowledged
            for n, person in enumerate(staff[department]):
                if n % 10:
                    documents.acknowledge(version, person, NOW)


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "qms.sqlite3"
        settings = Settings(
            _env_file=None,
            bot_token=TOKEN,
            database_path=database,  # type: ignore[call-arg]
        )
        db = Database.sqlite(database)
        await db.migrate()
        await db.run(seed)
        clock = FixedClock(NOW)
        templates = TemplateService(db, clock)
        memo = Memo()  # as the Sweeper keeps it: the second sweep reads the marks only
        for label in ("first", "second (nothing changed)"):
            started = time.perf_counter()
            due = await db.read(lambda conn: compute_due(conn, NOW, settings, templates, memo=memo))
            sweep = time.perf_counter() - started
            print(f"sweep, {label}: {len(due)} due in {sweep:.3f} s (target < 0.5 s)")

        service = DocumentService(db, clock, settings.tz, 3, 30)
        manager = await db.run(lambda conn: UserRepo(conn).get(1))
        assert manager is not None
        started = time.perf_counter()
        matrix = await service.matrix(manager)
        i18n = create_i18n("ru")
        with i18n.context(), i18n.use_locale("ru"):
            names, rows = views.matrix_rows(matrix)
        data = build_documents_workbook(names, rows, lambda key: key)
        took = time.perf_counter() - started
        print(f"matrix XLSX: {len(rows)} × {len(names)}, {len(data) // 1024} KB in {took:.2f} s")
        words = {f"role.{r.value}": r.value for r in Role} | {"no_department": "—"}
        started = time.perf_counter()
        sheet = await service.sheet(manager, 1, words)
        table = [[str(i), r.name, r.position, "", ""] for i, r in enumerate(sheet.rows, 1)]
        data = build_ack_sheet("Лист", [], ["№", "ФИО", "Д", "Дата", "Подпись"], table, "ru-RU")
        took = time.perf_counter() - started
        print(f"sheet DOCX: {len(sheet.rows)} rows, {len(data) // 1024} KB in {took:.2f} s")
        await db.close()


if __name__ == "__main__":
    asyncio.run(main())
