"""The manager plans an audit; two teachers answer it on their phones; the auditor closes it."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bot.callbacks import QCB, NcCB, NcView, QAction
from bot.domain.audits import AuditStatus
from bot.domain.roles import Role
from bot.services.redelivery import handling
from tests.fakeapi import TgUser
from tests.flows import add_department, assigned_nc, department, join, make_invite, person
from tests.harness import BotHarness

MINI = (Path(__file__).parent / "data" / "mini_checklist.yaml").read_bytes()


async def school(harness: BotHarness, manager: TgUser) -> tuple[TgUser, TgUser, TgUser]:
    """A primary-school department with two teachers and an auditor from elsewhere."""
    await add_department(manager, "МО начальных классов")
    await add_department(manager, "Методический совет")
    people = []
    for tg_id, name, role, dept in (
        (2001, "Ольга", "педагог", "МО начальных классов"),
        (2002, "Игорь", "педагог", "МО начальных классов"),
        (2003, "Светлана", "аудитор", "Методический совет"),
    ):
        token = await make_invite(manager, [role], dept)
        person = harness.user(tg_id, name)
        await join(person, token)
        people.append(person)
    return people[0], people[1], people[2]


async def plan_audit(manager: TgUser, start: str, deadline: str, template: str) -> str:
    await manager.send("/newaudit")
    await manager.send("Проверка документации учителя")
    await manager.press("МО начальных классов")
    await manager.press(template)
    await manager.press("соответствие законодательству")
    await manager.press("риски")
    await manager.press("Далее")
    await manager.press("Взять предложенное")  # scope
    await manager.press("Взять предложенное")  # criteria
    await manager.press("Светлана")
    await manager.press("Далее (соаудиторов: 0)")
    await manager.press("Все сотрудники подразделения (2)")
    await manager.send(start)
    reply = await manager.send(deadline)
    assert "Проверьте аудит" in reply.text, reply.text
    reply = await manager.press("Создать аудит")
    return reply.text


async def test_two_teachers_answer_one_restarts_auditor_closes(
    harness: BotHarness, manager: TgUser
) -> None:
    olga, igor, auditor = await school(harness, manager)
    reply = await manager.send_document(MINI, "mini.yaml")
    assert "Загружен чек-лист «Мини-проверка уроков» (ru), версия 1: 6 вопросов" in reply.text

    text = await plan_audit(manager, "26.11.2026", "04.12.2026", "Мини-проверка уроков")
    assert "Аудит A-2026-001 создан и начат сегодня: анкеты отправлены респондентам (2)" in text
    notice = olga.last
    assert "Начался аудит A-2026-001" in notice.text and "6 вопросов" in notice.text

    # Olga answers everything: a required photo, a comment, a typed number and text.
    reply = await olga.press("Начать анкету")
    assert "вопрос 1/6" in reply.text and "п. 8.5.1" in reply.text
    reply = await olga.press("Да")
    assert "Подписан ли журнал инструктажей" in reply.text
    assert "Для ответа нужно фото или файл (кроме «Не применимо»)" in reply.text
    reply = await olga.press("Нет")
    assert "Теперь приложите фото или файл" in reply.text
    reply = await olga.press("Пропустить")
    assert reply.alert and "Сначала приложите фото или файл" in reply.alert
    await olga.press("Фото/файл")
    reply = await olga.send_album(2)  # one confirmation for the album, one piece
    assert [m.text for m in reply.messages] == [
        "📎 Сохранено к вопросу 2. Доказательств: 1. Можно отправить ещё или нажать «Готово»."
    ]
    await olga.press("Комментарий")
    reply = await olga.send("Журнал подписан не всеми, исправляем")
    assert "Комментарий сохранён" in reply.text
    reply = await olga.press("Готово")
    assert "Насколько удобен электронный журнал" in reply.text
    await olga.press("4")
    await olga.press("Небольшое отставание")
    reply = await olga.send("два")
    assert "Нужно число" in reply.text
    reply = await olga.send("2,5")
    assert "Что бы вы улучшили" in reply.text
    reply = await olga.send("Больше проекторов в кабинетах")
    assert "Отвечено 6 из 6" in reply.text
    assert "2,5" in reply.text and "2.5" not in reply.text  # kept as 2.5, shown as she typed
    await olga.press("Отправить анкету")
    reply = await olga.press("Да, отправить")
    assert "Анкета аудита A-2026-001 отправлена" in reply.text
    assert "Ольга отправил(а) анкету аудита A-2026-001" in auditor.last.text

    # A stale button from Olga's questionnaire changes nothing now.
    reply = await olga.press_data("q1:a:1:0:no")
    assert reply.alert and "Анкета уже отправлена" in reply.alert

    # Igor stops halfway; the bot restarts; he continues where he stopped.
    await igor.press("Начать анкету")
    await igor.press("Нет")
    reply = await igor.press("Не применимо")  # moves on: nothing to show for N/A
    assert "Насколько удобен электронный журнал" in reply.text
    await igor.press("Назад")  # he attaches the scan anyway: evidence stays possible
    await igor.press("Фото/файл")
    await igor.send_document(b"%PDF-1.4 scan", "journal.pdf", "application/pdf")
    await harness.restart()
    reply = await igor.send("/audits")
    assert "отвечено 2/6" in reply.text
    reply = await igor.press("A-2026-001 (2/6)")
    assert "Насколько удобен электронный журнал" in reply.text and "вопрос 3/6" in reply.text
    await igor.press("2")
    await igor.press("Большое отставание")
    await igor.send("0")
    reply = await igor.press("Пропустить")  # the optional text question
    assert "Отвечено 5 из 6" in reply.text
    await igor.press("Отправить анкету")
    reply = await igor.press("Да, отправить")
    assert "отправлена" in reply.text

    # The auditor sees progress and answers, then closes the audit.
    reply = await auditor.send("/audits")
    assert "Аудиты, которые вы ведёте" in reply.text
    reply = await auditor.press("A-2026-001")
    assert "Респонденты</b>" not in reply.text and "(отправили 2 из 2)" in reply.text
    assert "✅ Ольга — 6/6" in reply.text and "✅ Игорь — 5/6" in reply.text
    reply = await auditor.press("Ответы по вопросам")
    assert "Ольга: ✅ Да" in reply.text and "Игорь: ❌ Нет ⚠️" in reply.text
    assert "Журнал подписан не всеми" in reply.text and "📎1" in reply.text
    mark = len(auditor.chat())
    await auditor.press("📎 2")
    evidence = auditor.chat()[mark:]
    assert [bool(m.photo) for m in evidence] == [True, True, False]
    assert evidence[2].document and "Вопрос 2 — Игорь" in evidence[2].text
    await auditor.press("К карточке аудита")
    await auditor.press("Заключение и закрытие")
    await auditor.send("Документация в целом ведётся; журнал инструктажей требует внимания.")
    reply = await auditor.press("Закрыть аудит")
    # Hand-computed (see tests/data/mini_checklist.yaml):
    # Olga: yes=1, no=0, scale 4 -> 0.75, choice without trigger -> 1, number 2 -> 1
    # Igor: no=0, n/a excluded, scale 2 -> 0.25, choice with trigger -> 0, number 0 -> 0
    # overall 4.0 / 9 = 44.4%; "Документы" 2.0/5 = 40.0%; "Уроки" 2/4 = 50.0%
    assert "Соответствие: 44,4\xa0%" in reply.text
    assert "Документы: 40,0\xa0%" in reply.text and "Уроки: 50,0\xa0%" in reply.text
    assert "7.1.4: 0,0\xa0%" in reply.text
    assert harness.app is not None
    audit = await harness.app.dispatcher["audits"].get(1)
    assert audit.status is AuditStatus.CLOSED
    assert audit.results["by_clause"]["8.5.1"] == 50.0
    assert audit.results["by_clause"]["7.1.3"] == 50.0
    assert audit.results["respondents"] == 2

    reply = await igor.press_data("q1:a:1:0:yes")
    assert reply.alert and "закрыт" in reply.alert


async def test_not_applicable_never_asks_for_a_photo_and_evidence_follows_the_answer(
    harness: BotHarness, manager: TgUser
) -> None:
    olga, igor, _ = await school(harness, manager)
    # Version 2 of the mini checklist: question 2 needs a photo only for "yes" (unquoted, as
    # a teacher writing YAML would type it).
    only_yes = MINI.replace(b"version: 1", b"version: 2").replace(
        b"evidence: required\n", b"evidence: required\n        evidence_for: [yes]\n"
    )
    reply = await manager.send_document(only_yes, "mini.yaml")
    assert "версия 2" in reply.text, reply.text
    await plan_audit(manager, "26.11.2026", "04.12.2026", "Мини-проверка уроков")

    # Olga: N/A on the evidence question moves straight on, and she submits without a photo.
    await olga.press("Начать анкету")
    await olga.press("Да")
    reply = await olga.press("Не применимо")
    assert "Насколько удобен электронный журнал" in reply.text
    await olga.press("4")
    await olga.press("По плану")
    await olga.send("1")
    reply = await olga.press("Пропустить")
    assert "Отвечено 5 из 6" in reply.text and "⚠️" not in reply.text
    await olga.press("Отправить анкету")
    reply = await olga.press("Да, отправить")
    assert "Анкета аудита A-2026-001 отправлена" in reply.text

    # Igor: "no" needs nothing; "yes" asks for the photo, and skipping is refused until then.
    reply = await igor.press("Начать анкету")
    reply = await igor.press("Да")
    assert "Для ответа «✅ Да» нужно фото или файл; для других — по желанию." in reply.text
    reply = await igor.press("Нет")
    assert "Насколько удобен электронный журнал" in reply.text
    await igor.press("Назад")
    reply = await igor.press("Да")
    assert "Теперь приложите фото или файл" in reply.text
    reply = await igor.press("Пропустить")
    assert reply.alert and "Сначала приложите фото или файл" in reply.alert
    await igor.press("Фото/файл")
    reply = await igor.send_photo()
    assert "Доказательств: 1" in reply.text


async def test_planning_refuses_bad_dates_and_own_department_auditor(
    harness: BotHarness, manager: TgUser
) -> None:
    olga, _igor, auditor = await school(harness, manager)
    token = await make_invite(manager, ["аудитор"], "МО начальных классов")
    insider = harness.user(2004, "Марина")
    await join(insider, token)

    await manager.send("/newaudit")
    await manager.send("Аудит кабинетов")
    await manager.press("МО начальных классов")
    await manager.press("Инфраструктура")
    await manager.press("риски")
    await manager.press("Далее")
    await manager.send("Кабинеты начальной школы")
    reply = await manager.press("Взять предложенное")
    assert "Не предлагаются (аудитор не проверяет собственную работу)" in reply.text
    assert "• Марина — из проверяемого подразделения" in reply.text
    assert "Марина" not in reply.last.buttons
    assert harness.app is not None
    staff = await harness.app.dispatcher["accounts"].active()
    marina = next(p for p in staff if p.full_name == "Марина")
    reply = await manager.press_data(f"p1:aud:{marina.id}:")  # forged: still refused
    assert reply.alert == (
        "Аудитор не может проверять собственное подразделение. Выберите другого аудитора."
    )
    await manager.press("Светлана")
    await manager.press("Далее (соаудиторов: 0)")
    await manager.press("Выбрать людей")
    await manager.press("Ольга")
    reply = await manager.press("Готово (1)")
    assert "Дата начала" in reply.text
    reply = await manager.send("31.02.2027")
    assert "Не понял дату" in reply.text
    reply = await manager.send("20.11.2026")
    assert "Дата начала уже прошла" in reply.text
    reply = await manager.send("01.12.2026")
    assert "Срок сдачи анкет (не раньше 01.12.2026)" in reply.text
    reply = await manager.send("30.11.2026")
    assert "Срок не может быть раньше даты начала" in reply.text
    calendar = next(m for m in reversed(manager.chat()) if "Декабрь 2026" in m.buttons)
    assert "◀️" not in calendar.buttons  # November is before the start: no way back
    reply = await manager.press("▶️", calendar)
    assert "Январь 2027" in reply.last.buttons
    reply = await manager.press("◀️")
    assert "Декабрь 2026" in reply.last.buttons
    reply = await manager.press("15")
    assert "Проверьте аудит" in reply.text and "01.12.2026 — 15.12.2026" in reply.text
    reply = await manager.press("Создать аудит")
    assert "Аудит A-2026-001 запланирован" in reply.text
    reply = await olga.send("/audits")
    assert "Открытых анкет для вас сейчас нет" in reply.text

    # On the start date the sweep opens it and Olga is told once.
    harness.clock.advance(timedelta(days=5))
    assert harness.app is not None
    await harness.app.sweeper.run_once()
    await harness.app.sweeper.run_once()
    notices = [m for m in olga.chat() if "Начался аудит A-2026-001" in m.text]
    assert len(notices) == 1
    reply = await olga.send("/audits")
    assert "A-2026-001" in reply.text and "отвечено 0/" in reply.text
    reply = await manager.send("/program")
    assert (
        "Декабрь" in reply.text
        and "A-2026-001 «Аудит кабинетов» — МО начальных классов" in reply.text
    )
    reply = await auditor.send("/audits")  # Svetlana, chosen over Marina, leads it
    assert "A-2026-001" in reply.text


async def test_bad_template_file_is_refused_whole(harness: BotHarness, manager: TgUser) -> None:
    reply = await manager.send_document(b"code: [unclosed", "broken.yaml")
    assert "Чек-лист не загружен, ничего не изменилось" in reply.text
    broken = MINI.replace(b'nc_trigger: "<=2"', b'nc_trigger: "<=x"').replace(
        b"      - id: m05", b"      - id: m04"
    )
    reply = await manager.send_document(broken, "mini.yaml")
    assert "Чек-лист не загружен" in reply.text
    assert "m03" in reply.text and "nc_trigger" in reply.text
    assert "m04" in reply.text
    reply = await manager.send_document(b"hello", "notes.txt")
    assert "файлы .yaml или .yml" in reply.text
    reply = await manager.send("/templates")
    assert "Мини-проверка" not in reply.text
    assert "Учебный процесс (ru) — версия 2" in reply.text

    await manager.send_document(MINI, "mini.yaml")
    reply = await manager.send_document(MINI, "mini.yaml")
    assert "уже есть «mini_lessons» версии 1" in reply.text
    newer = MINI.replace(b"version: 1", b"version: 2")
    reply = await manager.send_document(newer, "mini.yaml")
    assert "версия 2" in reply.text

    await manager.send("/templates")
    await manager.press("Мини-проверка уроков (ru)")
    mark = len(manager.chat())
    await manager.press("Скачать YAML")
    document = manager.chat()[mark].document
    assert document and document["file_name"] == "mini_lessons_ru_v2.yaml"


async def test_questionnaire_says_only_what_can_be_done(
    harness: BotHarness, manager: TgUser
) -> None:
    """Olga answers: one mark on her chosen answer, a progress bar that counts as the question
    number does, no "✅ ✅"; once submitted, the review invites no changes."""
    olga, _, _ = await school(harness, manager)
    await manager.send_document(MINI, "mini.yaml")
    await plan_audit(manager, "26.11.2026", "04.12.2026", "Мини-проверка уроков")
    reply = await olga.press("Начать анкету")
    assert "вопрос 1/6" in reply.text and "▰▰▱▱▱▱▱▱▱▱" in reply.text  # 1 of 6, not 0 answered
    reply = await olga.press("Да")
    assert "вопрос 2/6" in reply.text and "▰▰▰▱▱▱▱▱▱▱" in reply.text
    reply = await olga.press("Назад")
    assert "Ваш ответ: ✅ Да" in reply.text
    assert reply.last.buttons[:2] == ["● Да", "❌ Нет"]  # not "● ✅ Да"
    await olga.press("Пропустить")
    await olga.press("Не применимо")
    reply = await olga.press("5")
    assert "вопрос 4/6" in reply.text and "▰▰▰▰▰▰▰▱▱▱" in reply.text
    await olga.press("По плану")
    await olga.send("3")
    reply = await olga.send("Больше проекторов")
    assert "Отвечено 6 из 6. Нажмите номер, чтобы изменить ответ." in reply.text
    assert "1. ✅ Да · Есть ли у вас рабочая программа" in reply.text
    assert "2. ➖ Не применимо · " in reply.text and "3. ⭐ 5/5 · " in reply.text
    assert "4. ✅ По плану · " in reply.text and "5. ✅ 3 · " in reply.text
    assert "✅ ✅" not in reply.text and "✅ ⭐" not in reply.text and "📎" not in reply.text
    assert "1" in reply.last.buttons and "📨 Отправить анкету" in reply.last.buttons
    await olga.press("Отправить анкету")
    await olga.press("Да, отправить")

    # An old "all answers" button: the answers, final, and nothing that pretends to edit.
    audit = 1
    reply = await olga.press_data(QCB(action=QAction.REVIEW, audit=audit).pack())
    assert "Анкета отправлена, ответы зафиксированы" in reply.text
    assert "Нажмите номер" not in reply.text and "1. ✅ Да · " in reply.text
    assert reply.last.buttons == ["⬅️ Мои анкеты"]
    reply = await olga.press_data(QCB(action=QAction.SHOW, audit=audit, q=0).pack())
    assert reply.alert is None and olga.last.buttons == ["⬅️ Мои анкеты"]  # the same review
    reply = await olga.press("Мои анкеты")
    assert "Открытых анкет для вас сейчас нет" in reply.text  # hers is submitted


async def test_a_submitted_questionnaire_in_english(harness: BotHarness, manager: TgUser) -> None:
    olga, _, _ = await school(harness, manager)
    await manager.send_document(MINI, "mini.yaml")
    await plan_audit(manager, "26.11.2026", "04.12.2026", "Мини-проверка уроков")
    await olga.send("/language")
    await olga.press("English")
    await olga.send("/audits")
    reply = await olga.press("A-2026-001")
    assert "question 1/6" in reply.text
    reply = await olga.press("Yes")
    reply = await olga.press("Back")
    assert reply.last.buttons[:2] == ["● Yes", "❌ No"]
    for _ in range(5):
        await olga.press("Skip")
    reply = await olga.press_data(QCB(action=QAction.REVIEW, audit=1).pack())
    assert "Tap a number to change an answer" in reply.text and "1. ✅ Yes · " in reply.text
    assert "✅ ✅" not in reply.text


async def test_done_without_evidence_shows_no_paperclip(harness: BotHarness) -> None:
    """The head marks an action done with a note only: the card says so, without "(📎 0)"."""
    dept = await department(harness, "Хозяйственная служба")
    head_phone, head = await person(harness, 3001, "Иван", {Role.HEAD}, dept)
    nc = await assigned_nc(harness, head, dept)
    assert harness.app is not None
    ncs = harness.app.dispatcher["ncs"]
    await ncs.plan(head, nc.id, None, ["Нет графика"], "Ввести график", date(2026, 12, 10))
    await ncs.done(head, nc.id, "Лампа заменена", [])
    await head_phone.send("/menu")
    reply = await head_phone.press_data(NcCB(action=NcView.OPEN, id=nc.id).pack())
    assert "Выполнено: Лампа заменена" in reply.text
    assert "📎 0" not in reply.text and "(📎" not in reply.text


async def test_a_tapped_answer_is_one_transaction_and_survives_a_restart(
    harness: BotHarness, manager: TgUser
) -> None:
    """Olga's tap costs one unit of work: her answer, the next step of her dialog and the
    update's record commit together; after a restart the step is there (her typed answer
    reaches the question on screen)."""
    olga, _, _ = await school(harness, manager)
    await manager.send_document(MINI, "mini.yaml")
    await plan_audit(manager, "26.11.2026", "04.12.2026", "Мини-проверка уроков")
    await olga.press("Начать анкету")
    assert harness.app is not None
    db = harness.app.db
    original, units = db.run, []

    async def counted(work: Any) -> Any:
        if handling.get() is not None:  # the tap's own, not a sweep's that coincides
            units.append(work)
        return await original(work)

    db.run = counted  # type: ignore[method-assign]
    try:
        reply = await olga.press("Да")
    finally:
        db.run = original  # type: ignore[method-assign]
    assert "вопрос 2/6" in reply.text
    # On PostgreSQL dialogs are not kept in memory (several processes may serve one person):
    # the dialog step is read back in a unit of its own.
    assert len(units) == (2 if db.shared else 1)
    handled = await db.run(
        lambda conn: conn.exec_driver_sql("SELECT count(*) FROM handled_updates").scalar()
    )
    await olga.press("Не применимо")
    await olga.press("5")
    await olga.press("По плану")
    await harness.restart()
    reply = await olga.send("3")  # question 5 asks for a number: the step came back
    assert "вопрос 6/6" in reply.text
    assert handled and handled > 0
