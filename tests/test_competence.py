"""Staff competence: the manager sets the requirements, a teacher sends a certificate that
her head confirms, the expiry reminders arrive once on the right days, the matrix and its
XLSX show the statuses, and only trained auditors are offered to lead an audit."""

from __future__ import annotations

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import openpyxl

from bot.domain.competence import Cell, Matrix, MatrixRow, Status, add_months, status_on
from bot.domain.roles import Role
from bot.reports.model import format_percent
from tests.fakeapi import TgUser
from tests.flows import boss, department, person, sweep_at, texts
from tests.harness import BotHarness

MSK = ZoneInfo("Europe/Moscow")


def test_validity_counts_in_calendar_months() -> None:
    assert add_months(date(2024, 3, 15), 36) == date(2027, 3, 15)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    today = date(2026, 12, 15)
    assert status_on(date(2027, 3, 15), today, 90).value == "expiring"
    assert status_on(date(2027, 3, 16), today, 90).value == "valid"
    assert status_on(date(2026, 12, 14), today, 90).value == "expired"
    assert status_on(None, today, 90).value == "missing"


def test_the_share_of_staff_with_everything_valid_reads_as_a_percent() -> None:
    valid, expiring = Cell(Status.VALID), Cell(Status.EXPIRING)
    rows = [MatrixRow(i, f"p{i}", None, {1: valid, 2: expiring}) for i in range(33)]
    rows += [MatrixRow(100 + i, f"q{i}", None, {1: Cell(Status.EXPIRED)}) for i in range(5)]
    rows.append(MatrixRow(200, "director", None, {}))  # nothing applies: not counted
    matrix = Matrix([], rows)
    assert matrix.share == 86.8 and matrix.expired == 5
    words = {"number.locale": "ru"}
    assert format_percent(matrix.share, words.__getitem__) == "86,8\xa0%"
    assert Matrix([], []).share is None


async def test_manager_sees_the_shipped_requirements_and_adds_one(
    harness: BotHarness, manager: TgUser
) -> None:
    reply = await manager.send("/competence")
    assert "Ваша квалификация и обучение" in reply.text
    assert "Обучение внутреннего аудитора" in reply.text  # the manager needs it too
    reply = await manager.press("⚙️ Требования")
    for line in (
        "Курсы повышения квалификации (КПК) — педагог; 36 месяцев",
        "Обучение первой помощи — руководитель подразделения, педагог; 36 месяцев",
        "Аттестация (квалификационная категория) — педагог; 60 месяцев",
    ):
        assert line in reply.text, reply.text
    await manager.press("➕ Новое требование")
    reply = await manager.send("Пожарно-технический минимум")
    assert "<b>" not in reply.text and "Пожарно-технический минимум" in reply.text
    assert "Действует: 36 месяцев" in reply.text
    await manager.press("⏳ Срок действия")
    assert "число месяцев" in (await manager.send("сто")).text
    reply = await manager.send("12")
    assert "Действует: 12 месяцев" in reply.text
    card = manager._with_button("▫️ руководитель подразделения")
    tapped = card.button("▫️ руководитель подразделения")["callback_data"]
    reply = await manager.press_data(tapped, card)
    assert "Для ролей: руководитель подразделения, педагог" in reply.text
    # The same button again (a double tap, or the card before the edit came): the role
    # stays set, it is not flipped back off.
    reply = await manager.press_data(tapped, card)
    assert reply.alert is None and not reply.messages  # nothing to change: the card stands
    shown = manager._with_button("✅ руководитель подразделения")
    assert "Для ролей: руководитель подразделения, педагог" in shown.text
    reply = await manager.press("⬅️")
    assert "Пожарно-технический минимум — руководитель подразделения, педагог; 12 месяцев" in (
        reply.text
    )


async def test_certificate_confirmed_reminded_once_and_shown_in_the_matrix(
    harness: BotHarness, manager: TgUser
) -> None:
    assert harness.app is not None
    dept = await department(harness, "МО начальных классов")
    head, head_user = await person(harness, 3001, "Иван Сидоров", {Role.HEAD, Role.TEACHER}, dept)
    await harness.app.dispatcher["departments"].set_head(await boss(harness), dept, head_user.id)
    olga, _ = await person(harness, 2001, "Ольга Петрова", {Role.TEACHER}, dept)

    reply = await olga.send("/competence")
    assert "Курсы повышения квалификации (КПК): — нет" in reply.text
    await olga.press("📎 Добавить сертификат")
    reply = await olga.press("Курсы повышения квалификации")
    assert "пришлите фото или файл сертификата" in reply.text
    assert "Пришлите фото или файл" in (await olga.send("потом")).text
    reply = await olga.send_photo()
    assert "Получено: 1 файл" in reply.text
    assert "ещё не наступила" in (await olga.send("01.01.2027")).text
    reply = await olga.send("15.03.2024")
    assert "Сколько часов в курсе" in reply.text and reply.last.buttons == []
    reply = await olga.send("72")
    assert "отправлен на подтверждение: Иван Сидоров" in reply.text
    await harness.app.idle()

    told = head.last
    assert "Ольга Петрова прислал(а) сертификат" in told.text and "15.03.2024" in told.text
    assert told.buttons == ["✅ Подтвердить", "❌ Отклонить", "📎 Показать сертификат"]
    await head.press("📎 Показать сертификат")
    assert head.last.photo and "Ольга Петрова" in head.last.text
    confirm = told.button("✅ Подтвердить")["callback_data"]
    olga_intruder = await olga.press_data(confirm)  # a forged button on her own phone
    assert "руководитель подразделения" in str(olga_intruder.alert)  # she cannot confirm her own
    reply = await head.press("✅ Подтвердить", told)
    assert "Подтверждено: Ольга Петрова" in reply.text
    again = await head.press_data(confirm, told)
    assert "уже рассмотрен" in str(again.alert)  # a double tap changes nothing
    await harness.app.idle()
    assert "Иван Сидоров подтвердил(а) ваш сертификат" in olga.last.text
    reply = await olga.send("/competence")
    assert "Курсы повышения квалификации (КПК): ✅ до 15.03.2027" in reply.text

    # Valid until 15.03.2027: 90 days before is Tuesday 15.12.2026.
    await sweep_at(harness, datetime(2026, 12, 14, 12, tzinfo=MSK))
    assert texts(olga, "заканчивается") == []
    await sweep_at(harness, datetime(2026, 12, 15, 12, tzinfo=MSK))
    await sweep_at(harness, datetime(2026, 12, 15, 12, 5, tzinfo=MSK))
    assert texts(olga, "заканчивается через 90 дней (15.03.2027)") == [texts(olga, "заканч")[0]]
    assert len(texts(olga, "заканчивается")) == 1
    assert olga.last.buttons == ["📎 Отправить новый сертификат"]
    assert len(texts(head, "У сотрудника Ольга Петрова срок действия")) == 1

    reply = await head.send("/competence")
    reply = await head.press("📊 Матрица подразделения")
    assert "Матрица компетентности: МО начальных классов" in reply.text
    assert "Все требования выполнены: 0,0\xa0% сотрудников (0 из 2)" in reply.text
    assert "Курсы повышения квалификации (КПК): ⚠️ до 15.03.2027" in reply.text
    assert "Обучение по охране труда: — нет" in reply.text
    other = await head.press_data("k1:mx:0:")  # a forged button: another department's
    assert "только своего подразделения" in str(other.alert)

    # 30 days before: once more; the day after the expiry the manager is told, once.
    await sweep_at(harness, datetime(2027, 2, 15, 12, tzinfo=MSK))
    assert len(texts(olga, "заканчивается через 28 дней")) == 1  # the 30-day slot, once
    await manager.send("/start")
    await sweep_at(harness, datetime(2027, 3, 16, 12, tzinfo=MSK))
    await sweep_at(harness, datetime(2027, 3, 17, 12, tzinfo=MSK))
    expired = texts(manager, "истёк срок действия «Курсы повышения квалификации (КПК)»")
    assert len(expired) == 1 and "Ольга Петрова" in expired[0]

    mark = len(manager.chat())
    await manager.send("/competence")
    await manager.press("📥 Матрица школы (Excel)")
    document = next(m for m in manager.chat()[mark:] if m.document)
    assert "Все требования выполнены: 0,0\xa0%" in document.text
    content, _ = harness.api.files[document.document["file_id"]]
    book = openpyxl.load_workbook(io.BytesIO(content))
    sheet = book["Компетентность"]
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["Сотрудник", "Подразделение", "Курсы повышения квалификации (КПК)"]
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    olga_row = rows["Ольга Петрова"]
    assert olga_row[2].value == "❌ истёк срок"
    assert olga_row[3].value.date() == date(2027, 3, 15)
    assert olga_row[-1].value == "нет"


async def test_english_teacher_without_a_head_is_rejected_by_the_manager(
    harness: BotHarness, manager: TgUser
) -> None:
    assert harness.app is not None
    await manager.send("/start")
    john, _ = await person(harness, 2005, "John Smith", {Role.TEACHER}, None, language="en")
    reply = await john.send("/competence")
    assert "Your qualifications and training" in reply.text
    assert "First aid training: — none" in reply.text
    await john.press("📎 Add a certificate")
    await john.press("First aid training")
    reply = await john.send_album(2)
    assert "Received: 2 files" in reply.text
    await john.send("01.09.2025")
    reply = await john.press("⏭ Skip")
    assert "sent for confirmation to Мария Иванова" in reply.text
    await harness.app.idle()
    told = manager.last
    assert "John Smith прислал(а) сертификат: «Обучение первой помощи»" in told.text
    await manager.press("❌ Отклонить", told)
    reply = await manager.send("Нет подписи и печати")
    assert "Отклонено: John Smith" in reply.text
    await harness.app.idle()
    assert "rejected your certificate «First aid training» of 01.09.2025" in john.last.text
    assert "Reason: Нет подписи и печати" in john.last.text
    reply = await john.send("/competence")
    assert "First aid training: — none" in reply.text  # a rejected record does not count


async def test_only_trained_auditors_are_offered_to_lead_an_audit(
    harness: BotHarness, manager: TgUser
) -> None:
    assert harness.app is not None
    dispatcher = harness.app.dispatcher
    await department(harness, "МО начальных классов")
    other = await department(harness, "Методический совет")
    _, svetlana = await person(harness, 2003, "Светлана", {Role.AUDITOR}, other)
    await person(harness, 2004, "Пётр", {Role.AUDITOR}, other)
    competence = dispatcher["competence"]
    requirement = next(r for r in await competence.requirements() if r.code == "internal_auditor")
    done = await competence.submit(
        svetlana, requirement.id, date(2025, 5, 20), 40, [{"file_id": "f", "kind": "photo"}]
    )
    await competence.review(await boss(harness), done.record.id, confirm=True)

    await manager.send("/newaudit")
    await manager.send("Проверка документации учителя")
    await manager.press("МО начальных классов")
    await manager.press("Учебный процесс")
    await manager.press("риски")
    await manager.press("Далее")
    await manager.press("Взять предложенное")
    reply = await manager.press("Взять предложенное")
    assert "Светлана" in reply.last.buttons
    assert "Пётр" not in reply.last.buttons
    assert "Не предлагаются (нет действующего обучения внутреннего аудитора)" in reply.text
    assert "Пётр — — нет" in reply.text
    assert "Мария Иванова — — нет" in reply.text  # the manager has no record either
