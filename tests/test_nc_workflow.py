"""Nonconformities a quality manager can trust: no step backwards from a stale button,
findings by question, a responsible by default, effectiveness proven, similar NCs, hygiene
reminders, a plan that can be corrected before it is approved."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.callbacks import NcCB, NcView
from bot.domain.nonconformities import NcStatus, Severity
from bot.domain.roles import Role
from bot.domain.texts import meaningful
from bot.keyboards.calendar import struck
from bot.services.nonconformities import ReportDraft
from bot.storage.events import EventLog
from tests.fakeapi import Msg, TgUser
from tests.flows import boss, department, open_audit, person
from tests.harness import MANAGER_ID, BotHarness

MINI = (Path(__file__).parent / "data" / "mini_checklist.yaml").read_bytes()
MSK = ZoneInfo("Europe/Moscow")


async def facilities(harness: BotHarness) -> tuple[TgUser, TgUser, int]:
    """The manager, the head of the maintenance department (its head), and the department."""
    assert harness.app is not None
    dept = await department(harness, "Хозяйственная часть")
    head, record = await person(harness, 3001, "Иван", {Role.HEAD}, dept)
    await harness.app.dispatcher["departments"].set_head(await boss(harness), dept, record.id)
    manager = harness.user(MANAGER_ID, "Мария", "Иванова")
    await manager.send("/start")
    return manager, head, dept


async def report(harness: BotHarness, dept: int | None, text: str = "Нет аварийного света") -> int:
    assert harness.app is not None
    ncs = harness.app.dispatcher["ncs"]
    return (await ncs.report(await boss(harness), ReportDraft(dept, text))).id


async def events(harness: BotHarness, nc_id: int) -> list[str]:
    assert harness.app is not None
    found = await harness.app.db.run(lambda c: EventLog(c).for_entity("nc", nc_id))
    return [e.action for e in found]


async def card(user: TgUser, nc_id: int) -> Msg:
    """The NC's card in the user's chat, opened as from a notification."""
    await user.send("/menu")
    reply = await user.press_data(NcCB(action=NcView.OPEN, id=nc_id).pack())
    return reply.last


# -- the responsible by default ------------------------------------------------------------


async def test_a_report_goes_to_the_head_of_its_department_at_once(harness: BotHarness) -> None:
    manager, head, _ = await facilities(harness)
    teacher, _ = await person(harness, 2001, "Анна", {Role.TEACHER}, None)
    await teacher.send("/report")
    await teacher.press("Хозяйственная часть")
    await teacher.send("В кабинете 204 не работает аварийное освещение")
    await teacher.press("Без файлов")
    reply = await teacher.press("незначительное")
    assert "NC-2026-001" in reply.text and "Ответственный — Иван" in reply.text
    told = head.last
    assert "Вы назначены ответственным за NC-2026-001" in told.text
    assert told.buttons == ["📂 Открыть", "📝 Принять и спланировать"]
    reply = await head.press("Принять и спланировать", told)  # straight from the message
    assert "Шаг 1. Коррекция" in reply.text
    assert "Новое несоответствие NC-2026-001 (Анна)" in manager.last.text


async def test_without_a_head_the_nc_waits_and_managers_are_reminded(
    harness: BotHarness,
) -> None:
    manager, _, _ = await facilities(harness)
    nc_id = await report(harness, None, "Не работает проектор в актовом зале")
    assert harness.app is not None
    nc = await harness.app.dispatcher["ncs"].get(await boss(harness), nc_id)
    assert nc.status is NcStatus.NEW and nc.responsible_id is None
    sweep = harness.app.sweeper
    harness.clock.set(datetime(2026, 11, 27, 12, tzinfo=MSK))
    await sweep.run_once()
    assert not [m for m in manager.chat() if "ждёт назначения" in m.text]
    harness.clock.set(datetime(2026, 11, 30, 10, tzinfo=MSK))  # Monday, four days later
    await sweep.run_once()
    await sweep.run_once()
    waiting = [m for m in manager.chat() if "ждёт назначения ответственного" in m.text]
    assert len(waiting) == 1, [m.text for m in manager.chat()]


async def test_no_severity_and_no_verdict_remind_the_right_people(harness: BotHarness) -> None:
    manager, head, dept = await facilities(harness)
    nc_id = await report(harness, dept)  # the head's at once; nobody set its severity
    assert harness.app is not None
    ncs = harness.app.dispatcher["ncs"]
    ivan = await harness.app.dispatcher["accounts"].by_tg_id(head.id)
    await ncs.plan(ivan, nc_id, None, ["Нет графика"], "Ввести график", date(2026, 12, 10))
    await ncs.done(ivan, nc_id, "График введён", [])
    await ncs.verify(await boss(harness), nc_id)  # checked, but no verdict yet
    harness.clock.set(datetime(2026, 11, 30, 10, tzinfo=MSK))
    for _ in range(2):
        await harness.app.sweeper.run_once()
    texts = [m.text for m in manager.chat()]
    assert len([t for t in texts if "не указана тяжесть" in t]) == 1
    assert len([t for t in texts if "вывод об эффективности не сделан" in t]) == 1
    assert not [m for m in head.chat() if "не указана тяжесть" in m.text]


# -- stale buttons change nothing ----------------------------------------------------------


async def test_the_old_assignment_screen_cannot_move_a_planned_nc_back(
    harness: BotHarness,
) -> None:
    manager, head, dept = await facilities(harness)
    other, _ = await person(harness, 3002, "Пётр", {Role.HEAD}, dept)
    nc_id = await report(harness, None)
    opened = await card(manager, nc_id)
    picker = (await manager.press("Назначить ответственного", opened)).last
    petr = picker.button("Пётр")["callback_data"]  # the screen as drawn, still on his phone
    await manager.press("Иван · Хозяйственная часть", picker)
    await head.press("Принять и спланировать", head.last)
    await head.send("Заменили лампу")
    await head.send("Лампа отслужила срок")
    await head.press("Это коренная причина")
    await head.send("Вести журнал замены ламп")
    await head.send("10.12.2026")
    await head.press("Утвердить план")
    before = await events(harness, nc_id)

    reply = await manager.press_data(petr, picker)  # the screen from before the plan
    assert reply.alert == "Эта карточка устарела — показываю актуальную. Ничего не изменено."
    assert "NC-2026-001 · запланировано" in reply.text
    assert await events(harness, nc_id) == before
    assert not [m for m in other.chat() if "NC-2026-001" in m.text]


async def test_every_action_button_of_an_old_card_is_refused(harness: BotHarness) -> None:
    manager, head, _ = await facilities(harness)
    _, auditor = await person(harness, 3005, "Светлана", {Role.AUDITOR}, None)
    assert harness.app is not None
    ncs = harness.app.dispatcher["ncs"]
    chief = await boss(harness)
    ivan = await harness.app.dispatcher["accounts"].by_tg_id(head.id)
    nc_id = await report(harness, None)

    async def check(user: TgUser, step: object) -> None:
        """Every action button of the user's current card, after the NC moved on."""
        old = await card(user, nc_id)
        # The buttons as drawn: the message itself is redrawn by the first refusal.
        drawn = [(b["text"], b["callback_data"]) for row in old.keyboard for b in row]
        await step  # type: ignore[misc]
        changed = await events(harness, nc_id)
        for label, data in drawn:
            if not data.startswith("n1:"):  # the documents it cites: a screen, not an action
                continue
            if NcCB.unpack(data).action in (NcView.HISTORY, NcView.EVIDENCE, NcView.LINK):
                continue
            reply = await user.press_data(data, old)
            assert reply.alert is not None and "устарела" in reply.alert, label
            assert await events(harness, nc_id) == changed, label
            await user.send("/cancel")

    await check(manager, ncs.classify(chief, nc_id, severity=Severity.MINOR))  # new
    await ncs.assign(chief, nc_id, ivan.id)
    await check(head, ncs.classify(chief, nc_id, clause="7.1.4"))  # assigned: plan
    await ncs.plan(ivan, nc_id, None, ["Нет графика"], "Ввести график", date(2026, 12, 10))
    await check(head, ncs.request_due(ivan, nc_id, date(2026, 12, 20), "Ждём поставку ламп"))
    await check(manager, ncs.decide_due(chief, nc_id, True))  # planned: grant, reassign
    await check(head, ncs.done(ivan, nc_id, "Журнал ведётся с 01.12", []))
    await check(manager, ncs.verify(await boss(harness), nc_id))  # done
    await ncs.effective(chief, nc_id, "Две проверки подряд без замечаний", [], 30)
    assert auditor.id
    await check(manager, ncs.recheck(chief, nc_id, "Замечаний нет и через месяц"))


async def test_a_forged_action_by_someone_without_the_role_changes_nothing(
    harness: BotHarness,
) -> None:
    manager, head, _ = await facilities(harness)
    nc_id = await report(harness, None)
    teacher, _ = await person(harness, 2001, "Анна", {Role.TEACHER}, None)
    await teacher.send("/menu")
    before = await events(harness, nc_id)
    for view in (NcView.VERIFY, NcView.ASSIGN, NcView.SEVERITY, NcView.EFFECTIVE):
        reply = await teacher.press_data(NcCB(action=view, id=nc_id, arg="u1", v=0).pack())
        assert reply.alert and "NC-2026-001" not in (reply.text or ""), view
    assert await events(harness, nc_id) == before
    assert manager.id and head.id


# -- re-assigning a planned action ---------------------------------------------------------


async def test_handing_a_planned_action_over_needs_a_reason(harness: BotHarness) -> None:
    manager, head, dept = await facilities(harness)
    other, _ = await person(harness, 3002, "Пётр", {Role.HEAD}, dept)
    nc_id = await report(harness, dept)  # goes to Иван at once
    assert harness.app is not None
    ncs = harness.app.dispatcher["ncs"]
    ivan = await harness.app.dispatcher["accounts"].by_tg_id(head.id)
    await ncs.plan(ivan, nc_id, None, ["Нет графика"], "Ввести график", date(2026, 12, 10))

    opened = await card(manager, nc_id)
    picker = await manager.press("Передать другому ответственному", opened)
    reply = await manager.press("👤 Иван", picker.last)  # the same person: nothing to do
    assert reply.alert == "Иван уже отвечает за это несоответствие."
    reply = await manager.press("Пётр", picker.last)
    assert "Передать <b>" not in reply.text and "План действий сохранится" in reply.text
    reply = await manager.send("-")
    assert "не похоже на ответ по существу" in reply.text
    reply = await manager.send("Иван в отпуске до января")
    assert "Ответственный: Пётр" in reply.text and "запланировано" in reply.text
    assert "Вам передано несоответствие NC-2026-001" in other.last.text
    assert "передано другому ответственному" in head.last.text
    nc = await ncs.get(await boss(harness), nc_id)
    assert nc.status is NcStatus.PLANNED and nc.corrective_action == "Ввести график"


# -- findings by question -------------------------------------------------------------------


async def test_one_nc_per_question_from_submitted_answers_naming_nobody(
    harness: BotHarness,
) -> None:
    _, head, _ = await facilities(harness)
    assert harness.app is not None
    school = await department(harness, "МО начальных классов")
    respondents = []
    for n, name in enumerate(("Ольга", "Игорь", "Нина")):
        phone, record = await person(harness, 2001 + n, name, {Role.TEACHER}, school)
        respondents.append((phone, record))
    auditor_phone, auditor = await person(harness, 2010, "Светлана", {Role.AUDITOR}, None)
    await harness.app.dispatcher["departments"].set_head(
        await boss(harness), school, respondents[0][1].id
    )
    audit = await open_audit(harness, MINI, auditor, [r for _, r in respondents], school)
    questionnaires = harness.app.dispatcher["questionnaires"]
    for _, record in respondents:
        await questionnaires.answer(record, audit.id, 0, "no")  # "Есть ли рабочая программа?"
    for _, record in respondents[:2]:  # Нина has not submitted: her answer may still change
        for index, value in ((1, "yes"), (2, "4"), (3, "По плану"), (4, "2")):
            await questionnaires.answer(record, audit.id, index, value)
        await questionnaires.add_evidence(
            record, audit.id, 1, {"file_id": f"photo-{record.id}", "kind": "photo", "group": None}
        )
        _, missing = await questionnaires.submit(record, audit.id)
        assert not missing

    await auditor_phone.send("/audits")
    await auditor_phone.press("A-2026-001")
    reply = await auditor_phone.press("Возможные несоответствия")
    assert "Сдано анкет: 2 из 3" in reply.text
    assert "2 из 2: «Нет» — 2" in reply.text
    reply = await auditor_phone.press("1")
    assert "Ольга" not in reply.text and "Игорь" not in reply.text
    reply = await auditor_phone.press("Несоответствие (одно на вопрос)")
    assert reply.alert and "NC-2026-001" in reply.alert and "Ольга" in reply.alert  # the head
    assert "🚩 NC-2026-001" in reply.text
    assert "Несоответствие (одно на вопрос)" not in reply.last.buttons

    nc = await harness.app.dispatcher["ncs"].get(await boss(harness), 1)
    assert nc.status is NcStatus.ASSIGNED and nc.responsible_id == respondents[0][1].id
    assert nc.finding is not None and "respondents" not in nc.finding
    olga = respondents[0][0]
    told = [m for m in olga.chat() if "Вы назначены ответственным за NC-2026-001" in m.text]
    assert told
    opened = await card(olga, 1)
    assert "A-2026-001, вопрос 1 [8.5.1]: 2 из 2 — «Нет» — 2" in opened.text
    assert "Q1" not in opened.text and "m01" not in opened.text and "→ no" not in opened.text

    # Observations and strengths are findings too, in the report and the audit's list.
    await auditor_phone.press("Ко всем находкам")
    await auditor_phone.press("Сильная сторона")
    reply = await auditor_phone.send("Все учителя ведут электронный журнал в день урока")
    assert "Находка записана" in reply.text
    assert "⭐ сильная сторона: Все учителя ведут электронный журнал" in reply.text
    assert head.id


async def test_an_english_auditor_reads_the_findings_in_english(harness: BotHarness) -> None:
    await facilities(harness)
    assert harness.app is not None
    school = await department(harness, "Primary")
    _, olga = await person(harness, 2001, "Olga", {Role.TEACHER}, school)
    phone, auditor = await person(harness, 2010, "Sveta", {Role.AUDITOR}, None, language="en")
    audit = await open_audit(harness, MINI, auditor, [olga])
    q = harness.app.dispatcher["questionnaires"]
    for index, value in ((0, "no"), (1, "yes"), (2, "4"), (3, "По плану"), (4, "2")):
        await q.answer(olga, audit.id, index, value)
    await q.add_evidence(olga, audit.id, 1, {"file_id": "photo-1", "kind": "photo", "group": None})
    _, missing = await q.submit(olga, audit.id)
    assert not missing
    await phone.send("/audits")
    await phone.press("A-2026-001")
    reply = await phone.press("Possible nonconformities")
    assert "1 of 1: «No» — 1" in reply.text
    await phone.press("1")
    reply = await phone.press("Nonconformity (one for the question)")
    opened = await card(phone, 1)
    assert "A-2026-001, question 1 [8.5.1]: 1 of 1 — «No» — 1" in opened.text
    assert reply.alert


# -- effectiveness, proven -------------------------------------------------------------------


async def test_effective_needs_a_justification_and_may_be_rechecked(harness: BotHarness) -> None:
    manager, head, dept = await facilities(harness)
    nc_id = await report(harness, dept)
    assert harness.app is not None
    ncs = harness.app.dispatcher["ncs"]
    ivan = await harness.app.dispatcher["accounts"].by_tg_id(head.id)
    await ncs.plan(ivan, nc_id, None, ["Нет графика"], "Ввести график", date(2026, 12, 10))
    await ncs.done(ivan, nc_id, "График введён, первая проверка проведена", [])

    opened = await card(manager, nc_id)
    reply = await manager.press("Эффективно — закрыть", opened)
    assert "Почему действие по NC-2026-001 эффективно?" in reply.text
    reply = await manager.send("Готово")
    assert "не похоже на ответ по существу" in reply.text
    reply = await manager.send_photo(caption="Журнал проверок за ноябрь")
    reply = await manager.send("Две ежемесячные проверки подряд без замечаний")
    assert "Доказательств: 1" in reply.text
    reply = await manager.press("Закрыть и перепроверить через 30 дней")
    assert "NC-2026-001 · закрыто" in reply.text
    assert "Две ежемесячные проверки подряд без замечаний" in reply.text
    assert "Перепроверка эффективности: 26.12.2026" in reply.text
    assert "— —" not in reply.text
    assert "закрыто: действие эффективно" in head.last.text

    sweep = harness.app.sweeper
    harness.clock.set(datetime(2026, 12, 28, 10, tzinfo=MSK))  # Monday after the 26th
    await sweep.run_once()
    await sweep.run_once()
    due = [m for m in manager.chat() if "Пора перепроверить эффективность" in m.text]
    assert len(due) == 1
    reply = await manager.press("Открыть", due[0])
    reply = await manager.press("Открыть снова")
    reply = await manager.send("В декабре журнал снова не заполнялся")
    assert "NC-2026-001 · запланировано" in reply.text
    assert "открыто снова" in head.last.text
    nc = await ncs.get(await boss(harness), nc_id)
    assert nc.status is NcStatus.PLANNED and nc.recheck_due is None


async def test_not_effective_returns_it_to_planned_with_the_reason(harness: BotHarness) -> None:
    manager, head, dept = await facilities(harness)
    nc_id = await report(harness, dept)
    assert harness.app is not None
    ncs = harness.app.dispatcher["ncs"]
    ivan = await harness.app.dispatcher["accounts"].by_tg_id(head.id)
    await ncs.plan(ivan, nc_id, None, ["Нет графика"], "Ввести график", date(2026, 12, 10))
    await ncs.done(ivan, nc_id, "График введён", [])
    opened = await card(manager, nc_id)
    await manager.press("Неэффективно", opened)
    reply = await manager.send("ок")
    assert "не похоже на ответ по существу" in reply.text
    reply = await manager.send("В журнале нет подписи ответственного")
    assert "NC-2026-001 · запланировано" in reply.text
    assert "признано неэффективным" in head.last.text


# -- the plan: content, corrections before approval, similar NCs ----------------------------


async def test_a_plan_refuses_empty_words_and_can_be_corrected_before_approval(
    harness: BotHarness,
) -> None:
    _, head, dept = await facilities(harness)
    assert harness.app is not None
    ncs = harness.app.dispatcher["ncs"]
    chief = await boss(harness)
    ivan = await harness.app.dispatcher["accounts"].by_tg_id(head.id)
    first = await report(harness, dept, "Не работает аварийное освещение в кабинете 204")
    await ncs.classify(chief, first, clause="7.1.4")
    await ncs.plan(ivan, first, None, ["Нет графика проверки аварийного освещения"], "График",
                   date(2026, 12, 10))  # fmt: skip
    second = await report(harness, dept, "Не работает аварийное освещение в спортзале")
    await ncs.classify(chief, second, severity=Severity.MAJOR, clause="7.1.4")

    opened = await card(head, second)
    assert "Похожие несоответствия" in opened.text and "NC-2026-001" in opened.text
    reply = await head.press("Связать с NC-2026-001", opened)
    assert "🔗 <b>NC-2026-001" in reply.text or "🔗 NC-2026-001" in reply.text
    await head.press("Принять и спланировать")
    reply = await head.send("готово")
    assert "не похоже на ответ по существу" in reply.text
    reply = await head.send("Заменили аккумулятор")
    assert "Нет графика проверки аварийного освещения" in reply.last.buttons[0]
    reply = await head.press("Нет графика проверки аварийного освещения")
    reply = await head.press("Это коренная причина")
    await head.send("Ежемесячно проверять аварийное освещение")
    assert "10.12.2026 (по умолчанию)" in head.last.buttons[0]  # major: 14 days
    reply = await head.press(struck("25"))  # yesterday, crossed out in the calendar
    assert reply.alert == "Этот день уже прошёл. Выберите 26.11.2026 или позже."
    reply = await head.press("(по умолчанию)")
    assert "Проверьте план" in reply.text and "Срок: 10.12.2026" in reply.text
    reply = await head.press("Действие")
    reply = await head.send("Ежемесячно проверять аварийное освещение по журналу")
    assert "по журналу" in reply.text and "Проверьте план" in reply.text
    reply = await head.press("Утвердить план")
    assert "запланировано" in reply.text
    nc = await ncs.get(chief, second)
    assert nc.corrective_action == "Ежемесячно проверять аварийное освещение по журналу"
    assert nc.root_cause == ["Нет графика проверки аварийного освещения"]
    assert nc.due_date == date(2026, 12, 10)


def test_what_counts_as_content() -> None:
    for empty in ("готово", "Готово!", "-", "—", "ок", "OK", "да", "x", "...", "1", "+"):
        assert not meaningful(empty), empty
    for said in ("Заменили лампу", "Нет графика", "Lamp replaced", "Журнал"):
        assert meaningful(said), said


# -- the responsible picker in a school of 150 ------------------------------------------------


async def test_the_picker_finds_one_of_150_by_department_or_name(harness: BotHarness) -> None:
    manager, _, dept = await facilities(harness)
    assert harness.app is not None
    science = await department(harness, "МО естественных наук")
    for n in range(150):
        home = science if n % 3 else dept
        await person(harness, 5000 + n, f"Сотрудник {n:03d}", {Role.TEACHER}, home)
    await person(harness, 5999, "Прохоров Семён", {Role.HEAD}, science)
    nc_id = await report(harness, None)
    opened = await card(manager, nc_id)
    reply = await manager.press("Назначить ответственного", opened)
    people = [b for b in reply.last.buttons if "·" in b or b.startswith("Мария")]
    assert len(people) == 8  # a page, not 150
    assert "▶️" in reply.last.buttons
    reply = await manager.press("Найти по имени")
    reply = await manager.send("<Прох>")  # typed as it is, not taken for markup
    assert "По «<прох>» найдено: 0" in reply.text
    reply = await manager.press("Найти по имени", reply.last)
    reply = await manager.send("прох")
    assert "По «прох» найдено: 1" in reply.text
    reply = await manager.press("Прохоров Семён")
    assert "Ответственный: Прохоров Семён" in reply.text
