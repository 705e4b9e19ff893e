"""The manager asks for the state of the QMS: a summary, charts, overdue actions, files."""

from __future__ import annotations

import io
import struct
from datetime import date, datetime, timedelta
from pathlib import Path

import docx
import openpyxl
import pytest

from bot.domain.audits import AuditDraft
from bot.domain.roles import Role
from bot.domain.summaries import AuditFact, NcFact, Period, period_bounds, summarize
from bot.services import reports as reports_service
from bot.services.nonconformities import ReportDraft
from bot.storage.users import UserRepo
from tests.harness import BotHarness

MINI = (Path(__file__).parent / "data" / "mini_checklist.yaml").read_bytes()


def test_period_bounds() -> None:
    today = date(2026, 11, 26)
    assert period_bounds(Period.MONTH, today) == (date(2026, 11, 1), date(2026, 12, 1))
    assert period_bounds(Period.TERM, today) == (date(2026, 9, 1), date(2027, 1, 1))
    assert period_bounds(Period.YEAR, today) == (date(2026, 9, 1), date(2027, 9, 1))
    assert period_bounds(Period.TERM, date(2027, 3, 5)) == (date(2027, 1, 1), date(2027, 9, 1))


def test_summary_numbers_by_hand() -> None:
    today = date(2026, 11, 26)
    audits = [
        AuditFact("closed", "МО", 80.0, {"7.1.4": 50.0, "8.5.1": 100.0}),
        AuditFact("closed", "МО", 60.0, {"7.1.4": 30.0, "9.1": None}),
        AuditFact("closed", "АХЧ", 90.0, {"7.5": 90.0}),
        AuditFact("open", "МО", None, {}),
        AuditFact("planned", "АХЧ", None, {}),
    ]
    ncs = [
        NcFact("closed", "minor", date(2026, 11, 20), date(2026, 11, 19), date(2026, 11, 18)),
        NcFact("closed", "major", date(2026, 11, 10), date(2026, 11, 15), date(2026, 11, 12)),
        NcFact("planned", "minor", date(2026, 11, 25), None, None),
        NcFact("planned", None, date(2026, 12, 5), None, None),
        NcFact("rejected", None, date(2026, 11, 1), None, None),
    ]
    previous = [AuditFact("closed", "МО", 70.0, {})]
    summary = summarize(date(2026, 11, 1), date(2026, 12, 1), today, audits, ncs, previous, ncs[:2])
    assert summary.audits == {"closed": 3, "open": 1, "planned": 1}
    assert summary.compliance == 76.7  # (80 + 60 + 90) / 3
    assert summary.by_department == {"АХЧ": 90.0, "МО": 70.0}
    assert summary.weakest == [("7.1.4", 40.0), ("7.5", 90.0), ("8.5.1", 100.0)]
    assert summary.nc_status == {"closed": 2, "planned": 2, "rejected": 1}
    assert summary.nc_severity == {"minor": 2, "major": 1, "unset": 2}
    # on time: done 18.11 <= due 20.11; overdue: done 12.11 > due 10.11, open past 25.11
    assert (summary.on_time, summary.overdue) == (1, 2)
    assert (summary.previous_compliance, summary.previous_ncs) == (70.0, 2)


async def seed(harness: BotHarness) -> dict[str, object]:
    """Two departments; a closed audit with known results; three NCs, one overdue."""
    assert harness.app is not None
    app = harness.app
    d = app.dispatcher
    now = app.clock.now()

    def people(conn):  # type: ignore[no-untyped-def]
        repo = UserRepo(conn)
        ids = {}
        for key, tg_id, name, roles in (
            ("manager", 1001, "Мария", {Role.MANAGER}),
            ("auditor", 2001, "Светлана", {Role.AUDITOR}),
            ("olga", 2002, "Ольга", {Role.TEACHER}),
            ("igor", 2003, "Игорь", {Role.TEACHER}),
            ("head", 2004, "Иван", {Role.HEAD}),
            ("director", 2005, "Директор", {Role.OBSERVER}),
        ):
            ids[key] = repo.add(tg_id, name, None, "ru", None, now)
            repo.set_roles(ids[key], roles)
        return ids

    ids = await app.db.run(people)
    accounts = d["accounts"]
    manager = await accounts.get(ids["manager"])
    department = await d["departments"].add(manager, "МО начальных классов")
    for key in ("olga", "igor"):
        await accounts.set_department(manager, ids[key], department.id)
    await d["departments"].set_head(manager, department.id, ids["head"])
    template = await d["templates"].import_yaml(manager, MINI)
    audits, questionnaires = d["audits"], d["questionnaires"]
    today = audits.today()
    audit = await audits.plan(
        manager,
        AuditDraft(
            title="Проверка документации", department_id=department.id, template_id=template.id,
            objectives=["legal"], scope="Документы", criteria="ISO 9001",
            lead_auditor_id=ids["auditor"], respondent_ids=[ids["olga"], ids["igor"]],
            start_date=today, deadline=today + timedelta(days=5),
        ),
    )  # fmt: skip
    await audits.open_due()
    olga, igor = await accounts.get(ids["olga"]), await accounts.get(ids["igor"])
    for person, values in (
        (olga, ["yes", "yes", "5", "По плану", "3"]),
        (igor, ["no", "na", "1", "Большое отставание", "0"]),
    ):
        for index, value in enumerate(values):
            await questionnaires.answer(person, audit.id, index, value)
        photo = {"file_id": f"photo-{person.id}", "kind": "photo", "group": None}
        await questionnaires.add_evidence(person, audit.id, 1, photo)
        _, missing = await questionnaires.submit(person, audit.id)
        assert missing == []
    auditor = await accounts.get(ids["auditor"])
    await audits.close(auditor, audit.id, "Документация в целом ведётся.")
    ncs = d["ncs"]
    head = await accounts.get(ids["head"])
    first = await ncs.report(
        olga, ReportDraft(department_id=department.id, description="Нет журнала")
    )
    await ncs.assign(manager, first.id, head.id)
    await ncs.plan(
        head, first.id, None, ["Не заведён"], "Завести журнал", today + timedelta(days=1)
    )
    second = await ncs.report(igor, ReportDraft(department_id=None, description="Сломан принтер"))
    await ncs.reject(manager, second.id, "Не относится к СМК")
    third = await d["findings"].raise_nc(auditor, audit.id, 0)  # Igor's "no" to question 1
    harness.clock.advance(timedelta(days=3))  # the first action is now 2 days overdue
    return {"ids": ids, "audit": audit, "first": first, "third": third}


async def test_summary_chart_overdue_and_refusals(harness: BotHarness) -> None:
    await seed(harness)
    manager = harness.user(1001, "Мария")
    reply = await manager.send("/summary")
    text = reply.text
    # Olga: 1, 1, (5-1)/4 = 1, 1 (not a trigger), 1; Igor: 0, n/a, 0, 0, 0 -> 5 / 9 = 55.6%
    assert "Сводка СМК — месяц (01.11.2026–30.11.2026)" in text
    assert "Аудиты: запланировано 0 · идут 0 · закрыто 1" in text
    assert "Соответствие: 55,6\xa0%" in text and "МО начальных классов — 55,6\xa0%" in text
    assert "Несоответствия: 3 (в прошлом периоде 0)" in text
    assert "Корректирующие действия: в срок 0, просрочено 1" in text
    # by clause: 7.1.3 (1, 0), 7.2 (1, 0), 8.5.1 (1, 0, 1, 0) all 50%; 7.1.4 yes and n/a: 100%
    weakest = text.split("Слабые пункты ISO 9001:")[1].split("Несоответствия")[0]
    lines = [line.strip() for line in weakest.strip().splitlines()]
    assert lines == ["• 7.1.3 — 50,0\xa0%", "• 7.2 — 50,0\xa0%", "• 8.5.1 — 50,0\xa0%",
                     "• 7.1.4 — 100,0\xa0%"]  # fmt: skip
    reply = await manager.press("учебный год")
    assert "учебный год (01.09.2026–31.08.2027)" in reply.text

    mark = len(manager.chat())
    await manager.press("Графики")
    pictures = manager.chat()[mark:]
    assert [bool(m.photo) for m in pictures] == [True, True]
    content, _path = harness.api.files[pictures[0].photo[0]["file_id"]]
    assert content[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", content[16:24]) == (1200, 800)

    reply = await manager.send("/overdue")
    assert "Просроченные действия</b> (1)" not in reply.text
    assert "NC-2026-001 — просрочено на 2 дня; Иван (МО начальных классов)" in reply.text
    head = harness.user(2004, "Иван")
    reply = await head.send("/overdue")
    assert "NC-2026-001" in reply.text
    teacher = harness.user(2002, "Ольга")
    reply = await teacher.send("/summary")
    assert "Эта команда доступна только роли" in reply.text
    director = harness.user(2005, "Директор")
    reply = await director.send("/summary")
    assert "Соответствие: 55,6\xa0%" in reply.text
    reply = await director.send("/export")
    assert "Эта команда доступна только роли" in reply.text


async def test_export_workbook_matches_the_data(harness: BotHarness) -> None:
    await seed(harness)
    manager = harness.user(1001, "Мария")
    mark = len(manager.chat())
    await manager.send("/export")
    sent = manager.chat()[mark:]
    assert not any("Готовлю файл" in m.text for m in sent)  # the "preparing" note is removed
    document = next(m for m in sent if m.document)
    assert document.document["file_name"].endswith(".xlsx")
    content, _ = harness.api.files[document.document["file_id"]]
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["Аудиты", "Ответы", "Несоответствия", "Корректирующие действия"]
    audits = book["Аудиты"]
    assert audits["A2"].value == "A-2026-001"
    assert isinstance(audits["G2"].value, datetime) and audits["G2"].value.date() == date(
        2026, 11, 26
    )
    assert audits["K2"].value == 55.6
    answers = book["Ответы"]
    assert answers.max_row == 1 + 10  # two respondents x five answered questions
    values = [row[7].value for row in answers.iter_rows(min_row=2)]
    assert values.count("Да") == 2 and values.count("Не применимо") == 1
    ncs = book["Несоответствия"]
    assert [c.value for c in ncs["A"][1:]] == ["NC-2026-001", "NC-2026-002", "NC-2026-003"]
    assert ncs.freeze_panes == "A2" and ncs.auto_filter.ref
    actions = book["Корректирующие действия"]
    assert actions["A2"].value == "NC-2026-001" and actions["E2"].value == "Завести журнал"


async def test_audit_results_and_docx_report(harness: BotHarness) -> None:
    await seed(harness)
    auditor = harness.user(2001, "Светлана")
    await auditor.send("/program")
    reply = await auditor.press("A-2026-001")
    assert "⚠️ NC-2026-003 — назначено" in reply.text
    mark = len(auditor.chat())
    await auditor.press("Результаты")
    shown = auditor.chat()[mark:]
    assert "По пунктам ISO 9001:" in shown[0].text and "8.5.1: 50,0\xa0%" in shown[0].text
    assert shown[1].photo
    mark = len(auditor.chat())
    await auditor.press("Отчёт DOCX")
    document = auditor.chat()[mark:][-1].document
    assert document and document["file_name"] == "A-2026-001-report.docx"
    content, _ = harness.api.files[document["file_id"]]
    report = docx.Document(io.BytesIO(content))
    headings = [p.text for p in report.paragraphs if p.style.name.startswith("Heading")]
    assert any("Цели аудита" in h for h in headings)
    assert any("Заключение" in h for h in headings)
    body = "\n".join(p.text for p in report.paragraphs)
    assert "выборки" in body and "Документация в целом ведётся." in body
    findings = report.tables[0] if report.tables else None
    assert findings is not None


async def test_export_reads_the_answers_a_page_at_a_time(
    harness: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages of three answers (the export's own are thousands) give the same sheet as one
    read: every answer once, in order, the filter and the size naming the last row."""
    await seed(harness)
    manager = harness.user(1001, "Мария")

    async def answers_sheet() -> list[tuple[object, ...]]:
        mark = len(manager.chat())
        await manager.send("/export")
        document = next(m for m in manager.chat()[mark:] if m.document)
        content, _ = harness.api.files[document.document["file_id"]]
        sheet = openpyxl.load_workbook(io.BytesIO(content))["Ответы"]
        assert sheet.auto_filter.ref == f"A1:N{sheet.max_row}"
        return [tuple(c.value for c in row) for row in sheet.iter_rows()]

    whole = await answers_sheet()
    monkeypatch.setattr(reports_service, "EXPORT_PAGE", 3)
    paged = await answers_sheet()
    assert len(paged) == 1 + 10 and paged == whole
    assert [row[1] for row in paged[1:]] == ["Ольга"] * 5 + ["Игорь"] * 5
