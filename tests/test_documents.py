"""Controlled documents: the manager registers a положение with its file and approves it
for two departments; it comes into force and reaches the teachers of those departments
(not the others), who acknowledge it; the one who does not is reminded once after three
days (not at the weekend); a new version asks again and tells who read the old one which
replaces it; the acknowledgement sheet (DOCX) and the matrix (XLSX) list everyone."""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import docx
import openpyxl
import pytest

from bot.callbacks import DocAction, DocCB, NcCB, NcView
from bot.domain.checklist_files import parse_checklist
from bot.domain.documents import TRANSITIONS, DocType, Version, VersionStatus, can_move
from bot.domain.models import User
from bot.domain.roles import Role
from bot.reports.docx import build_audit_report
from bot.services.errors import Refused
from bot.services.reports import criteria_documents
from bot.storage.events import EventLog
from tests.fakeapi import TgUser
from tests.flows import boss, department, open_audit, person, sweep_at, texts
from tests.harness import BotHarness
from tests.test_reports_render import report
from tests.test_reports_render import texts as texts_of

MSK = ZoneInfo("Europe/Moscow")


def test_a_version_only_moves_forward() -> None:
    assert can_move(VersionStatus.DRAFT, VersionStatus.APPROVED)
    assert can_move(VersionStatus.APPROVED, VersionStatus.IN_FORCE)
    assert can_move(VersionStatus.IN_FORCE, VersionStatus.WITHDRAWN)
    assert not can_move(VersionStatus.IN_FORCE, VersionStatus.APPROVED)
    assert not can_move(VersionStatus.DRAFT, VersionStatus.IN_FORCE)
    assert TRANSITIONS[VersionStatus.WITHDRAWN] == frozenset()


@pytest.mark.parametrize(
    ("roles", "departments", "who", "concerned"),
    [
        (set(), {1, 2}, ({Role.TEACHER}, 1), True),
        (set(), {1, 2}, ({Role.TEACHER}, 3), False),
        ({Role.HEAD}, {1}, ({Role.TEACHER}, 1), False),
        ({Role.TEACHER}, set(), ({Role.TEACHER}, None), True),
        (set(), set(), ({Role.TEACHER}, 1), False),  # nobody chosen: it goes to nobody
    ],
)
def test_whom_a_version_concerns(
    roles: set[Role],
    departments: set[int],
    who: tuple[set[Role], int | None],
    concerned: bool,
) -> None:
    version = Version(1, 1, 1, VersionStatus.IN_FORCE, {}, frozenset(roles), frozenset(departments))
    user = User(1, 1, "x", None, "ru", who[1], True, roles=frozenset(who[0]))
    assert version.concerns(user) is concerned


async def test_a_regulation_reaches_two_departments_and_is_acknowledged(
    harness: BotHarness, manager: TgUser
) -> None:
    assert harness.app is not None
    primary = await department(harness, "МО начальных классов")
    maths = await department(harness, "МО математики")
    admin = await department(harness, "Администрация")
    olga, _ = await person(harness, 2001, "Ольга Петрова", {Role.TEACHER}, primary)
    john, _ = await person(harness, 2002, "John Smith", {Role.TEACHER}, maths, language="en")
    anna, _ = await person(harness, 2003, "Анна Волкова", {Role.TEACHER}, admin)
    director, _ = await person(harness, 2004, "Директор Школы", {Role.OBSERVER}, None)

    # Thursday 26.11.2026: the manager registers the положение through the wizard.
    reply = await manager.send("/docs")
    assert "Документы" in reply.text
    await manager.press("➕ Новый документ")
    reply = await manager.send("П-01")
    assert "название" in reply.text
    reply = await manager.press("⬅️ Назад")  # a typo in the code: one step back
    assert "код" in reply.text
    await manager.send("П-01")
    reply = await manager.send("Положение " * 30)
    assert "не больше 200 знаков" in reply.text  # the question stays
    await manager.send("Положение о внутришкольном контроле")
    reply = await manager.press("положение")
    assert "Пришлите файл" in reply.text
    assert "Пришлите файл" in (await manager.send("вот")).text  # text is not a file
    reply = await manager.send_document(b"%PDF-1.4 regulation v1", "vsk.pdf", "application/pdf")
    assert "П-01, версия 1 — черновик" in reply.text
    assert "Тип: положение" in reply.text and "Владелец: Мария Иванова" in reply.text
    await manager.press("👤 Владелец")
    reply = await manager.press("Директор Школы")
    assert "Владелец: Директор Школы" in reply.text
    await manager.press("👤 Владелец")
    reply = await manager.press("Мария Иванова")  # back to the manager
    assert "Владелец: Мария Иванова" in reply.text

    # Approval needs an audience; the audience is two departments.
    refused = await manager.press("✅ Утвердить")
    assert "Сначала выберите, кому" in str(refused.alert)
    await manager.press("👥 Кому")
    tick = manager.last.button("▫️ МО начальных классов")["callback_data"]
    await manager.press("▫️ МО начальных классов")
    await manager.press_data(tick)  # a double tap: still ticked, not unticked
    assert "✅ МО начальных классов" in manager.last.buttons
    reply = await manager.press("▫️ МО математики")
    assert "✅ МО начальных классов" in reply.last.buttons
    reply = await manager.press("⬅️ Назад")
    assert "Кому: все роли · МО начальных классов, МО математики" in reply.text
    approve = manager.last.button("✅ Утвердить")["callback_data"]
    reply = await manager.press("✅ Утвердить")
    assert "Утверждена: Мария Иванова, 26.11.2026" in reply.text
    again = await manager.press_data(approve)
    assert "кнопка устарела" in str(again.alert)  # a double tap changes nothing

    reply = await manager.press("▶️ Ввести в действие")
    assert "Получателей: 2" in str(reply.alert)
    assert "Действует с 26.11.2026" in reply.text and "Пересмотр: 26.11.2027" in reply.text
    await harness.app.idle()
    told = olga.last
    ack_v1 = told.button("✅ Ознакомлен(а)")["callback_data"]
    assert "Вступил в силу документ П-01 «Положение о внутришкольном контроле»" in told.text
    assert told.buttons == ["📎 Открыть документ", "✅ Ознакомлен(а)"]
    assert "is in force from 26.11.2026" in john.last.text
    assert anna.chat() == []  # another department's teacher: not hers

    await olga.press("📎 Открыть документ")
    assert olga.last.document is not None and "П-01" in olga.last.text
    content, _ = harness.api.files[olga.last.document["file_id"]]
    assert content == b"%PDF-1.4 regulation v1"
    reply = await olga.press("✅ Ознакомлен(а)", told)
    assert "вы ознакомились с П-01" in reply.text and "26.11.2026" in reply.text
    twice = await olga.press_data(ack_v1, told)
    assert "уже отметили" in str(twice.alert)
    intruder = await anna.press_data(ack_v1, told)
    assert "вас не касается" in str(intruder.alert)

    await manager.send("/docs")
    await manager.press("🏢 По подразделениям")
    reply = await manager.press("МО математики")
    assert "П-01 «Положение о внутришкольном контроле» — версия 1, в силе" in reply.text
    await manager.press("🏢 По подразделениям")
    reply = await manager.press("Администрация")
    assert "Документов нет" in reply.text
    reply = await manager.send("/docs")
    await manager.press("Положения")
    reply = await manager.press("П-01")
    assert "Ознакомлены: 1 из 2" in reply.text and "Не ознакомлены: John Smith" in reply.text

    # John is reminded once, three days on — Sunday is quiet, so Monday.
    await sweep_at(harness, datetime(2026, 11, 28, 12, tzinfo=MSK))
    await sweep_at(harness, datetime(2026, 11, 29, 12, tzinfo=MSK))
    assert texts(john, "not yet acknowledged") == []
    await sweep_at(harness, datetime(2026, 11, 30, 12, tzinfo=MSK))
    await sweep_at(harness, datetime(2026, 11, 30, 12, 5, tzinfo=MSK))
    reminded = texts(john, "You have not yet acknowledged P") + texts(john, "not yet acknowledged")
    assert len(texts(john, "not yet acknowledged")) == 1, reminded
    assert "П-01" in reminded[0] and "4 days ago" in reminded[0]
    assert texts(olga, "ещё не отметили") == []  # she has
    reply = await john.press("✅ I have read it")
    assert "you acknowledged П-01" in reply.text and "30.11.2026" in reply.text

    # Everyone reads what concerns him: Anna finds nothing, the director finds it all.
    await anna.send("/docs")
    reply = await anna.press("🔎 Поиск")
    reply = await anna.send("контрол")
    assert "Документов нет" in reply.text
    await director.send("/docs")
    await director.press("🔎 Поиск")
    reply = await director.send("КОНТРОЛ")
    assert "П-01 «Положение о внутришкольном контроле» — версия 1, в силе" in reply.text

    # A new version: approved by the director this time; everyone is asked again.
    await manager.send("/docs")
    await manager.press("Положения")
    await manager.press("П-01")
    await manager.press("📝 Новая версия")
    reply = await manager.send_document(b"%PDF-1.4 regulation v2", "vsk-2.pdf")
    assert "П-01, версия 2 — черновик" in reply.text
    assert "Кому: все роли · МО начальных классов, МО математики" in reply.text  # kept
    await director.send("/docs")
    await director.press("Положения")
    await director.press("П-01")
    reply = await director.press("✅ Утвердить")
    assert "Утверждена: Директор Школы, 30.11.2026" in reply.text
    assert "▶️ Ввести в действие" not in reply.last.buttons  # the manager puts it in force
    await manager.send("/docs")
    await manager.press("Положения")
    await manager.press("П-01")
    reply = await manager.press("▶️ Ввести в действие")
    await harness.app.idle()
    assert "версия 1 отменена, теперь действует версия 2" in texts(olga, "отменена")[0]
    assert "version 1 is withdrawn; version 2 is now in force" in texts(john, "withdrawn")[0]
    assert "П-01 «Положение о внутришкольном контроле», версия 2" in olga.last.text
    stale = await olga.press_data(ack_v1, told)
    assert "Эта версия отменена; действует версия 2" in str(stale.alert)
    await olga.press("✅ Ознакомлен(а)")

    counts = await harness.app.dispatcher["documents"].now_counts(date(2026, 11, 30))
    assert counts == [("documents.now.outstanding", 1), ("documents.now.overdue_reviews", 0)]

    # The sheet of version 2: both teachers, Olga's date, John's empty, a column to sign.
    reply = await manager.send("/docs")
    await manager.press("Положения")
    await manager.press("П-01")
    mark = len(manager.chat())
    await manager.press("🧾 Лист ознакомления")
    await harness.app.idle()
    sent = next(m for m in manager.chat()[mark:] if m.document)
    assert "ознакомлены 1 из 2" in sent.text
    content, _ = harness.api.files[sent.document["file_id"]]
    sheet = docx.Document(io.BytesIO(content))
    assert "Лист ознакомления" in sheet.paragraphs[0].text
    table = sheet.tables[0]
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    assert rows[0] == ["№", "ФИО", "Должность / подразделение", "Дата ознакомления", "Подпись"]
    assert rows[1] == ["1", "John Smith", "педагог · МО математики", "", ""]
    assert rows[2] == ["2", "Ольга Петрова", "педагог · МО начальных классов", "30.11.2026", ""]
    assert len(rows) == 3

    # The matrix: people × documents in force.
    mark = len(manager.chat())
    await manager.send("/docs")
    await manager.press("📥 Матрица ознакомления")
    await harness.app.idle()
    sent = next(m for m in manager.chat()[mark:] if m.document)
    content, _ = harness.api.files[sent.document["file_id"]]
    book = openpyxl.load_workbook(io.BytesIO(content))
    matrix = book["Ознакомление"]
    assert [c.value for c in matrix[1]][:4] == [
        "Сотрудник", "Подразделение", "П-01 v2", "П-01 v2: дата"
    ]  # fmt: skip
    rows_by_name = {row[0].value: row for row in matrix.iter_rows(min_row=2)}
    assert rows_by_name["Ольга Петрова"][2].value == "✅ ознакомлен(а)"
    assert rows_by_name["Ольга Петрова"][3].value.date() == date(2026, 11, 30)
    assert rows_by_name["John Smith"][2].value == "❌ не ознакомлен(а)"
    assert rows_by_name["Анна Волкова"][2].value is None  # not hers


async def test_the_owner_is_asked_about_the_review_a_month_before(
    harness: BotHarness, manager: TgUser
) -> None:
    assert harness.app is not None
    documents = harness.app.dispatcher["documents"]
    owner = await boss(harness)
    await manager.send("/start")
    primary = await department(harness, "МО начальных классов")
    await person(harness, 2001, "Ольга Петрова", {Role.TEACHER}, primary)
    file = {"file_id": "none", "kind": "document", "name": "i.pdf"}
    card = await documents.create(
        owner, "И-07", "Инструкция по охране труда", DocType.INSTRUCTION, file
    )
    version = card.latest.id
    await documents.choose_audience(owner, version, role=Role.TEACHER)
    await documents.approve(owner, version)
    await documents.enforce(owner, version)  # 26.11.2026: review on 26.11.2027

    # 30 days before 26.11.2027 is 27.10.2027 (a Wednesday).
    await sweep_at(harness, datetime(2027, 10, 26, 12, tzinfo=MSK))
    assert texts(manager, "Пересмотр документа") == []
    await sweep_at(harness, datetime(2027, 10, 27, 12, tzinfo=MSK))
    await sweep_at(harness, datetime(2027, 10, 27, 13, tzinfo=MSK))
    asked = texts(manager, "Пересмотр документа И-07")
    assert len(asked) == 1 and "26.11.2027, через 30 дней" in asked[0]
    question = manager.last
    assert question.buttons == ["✅ Актуален", "📝 Новая версия"]
    still = question.button("✅ Актуален")["callback_data"]
    reply = await manager.press("✅ Актуален", question)
    assert "Следующий пересмотр: 26.11.2028" in str(reply.alert)
    assert "Пересмотр: 26.11.2028" in reply.text
    again = await manager.press_data(still, question)
    assert "кнопка устарела" in str(again.alert)  # the review moved once, not twice
    forged = await manager.press_data(DocCB(action=DocAction.STILL_VALID, id=version).pack())
    assert "кнопка устарела" in str(forged.alert)  # no date on it: nothing moves
    events = await harness.app.db.run(
        lambda conn: EventLog(conn).for_entity("document", card.document.id)
    )
    assert [e.action for e in events][-1] == "still_valid"

    # A year on, the owner lets it lapse: overdue in the summary's counts.
    counts = await documents.now_counts(date(2028, 12, 1))
    assert ("documents.now.overdue_reviews", 1) in counts
    await sweep_at(harness, datetime(2028, 10, 27, 12, tzinfo=MSK))
    question = manager.last
    assert "Пересмотр документа И-07" in question.text
    reply = await manager.press("📝 Новая версия", question)
    assert "Пришлите файл новой версии документа И-07" in reply.text
    reply = await manager.send_document(b"new", "i-2.docx")
    assert "И-07, версия 2 — черновик" in reply.text


async def test_a_checklist_question_checks_a_document_named_in_the_audit_report(
    harness: BotHarness, manager: TgUser
) -> None:
    assert harness.app is not None
    dispatcher = harness.app.dispatcher
    owner = await boss(harness)
    mini = (Path(__file__).parent / "data" / "mini_checklist.yaml").read_text(encoding="utf-8")
    citing = mini.replace('clause: "7.1.4"', 'clause: "7.1.4"\n        document: "П-01"')
    citing = citing.replace("version: 1", "version: 2")
    with pytest.raises(Refused) as refused:  # the register has no П-01 yet
        await dispatcher["templates"].import_yaml(owner, citing.encode())
    assert refused.value.key == "templates.unknown_document"
    assert refused.value.params == {"code": "П-01", "id": "m02"}

    file = {"file_id": "none", "kind": "document", "name": "ot.pdf"}
    card = await dispatcher["documents"].create(
        owner, "П-01", "Положение об охране труда", DocType.REGULATION, file
    )
    await dispatcher["documents"].choose_audience(owner, card.latest.id, role=Role.TEACHER)
    await dispatcher["documents"].approve(owner, card.latest.id)
    await dispatcher["documents"].enforce(owner, card.latest.id)
    await dispatcher["templates"].import_yaml(owner, citing.encode())  # now it is accepted

    # The report of an audit by this checklist names the document and its version in force.
    checklist = parse_checklist(citing.encode())
    words = texts_of("ru")
    documents = await harness.app.db.run(lambda conn: criteria_documents(conn, checklist, words))
    assert documents == ["П-01 «Положение об охране труда», версия 1"]
    rendered = docx.Document(io.BytesIO(build_audit_report(report(documents=documents), words)))
    paragraphs = [p.text for p in rendered.paragraphs]
    at = paragraphs.index("Документы, по которым проверяли:")
    assert paragraphs[at + 1] == "П-01 «Положение об охране труда», версия 1"


async def test_a_newcomer_gets_the_document_first_and_the_reminder_days_later(
    harness: BotHarness, manager: TgUser
) -> None:
    assert harness.app is not None
    documents = harness.app.dispatcher["documents"]
    owner = await boss(harness)
    primary = await department(harness, "МО начальных классов")
    file = {"file_id": "none", "kind": "document", "name": "p.pdf"}
    card = await documents.create(owner, "П-02", "Положение о портфолио", DocType.REGULATION, file)
    await documents.choose_audience(owner, card.latest.id, department=primary)
    await documents.approve(owner, card.latest.id)
    await documents.enforce(owner, card.latest.id)  # Thursday 26.11.2026

    # She joins the department a week later: the document first, the reminder three days on.
    await sweep_at(harness, datetime(2026, 12, 3, 12, tzinfo=MSK))
    nina, _ = await person(harness, 2009, "Нина Орлова", {Role.TEACHER}, primary)
    await sweep_at(harness, datetime(2026, 12, 3, 12, 5, tzinfo=MSK))
    assert len(texts(nina, "Вступил в силу документ П-02")) == 1
    assert texts(nina, "ещё не отметили") == []
    await sweep_at(harness, datetime(2026, 12, 7, 12, tzinfo=MSK))
    assert len(texts(nina, "ещё не отметили ознакомление с П-02")) == 1


async def test_an_nc_from_a_question_cites_its_document_and_the_manager_cites_another(
    harness: BotHarness, manager: TgUser
) -> None:
    assert harness.app is not None
    dispatcher = harness.app.dispatcher
    owner = await boss(harness)
    documents = dispatcher["documents"]
    file = {"file_id": "none", "kind": "document", "name": "x.pdf"}
    for code, title in (("П-01", "Положение об охране труда"), ("И-02", "Инструкция по журналам")):
        card = await documents.create(owner, code, title, DocType.REGULATION, file)
        await documents.choose_audience(owner, card.latest.id, role=Role.TEACHER)
        await documents.approve(owner, card.latest.id)
        await documents.enforce(owner, card.latest.id)
    mini = (Path(__file__).parent / "data" / "mini_checklist.yaml").read_text(encoding="utf-8")
    citing = mini.replace('clause: "7.1.4"', 'clause: "7.1.4"\n        document: "П-01"')
    dept = await department(harness, "МО начальных классов")
    council = await department(harness, "Методический совет")
    _, auditor = await person(harness, 3001, "Светлана", {Role.AUDITOR}, council)
    _, olga = await person(harness, 2001, "Ольга", {Role.TEACHER}, dept)
    audit = await open_audit(harness, citing.encode(), auditor, [olga], dept)
    answers = dispatcher["questionnaires"]
    await answers.answer(olga, audit.id, 0, "yes")
    await answers.answer(olga, audit.id, 1, "no")
    await answers.add_evidence(olga, audit.id, 1, {"file_id": "p", "kind": "photo"})
    await answers.answer(olga, audit.id, 2, "4")
    await answers.answer(olga, audit.id, 3, "1", tapped=True)
    await answers.answer(olga, audit.id, 4, "2")
    await answers.submit(olga, audit.id)
    nc = await dispatcher["findings"].raise_nc(auditor, audit.id, 1)

    await manager.send("/start")
    await manager.press_data(NcCB(action=NcView.OPEN, id=nc.id).pack())
    reply = await manager.press("📄 Документы")
    assert f"Документы, на которые ссылается {nc.number}:" in reply.text
    assert "• П-01 «Положение об охране труда»" in reply.text  # from the question
    assert "✅ П-01 · Положение об охране труда" in reply.last.buttons
    tick = manager.last.button("▫️ И-02")["callback_data"]
    reply = await manager.press("▫️ И-02")
    assert "• И-02 «Инструкция по журналам»" in reply.text
    await manager.press_data(tick)  # a double tap cites it once, not never
    assert "• И-02 «Инструкция по журналам»" in manager.last.text
    reply = await manager.press("✅ П-01")  # not this one after all
    assert "П-01 «" not in reply.text and "✅ И-02 · Инструкция по журналам" in reply.last.buttons

    await manager.send("/docs")
    await manager.press("Положения")
    reply = await manager.press("И-02")
    assert f"Ссылаются несоответствия: {nc.number}" in reply.text


async def test_an_english_director_reads_the_register_and_its_sheet_in_english(
    harness: BotHarness, manager: TgUser
) -> None:
    assert harness.app is not None
    documents = harness.app.dispatcher["documents"]
    owner = await boss(harness)
    primary = await department(harness, "Primary school")
    await person(harness, 2001, "Olga Petrova", {Role.TEACHER}, primary, language="en")
    director, _ = await person(harness, 2004, "Head Teacher", {Role.OBSERVER}, None, "en")
    file = {"file_id": "none", "kind": "document", "name": "p.pdf"}
    card = await documents.create(owner, "P-01", "Marking policy", DocType.POLICY, file)
    await documents.choose_audience(owner, card.latest.id, department=primary)
    await documents.approve(owner, card.latest.id)
    await documents.enforce(owner, card.latest.id)

    reply = await director.send("/docs")
    assert "Documents" in reply.text
    reply = await director.press("Policies")
    assert "P-01 “Marking policy” — version 1, in force" in reply.text
    reply = await director.press("P-01")
    assert "Type: policy" in reply.text and "Acknowledged: 0 of 1" in reply.text
    assert "Not acknowledged: Olga Petrova" in reply.text
    mark = len(director.chat())
    await director.press("🧾 Acknowledgement sheet")
    await harness.app.idle()
    sent = next(m for m in director.chat()[mark:] if m.document)
    assert "0 of 1 acknowledged" in sent.text
    content, _ = harness.api.files[sent.document["file_id"]]
    table = docx.Document(io.BytesIO(content)).tables[0]
    assert [c.text for c in table.rows[0].cells] == [
        "No.", "Name", "Position / department", "Date acknowledged", "Signature"
    ]  # fmt: skip
    assert [c.text for c in table.rows[1].cells] == [
        "1", "Olga Petrova", "teacher · Primary school", "", ""
    ]  # fmt: skip
    refused = await director.press_data(DocCB(action=DocAction.NEW).pack())
    assert "can only view" in str(refused.alert)  # a forged manager's button: nothing starts
    assert await director.send("P-02") and len(await documents.browse(owner)) == 1


async def test_an_album_sent_as_a_document_keeps_its_first_file_and_says_so(
    harness: BotHarness, manager: TgUser
) -> None:
    await manager.send("/docs")
    await manager.press("➕ Новый документ")
    await manager.send("Ф-01")
    await manager.send("Форма заявления")
    await manager.press("форма")
    reply = await manager.send_album(3)
    assert "Ф-01, версия 1 — черновик" in reply.text
    assert "Из альбома сохранён первый файл" in reply.text
    assert "Не понял" not in reply.text  # the other pages are not answered one by one
    reply = await manager.send_photo()  # not of the album: said plainly
    assert "документ уже зарегистрирован" in reply.text
