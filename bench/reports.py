"""Reports benchmark: a school year of data, then /summary, the XLSX export and one DOCX.

60 closed audits × 100 respondents × 40 questions (240,000 answers) and 1,500 NCs.
Targets: summary < 0.5 s, XLSX < 3 s, DOCX < 1 s. Prints time and peak memory of each;
then the export once more through the bot itself (a real bot process on the same
database, a fake Bot API): the time from /export to the file's arrival, and the bot
process's peak memory while it made and sent it (target < 120 MB more than before).

    python -m bench.reports
"""

from __future__ import annotations

import asyncio
import os
import resource
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from aiogram.utils.i18n import I18n
from sqlalchemy import Connection

from bench.figures import record
from bench.questionnaire import TOKEN as BOT_TOKEN
from bench.questionnaire import checklist_yaml, start_process, stop_process
from bot.app import create_app
from bot.clock import FixedClock
from bot.config import Settings
from bot.domain.audits import AuditDraft
from bot.domain.nonconformities import NcStatus, Severity, Source
from bot.domain.roles import Role
from bot.domain.summaries import Period
from bot.i18n import create_i18n
from bot.storage.answers import AnswerRepo
from bot.storage.audits import AuditRepo
from bot.storage.nonconformities import NcRepo
from bot.storage.users import UserRepo
from bot.views.reports import translate  # the export's own (answers included)
from tests.fakeapi import FakeTelegram

TOKEN = "123456789:AAHbenchTokenForLoadTestsOnly_abcdefg"
AUDITS, RESPONDENTS, QUESTIONS, NCS = 60, 100, 40, 1500


def seed_people(conn: Connection, now: datetime) -> tuple[int, int, list[int]]:
    users = UserRepo(conn)
    manager = users.add(1, "Менеджер", None, "ru", None, now)
    users.set_roles(manager, {Role.MANAGER})
    auditor = users.add(2, "Аудитор", None, "ru", None, now)
    users.set_roles(auditor, {Role.AUDITOR})
    teachers = []
    for n in range(RESPONDENTS):
        teacher = users.add(1000 + n, f"Учитель {n:03d}", None, "ru", None, now)
        users.set_roles(teacher, {Role.TEACHER})
        teachers.append(teacher)
    return manager, auditor, teachers


def seed_answers(
    conn: Connection, audit_id: int, teachers: list[int], now: datetime, n: int
) -> None:
    """Each answer at its own moment (people answer one by one), every 25th with a photo
    of its own: the export's per-answer work is not hidden behind repeated values."""
    rows = []
    for t, teacher in enumerate(teachers):
        for q in range(QUESTIONS):
            at = now + timedelta(seconds=(t * QUESTIONS + q) * 7, microseconds=q)
            photo = [{"kind": "photo", "file_id": f"p{n}-{t}-{q}"}] if (t + q) % 25 == 0 else []
            rows.append(
                {
                    "audit_id": audit_id, "user_id": teacher, "question_id": f"b{q:02d}",
                    "value": "no" if (t + q + n) % 7 == 0 else "yes",
                    "comment": "Нужна проверка" if (t + q) % 50 == 0 else None,
                    "evidence": photo, "answered_at": at, "updated_at": at,
                }
            )  # fmt: skip
    AnswerRepo(conn).add_many(rows)
    repo = AuditRepo(conn)
    for teacher in teachers:
        repo.mark_submitted(audit_id, teacher, now)


def seed_ncs(conn: Connection, reporter: int, responsible: int, today: date, now: datetime) -> None:
    repo = NcRepo(conn)
    statuses = list(NcStatus)
    for n in range(NCS):
        repo.add(
            now.year, now - timedelta(days=n % 200),
            source=Source.REPORT.value, status=statuses[n % len(statuses)].value,
            description=f"Несоответствие номер {n}", reporter_id=reporter,
            responsible_id=responsible, severity=list(Severity)[n % 4].value,
            corrective_action="Действие", due_date=today + timedelta(days=(n % 60) - 30),
        )  # fmt: skip


def peak_rss() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


MEASURED: dict[str, float] = {}  # label -> seconds, for `python -m bench`'s table


async def measure(label: str, target: float, action: Any) -> Any:
    """Times the action (wall and process CPU); then runs it again under tracemalloc for its
    peak allocation (tracemalloc slows Python several times, so it never runs while
    timing)."""
    started, cpu = time.perf_counter(), time.process_time()
    result = await action()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"{label:<22} {cpu:7.3f} s CPU")
    tracemalloc.start()
    await action()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    verdict = "ok" if elapsed < target else "OVER"
    memory = peak / 2**20
    print(f"{label:<22} {elapsed:7.3f} s (target < {target} s, {verdict})   peak +{memory:.0f} MB")
    MEASURED[label] = elapsed
    return result


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        clock = FixedClock(datetime(2027, 5, 20, 9, 0, tzinfo=UTC))
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            bot_token=TOKEN,
            database_path=Path(folder) / "bench.sqlite3",
            admin_ids="1",
        )
        app = await create_app(settings, clock=clock)
        now = clock.now()
        started = time.perf_counter()
        manager_id, auditor_id, teachers = await app.db.run(lambda c: seed_people(c, now))
        accounts, audits = app.dispatcher["accounts"], app.dispatcher["audits"]
        manager = await accounts.get(manager_id)
        auditor = await accounts.get(auditor_id)
        template = await app.dispatcher["templates"].import_yaml(manager, checklist_yaml(QUESTIONS))
        today = audits.today()
        for n in range(AUDITS):
            start = date(2026, 9, 1) + timedelta(days=n * 4)
            clock.set(datetime.combine(start, datetime.min.time(), UTC) + timedelta(hours=9))
            audit = await audits.plan(
                manager,
                AuditDraft(
                    title=f"Аудит {n + 1}", template_id=template.id, objectives=["risks"],
                    scope="Год", criteria="ISO 9001", lead_auditor_id=auditor_id,
                    respondent_ids=teachers, start_date=start, deadline=start + timedelta(days=3),
                ),
            )  # fmt: skip
            await audits.open_due()
            await app.db.run(
                lambda c, a=audit.id, k=n: seed_answers(c, a, teachers, clock.now(), k)
            )
            await audits.close(auditor, audit.id, f"Заключение {n + 1}")
        clock.set(now)
        await app.db.run(lambda c: seed_ncs(c, manager_id, auditor_id, today, now))
        seconds = time.perf_counter() - started
        answers = AUDITS * RESPONDENTS * QUESTIONS
        print(f"seeded {AUDITS} audits, {answers:,} answers, {NCS} NCs in {seconds:.0f} s")

        i18n: I18n = create_i18n("ru")
        reports = app.dispatcher["reports"]
        with i18n.context(), i18n.use_locale("ru"):

            def gettext(key: str) -> str:
                return i18n.gettext(key, locale="ru")

            await measure("/summary (school year)", 0.5, lambda: reports.summary(Period.YEAR))
            # The longest unit of work on the database thread: what a tap waits behind.
            units: list[float] = []
            unit = app.db._unit

            def timed(work: Any) -> Any:
                began = time.perf_counter()
                try:
                    return unit(work)
                finally:
                    if not tracemalloc.is_tracing():  # the timed run's, not the slowed one's
                        units.append(time.perf_counter() - began)

            app.db._unit = timed  # type: ignore[method-assign]
            book = Path(folder) / "export.xlsx"

            async def export() -> None:
                with book.open("wb") as target:
                    await reports.workbook(gettext, translate, target)

            await measure("XLSX export", 3.0, export)
            app.db._unit = unit  # type: ignore[method-assign]

            print(
                f"{'':<22} {len(units)} units of work: the first (audits, NCs) "
                f"{units[0] * 1000:.0f} ms, the longest page of answers "
                f"{max(units[1:], default=0) * 1000:.0f} ms"
            )

            print(f"{'':<22} {book.stat().st_size / 2**20:.1f} MB file")
            audit = await audits.get(1)
            document = await measure(
                "DOCX report (1 audit)",
                1.0,
                lambda: reports.audit_report(audit, gettext, translate),
            )
            print(f"{'':<22} {len(document) / 1024:.0f} KB file")
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"process peak RSS: {rss:.0f} MB")
        await app.close()
        grown = await export_through_bot(settings.database_path)
        record("reports", xlsx_seconds=MEASURED["XLSX export"], xlsx_peak_mb=grown)


def memory(pid: int, field: str) -> float:
    """A process's VmRSS (now) or VmHWM (its peak since the last reset), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise LookupError(field)


def reset_peak(pid: int) -> None:
    """Linux: "5" in clear_refs resets the process's peak RSS (VmHWM) to what it is now."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def documents(api: FakeTelegram, chat_id: int) -> list[dict[str, Any]]:
    return [m for (chat, _), m in api.messages.items() if chat == chat_id and "document" in m]


async def export_through_bot(database: Path) -> float:
    """/export sent to a real bot process on the seeded database; the file it uploads
    arrives at the fake Bot API. The process's peak memory is reset once it is idle, so
    the peak is the export's (making the file and sending it)."""
    api = FakeTelegram(BOT_TOKEN)
    await api.start()
    process = await start_process(api, "bot", database)
    try:
        await asyncio.wait_for(api.polled.wait(), 120)
        await asyncio.sleep(3)  # its first sweep and start-up settle
        before = memory(process.pid, "VmRSS")
        reset_peak(process.pid)
        sender = {"id": 1, "is_bot": False, "first_name": "Менеджер", "language_code": "ru"}
        command = [{"type": "bot_command", "offset": 0, "length": len("/export")}]
        message = api.user_message(1, sender, text="/export", entities=command)
        started = time.perf_counter()
        await api.push({"message": message})
        while not (sent := documents(api, 1)):
            if time.perf_counter() - started > 300:
                raise TimeoutError("the bot sent no file")
            await asyncio.sleep(0.02)
        elapsed = time.perf_counter() - started
        peak = memory(process.pid, "VmHWM")
        content, _ = api.files[sent[0]["document"]["file_id"]]
    finally:
        await stop_process(process)
        await api.stop()
    grown = peak - before
    verdict = "ok" if grown < 120 else "OVER"  # the time includes the upload: no target
    print(
        f"{'/export via the bot':<22} {elapsed:7.3f} s to the file's arrival "
        f"({len(content) / 2**20:.1f} MB); bot process RSS {before:.0f} MB before, "
        f"peak {peak:.0f} MB (+{grown:.0f} MB, target < 120 MB, {verdict})"
    )
    load = os.getloadavg()
    print(f"machine load (1, 5, 15 min): {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    return grown


if __name__ == "__main__":
    asyncio.run(main())
