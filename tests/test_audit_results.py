"""A closed audit's results reach the director, the department's head and the audit team
(ISO 9001 9.2.2 c); each acknowledges; the director reads everything and changes nothing."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path

import docx
import openpyxl

from bot.callbacks import (
    AuditAction,
    AuditCB,
    CompAction,
    CompCB,
    DeptAction,
    DeptCB,
    FindingAction,
    FindingCB,
    NcCB,
    NcView,
    PlanAction,
    PlanCB,
    UserAction,
    UserCB,
)
from bot.domain.acknowledgements import AckRole, recipients, reminder_slot
from bot.domain.audits import AuditDraft
from bot.domain.models import User
from bot.domain.roles import Role
from bot.services.nonconformities import ReportDraft
from bot.storage.notifications import LedgerRepo
from bot.storage.users import UserRepo
from tests.harness import BotHarness

MINI = (Path(__file__).parent / "data" / "mini_checklist.yaml").read_bytes()


def _user(user_id: int, roles: set[Role], active: bool = True) -> User:
    return User(
        id=user_id, tg_id=user_id, full_name=f"u{user_id}", username=None, language="ru",
        department_id=None, roles=frozenset(roles), is_active=active,
    )  # fmt: skip


def test_who_is_told_of_the_results() -> None:
    people = [
        _user(1, {Role.OBSERVER}),
        _user(2, {Role.OBSERVER}, active=False),
        _user(3, {Role.HEAD}),
        _user(4, {Role.AUDITOR}),
        _user(5, {Role.MANAGER}),
    ]
    assert recipients(people, 3, [4], actor_id=5) == [
        (1, AckRole.DIRECTOR),
        (3, AckRole.HEAD),
        (4, AckRole.TEAM),
    ]
    # the auditor who closed it is not told; a director who heads the department is told once
    assert recipients(people, 1, [4], actor_id=4) == [(1, AckRole.DIRECTOR)]


def test_reminders_come_every_n_days() -> None:
    told = date(2026, 11, 26)
    assert reminder_slot(told, told + timedelta(days=2), 3) is None
    assert reminder_slot(told, told + timedelta(days=3), 3) == "r1"
    assert reminder_slot(told, told + timedelta(days=5), 3) == "r1"
    assert reminder_slot(told, told + timedelta(days=6), 3) == "r2"


async def seed(harness: BotHarness) -> dict[str, int]:
    """A department with its head, two teachers who submitted, an auditor, a director."""
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

    ids: dict[str, int] = await app.db.run(people)
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
    for key, values in (
        ("olga", ["yes", "yes", "5", "По плану", "3,5"]),
        ("igor", ["no", "na", "1", "Большое отставание", "0"]),
    ):
        person = await accounts.get(ids[key])
        for index, value in enumerate(values):
            await questionnaires.answer(person, audit.id, index, value)
        photo = {"file_id": f"photo-{person.id}", "kind": "photo", "group": None}
        await questionnaires.add_evidence(person, audit.id, 1, photo)
        if key == "olga":
            scan = {"file_id": "doc-1", "kind": "document", "name": "журнал.pdf", "group": None}
            await questionnaires.add_evidence(person, audit.id, 1, scan)
        _, missing = await questionnaires.submit(person, audit.id)
        assert missing == []
    ids["audit"] = audit.id
    return ids


async def close_as_manager(harness: BotHarness) -> None:
    manager = harness.user(1001, "Мария")
    await manager.send("/program")
    await manager.press("A-2026-001")
    await manager.press("Заключение и закрытие")
    await manager.send("Документация ведётся; журнал требует внимания.")
    reply = await manager.press("Закрыть аудит")
    assert "Соответствие: 55,6\xa0%" in reply.text
    assert harness.app is not None
    await harness.app.idle()


async def test_closing_tells_management_and_records_who_acknowledged(
    harness: BotHarness,
) -> None:
    ids = await seed(harness)
    await close_as_manager(harness)
    director, head = harness.user(2005, "Директор"), harness.user(2004, "Иван")
    auditor, olga = harness.user(2001, "Светлана"), harness.user(2002, "Ольга")
    for person in (director, head, auditor):
        chat = person.chat()
        told = next(m for m in chat if "Результаты аудита A-2026-001" in m.text)
        assert "Соответствие: 55,6\xa0%" in told.text and "МО начальных классов" in told.text
        assert told.buttons[0] == "✅ Ознакомлен"
        # the clause chart and the DOCX report follow the message
        assert any(m.photo for m in chat) and any(
            m.document and m.document["file_name"] == "A-2026-001-report.docx" for m in chat
        )
    assert not any("Результаты аудита" in m.text for m in olga.chat())
    manager = harness.user(1001, "Мария")
    assert not any("Результаты аудита A-2026-001" in m.text for m in manager.chat())

    told = next(m for m in director.chat() if "Результаты аудита" in m.text)
    ack = told.button("✅ Ознакомлен")["callback_data"]
    reply = await director.press("✅ Ознакомлен", told)
    assert "Отмечено: вы ознакомились с результатами аудита A-2026-001" in str(reply.alert)
    again = await director.press_data(ack, told)
    assert "Вы уже ознакомились" in str(again.alert)  # a stale or double tap: nothing new
    assert "✅ Ознакомлен" not in told.buttons and "📄 Отчёт DOCX" in told.buttons
    await olga.send("/menu")
    forged = await olga.press_data(ack)  # a forged button: she was not told
    assert "не направлялись" in str(forged.alert)

    reply = await manager.send("/program")
    reply = await manager.press("A-2026-001")
    assert "Ознакомление с результатами:</b> 1 из 3" not in reply.text  # HTML is rendered
    assert "Ознакомление с результатами: 1 из 3" in reply.text
    assert "✅ Директор (руководство) — 26.11.2026 12:00" in reply.text
    assert "⏳ Иван (руководитель подразделения) — не ознакомлен(а)" in reply.text
    assert "⏳ Светлана (аудиторская группа)" in reply.text

    # Three days on, in working hours, those who have not acknowledged are reminded once.
    assert harness.app is not None
    harness.clock.advance(timedelta(days=4))  # Monday 30.11, 12:00 Moscow
    await harness.app.sweeper.run_once()
    await harness.app.idle()
    await harness.app.sweeper.run_once()
    reminded = [m for m in head.chat() if "Вы ещё не ознакомились" in m.text]
    assert len(reminded) == 1 and reminded[0].buttons[0] == "✅ Ознакомлен"
    assert not any("Вы ещё не ознакомились" in m.text for m in director.chat())
    count = await harness.app.db.run(lambda c: LedgerRepo(c).sent_count("results_unread"))
    assert count == 2  # the head and the auditor
    await head.press("✅ Ознакомлен", reminded[0])

    # The report carries the acknowledgement sheet.
    mark = len(manager.chat())
    await manager.press("Отчёт DOCX")
    document = manager.chat()[mark:][-1].document
    assert document is not None
    content, _ = harness.api.files[document["file_id"]]
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(content)).paragraphs)
    cells = [
        c.text for t in docx.Document(io.BytesIO(content)).tables for r in t.rows for c in r.cells
    ]
    assert "Лист ознакомления с результатами аудита" in text
    assert "Директор" in cells and "26.11.2026 12:00" in cells and "30.11.2026 12:00" in cells
    assert ids["audit"]


async def test_the_director_reads_everything_and_changes_nothing(harness: BotHarness) -> None:
    ids = await seed(harness)
    manager = harness.user(1001, "Мария")
    await manager.send("/program")
    card = await manager.press("A-2026-001")
    change_buttons = {
        "remind": AuditCB(action=AuditAction.REMIND, audit=ids["audit"]).pack(),
        "cancel_sure": AuditCB(action=AuditAction.CANCEL_SURE, audit=ids["audit"]).pack(),
        "conclude": card.last.button("Заключение и закрытие")["callback_data"],
        "cancel": card.last.button("Отменить аудит")["callback_data"],
    }
    director = harness.user(2005, "Директор")
    reply = await director.send("/program")
    reply = await director.press("A-2026-001")
    assert "Проверка документации" in reply.text
    shown = reply.last.buttons
    assert not any(
        word in b for b in shown for word in ("Напомнить", "Заключение", "Отменить", "несоответ")
    )
    for data in change_buttons.values():  # forged or old buttons from someone else's phone
        refused = await director.press_data(data)
        assert "только просматривать" in str(refused.alert), data
    await close_as_manager(harness)

    reply = await director.send("/program")
    reply = await director.press("A-2026-001")
    assert "Соответствие: 55,6\xa0%" in reply.text
    assert not any("несоответствия" in b for b in reply.last.buttons)
    reply = await director.press("Ответы по вопросам")
    assert "Ольга" in reply.text and not any("⚠️" in b for b in reply.last.buttons)
    mark = len(director.chat())
    await director.press("Отчёт DOCX")
    assert director.chat()[mark:][-1].document
    mark = len(director.chat())
    await director.press("Результаты")
    assert any(m.photo for m in director.chat()[mark:])
    # raising an NC from a finding is the auditor's: refused with a clear sentence
    for forged in (
        FindingCB(action=FindingAction.RAISE, audit=ids["audit"], q=0),
        FindingCB(action=FindingAction.LIST, audit=ids["audit"]),
    ):
        refused = await director.press_data(forged.pack())
        assert "только просматривать" in str(refused.alert)


async def test_the_director_reads_nc_cards_and_the_register_and_changes_nothing(
    harness: BotHarness,
) -> None:
    ids = await seed(harness)
    assert harness.app is not None
    d = harness.app.dispatcher
    manager_user = await d["accounts"].get(ids["manager"])
    nc = await d["ncs"].report(
        manager_user, ReportDraft(department_id=None, description="Нет журнала инструктажей")
    )
    director = harness.user(2005, "Директор")
    reply = await director.send("/ncr")
    assert "NC-2026-001" in reply.text
    reply = await director.press("NC-2026-001")
    assert "Нет журнала инструктажей" in reply.text
    changes = ("Назначить", "Отклонить", "Серьёзность", "Пункт", "Выполнено", "Проверить")
    assert not any(word in b for b in reply.last.buttons for word in changes), reply.last.buttons
    for view, arg in (
        (NcView.ASSIGN, str(ids["head"])),
        (NcView.SEVERITY, "major"),
        (NcView.REJECT, ""),
        (NcView.CLAUSE, ""),
    ):
        refused = await director.press_data(NcCB(action=view, id=nc.id, arg=arg, v=0).pack())
        assert "только просматривать" in str(refused.alert), view
    fresh = await d["ncs"].get(manager_user, nc.id)
    assert fresh.responsible_id is None and fresh.severity is None


async def test_the_workbook_prints_and_names_each_piece_of_evidence(harness: BotHarness) -> None:
    await seed(harness)
    manager = harness.user(1001, "Мария")
    mark = len(manager.chat())
    await manager.send("/export")
    document = next(m for m in manager.chat()[mark:] if m.document)
    content, _ = harness.api.files[document.document["file_id"]]
    book = openpyxl.load_workbook(io.BytesIO(content))
    for sheet in book.worksheets:
        assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.paperSize == 9
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
        assert sheet.print_title_rows == "$1:$1"  # the header row on every printed page
    answers = book["Ответы"]
    header = [c.value for c in answers[1]]
    assert header[4] == "№ вопроса" and header[-1] == "Свидетельства (файлы)"
    rows = {(r[1].value, r[4].value): r for r in answers.iter_rows(min_row=2)}
    first = rows[("Ольга", 1)]
    assert first[6].value == "Есть ли у вас рабочая программа на этот год?"  # not "m01"
    assert rows[("Ольга", 2)][-1].value == "фото 1; журнал.pdf"
    assert rows[("Ольга", 2)][11].value == 2  # two pieces of evidence
    assert rows[("Игорь", 2)][-1].value == "фото 1"
    assert first[-1].value is None
    assert header[7] == "Ответ" and rows[("Ольга", 5)][7].value == "3,5"  # as she typed it


async def test_forged_changes_of_other_screens_are_refused_for_the_director(
    harness: BotHarness,
) -> None:
    ids = await seed(harness)
    director = harness.user(2005, "Директор")
    await director.send("/menu")
    forged = [
        PlanCB(action=PlanAction.CONFIRM).pack(),
        DeptCB(action=DeptAction.ADD).pack(),
        UserCB(action=UserAction.ROLE, user=ids["olga"], role="manager").pack(),
        CompCB(action=CompAction.REQ_NEW).pack(),
        AuditCB(action=AuditAction.CLOSE, audit=ids["audit"]).pack(),
    ]
    for data in forged:
        reply = await director.press_data(data)
        said = str(reply.alert or "") + reply.text
        assert "только просматривать" in said, data
    assert harness.app is not None
    olga = await harness.app.dispatcher["accounts"].get(ids["olga"])
    assert olga.roles == frozenset({Role.TEACHER})
