"""The school year's audit programme (issue 12): a wizard that goes back and lets each answer
be changed, planned audits changed from the card with the people concerned told, recurring
lines that plan the year, the director's approval, and anonymous questionnaires."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import openpyxl
from sqlalchemy import Connection, select

from bot.callbacks import QCB, QAction
from bot.domain.programme import (
    Frequency,
    PastAudit,
    independence_problem,
    occurrences,
    respondent_problem,
    suggest_frequency,
)
from bot.domain.roles import Role
from bot.domain.school_calendar import load_calendar, parse_calendar
from bot.storage.events import EventLog
from bot.storage.programme import ProgrammeRepo
from bot.storage.schema import (
    anonymous_answers,
    answers,
    audit_respondents,
    events,
    nonconformities,
)
from tests.fakeapi import TgUser
from tests.flows import boss, department, open_audit, person
from tests.harness import BotHarness
from tests.test_audits import MINI, plan_audit, school

# -- domain rules ----------------------------------------------------------------------------


def test_no_auditor_audits_his_own_work() -> None:
    # A department's audit: nobody from it; any audit: no respondent on the team.
    assert independence_problem(7, 3, 3, []) == "audits.own_department"
    assert independence_problem(7, 4, 3, []) is None
    assert independence_problem(7, 4, 3, [7, 8]) == "audits.auditor_is_respondent"
    # A whole-school audit: anyone trained, as long as he does not answer it himself.
    assert independence_problem(7, 3, None, [8]) is None
    assert independence_problem(7, 3, None, [7]) == "audits.auditor_is_respondent"
    assert respondent_problem(7, [7, 9]) == "audits.respondent_on_team"
    assert respondent_problem(8, [7, 9]) is None


def test_frequency_follows_the_results() -> None:
    low = suggest_frequency([PastAudit(date(2026, 5, 1), 61.5, 0)], 0, 75.0)
    assert low.frequency is Frequency.TERM and low.reason == "programme.reason.low"
    assert low.params == {"percent": 61.5, "threshold": 75.0}
    major = suggest_frequency([PastAudit(date(2026, 5, 1), 90.0, 0)], 2, 75.0)
    assert major.frequency is Frequency.TERM and major.params == {"count": 2}
    clean = [PastAudit(date(2026, 5, 1), 92.0, 0), PastAudit(date(2025, 12, 1), 88.0, 0)]
    assert suggest_frequency(clean, 0, 75.0).frequency is Frequency.YEARLY
    one_nc = [PastAudit(date(2026, 5, 1), 92.0, 1), PastAudit(date(2025, 12, 1), 88.0, 0)]
    assert suggest_frequency(one_nc, 0, 75.0).reason == "programme.reason.steady"
    first = suggest_frequency([], 0, 75.0)
    assert first.frequency is Frequency.TWICE and first.reason == "programme.reason.first"


def test_generated_dates_are_working_days_never_in_the_holidays() -> None:
    calendar = load_calendar()
    each = occurrences(calendar, 2026, (9, 1), Frequency.TERM, date(2026, 8, 20))
    assert [o.window.name for o in each] == ["1 четверть", "2 четверть", "3 четверть", "4 четверть"]
    for item in each:
        assert item.start.weekday() < 5 and calendar.holiday_on(item.start) is None
        assert item.deadline.weekday() < 5 and calendar.holiday_on(item.deadline) is None
        assert item.window.start <= item.start <= item.window.end
    # 3rd term from 12.01: two weeks in is Tuesday 26.01.2027.
    assert each[2].start == date(2027, 1, 26)
    twice = occurrences(calendar, 2026, (9, 1), Frequency.TWICE, date(2026, 8, 20))
    assert [o.window.name for o in twice] == ["1 четверть", "3 четверть"]
    yearly = occurrences(calendar, 2026, (9, 1), Frequency.YEARLY, date(2026, 8, 20))
    assert [o.window.name for o in yearly] == ["2 четверть"]
    # Terms over are skipped; one under way starts from today.
    late = occurrences(calendar, 2026, (9, 1), Frequency.TERM, date(2026, 11, 26))
    assert late[0].window.name == "2 четверть" and late[0].start == date(2026, 11, 26)
    # A term whose third week is a holiday: the audit moves past it, and says from where.
    odd = parse_calendar(
        'terms:\n  - {name: "Осень", start: "01.09", end: "30.10"}\n'
        'holidays:\n  - {name: "Неделя здоровья", start: "14.09", end: "20.09"}\n'
    )
    [moved] = occurrences(odd, 2026, (9, 1), Frequency.YEARLY, date(2026, 8, 1))
    assert moved.moved_from == date(2026, 9, 15) and moved.start == date(2026, 9, 21)


# -- the planning wizard -----------------------------------------------------------------------


async def test_the_wizard_goes_back_keeps_answers_and_changes_one_from_the_summary(
    harness: BotHarness, manager: TgUser
) -> None:
    _olga, _igor, _svetlana = await school(harness, manager)
    await manager.send_document(MINI, "mini.yaml")
    await manager.send("/newaudit")
    await manager.send("Проверка журналов")
    reply = await manager.press("МО начальных классов")
    assert "Шаг 3 из 11" in reply.text
    reply = await manager.press("Назад")
    assert "Шаг 2 из 11" in reply.text
    await manager.press("МО начальных классов")
    await manager.press("Мини-проверка уроков")
    await manager.press("риски")
    await manager.press("Далее")
    await manager.send("Журналы 1–4 классов")
    reply = await manager.press("Назад")  # from criteria back to the scope: it is kept
    assert "Шаг 5 из 11" in reply.text and "Сейчас: «Журналы 1–4 классов»" in reply.text
    stale = reply.last.button("Назад")["callback_data"]
    await manager.send("Журналы 1–4 классов и тетради")
    reply = await manager.press_data(stale)  # the scope's "back", pressed on criteria: stale
    assert reply.alert and "устарела" in reply.alert
    reply = await manager.press("Взять предложенное")  # criteria
    assert "Шаг 7 из 11" in reply.text
    reply = await manager.press("Светлана")
    assert "Шаг 8 из 11" in reply.text and "Светлана" not in reply.last.buttons
    reply = await manager.press("Мария Иванова")  # the manager joins as a co-auditor
    reply = await manager.press("Далее (соаудиторов: 1)")
    reply = await manager.press("Выбрать людей")
    assert "Команда аудита не отвечает на анкету: Мария Иванова, Светлана" in reply.text
    assert not any("Светлана" in b or "Мария" in b for b in reply.last.buttons)
    await manager.press("Ольга")
    await manager.press("Готово (1)")
    await manager.send("01.12.2026")
    reply = await manager.send("15.12.2026")
    assert "Проверьте аудит" in reply.text and "Журналы 1–4 классов и тетради" in reply.text
    assert "Соаудиторы: Мария Иванова" in reply.text and "не анонимная" in reply.text
    await manager.press("✏️ Название")
    reply = await manager.send("Проверка классных журналов")
    assert "Проверьте аудит" in reply.text and "Название: Проверка классных журналов" in reply.text
    reply = await manager.press("Сделать анонимной")
    assert "Анонимная анкета" in reply.text
    reply = await manager.press("Создать аудит")
    assert "Аудит A-2026-001 запланирован" in reply.text
    assert harness.app is not None
    audits = harness.app.dispatcher["audits"]
    assert (await audits.options(1)).anonymous is True
    assert [name for _, name in await audits.team(1)] == ["Мария Иванова"]


# -- a planned audit changed from its card -------------------------------------------------------


async def test_a_planned_audit_is_changed_and_the_people_concerned_are_told(
    harness: BotHarness, manager: TgUser
) -> None:
    olga, igor, svetlana = await school(harness, manager)
    await manager.send_document(MINI, "mini.yaml")
    text = await plan_audit(manager, "01.12.2026", "10.12.2026", "Мини-проверка уроков")
    assert "запланирован" in text
    await manager.press("Открыть аудит")
    reply = await manager.press("Изменить аудит")
    assert "Сроки: 01.12.2026 — 10.12.2026" in reply.text
    old_dates = reply.last.button("📅 Сроки")["callback_data"]
    await manager.press("📅 Сроки")
    reply = await manager.send("31.12.2026")  # the winter holidays: moved, and said so
    assert "зимние каникулы" in reply.text and "12.01.2027" in reply.text
    reply = await manager.send("20.01.2027")
    assert "✅ Изменено. Сообщили 3 людям." in reply.text
    assert "Сроки: 12.01.2027 — 20.01.2027" in reply.text
    for phone in (olga, igor, svetlana):
        assert "Аудит A-2026-001 «Проверка документации учителя» изменён" in phone.last.text
        assert "12.01.2027 — 20.01.2027" in phone.last.text

    # A button drawn before the change is stale and changes nothing.
    reply = await manager.press_data(old_dates)
    assert reply.alert and "устарела" in reply.alert

    # Igor is taken off: he alone is told; Olga, still a respondent, hears nothing new.
    olga_seen = len(olga.chat())
    await manager.press("👥 Респонденты")
    await manager.press("Игорь")
    reply = await manager.press("Сохранить (1)")
    assert "Сообщили 1 человеку" in reply.text and "Респондентов: 1" in reply.text
    assert "больше не респондент аудита A-2026-001" in igor.last.text
    assert len(olga.chat()) == olga_seen
    assert "Аудит изменён" not in svetlana.last.text

    # The team: Olga and Igor (no auditor role) are not offered; Pyotr joins as co-auditor.
    pyotr, _ = await person(harness, 2005, "Пётр", {Role.AUDITOR}, None)
    reply = await manager.press("🔎 Команда аудита")
    assert "● Светлана" in reply.last.buttons and "Пётр" in reply.last.buttons
    assert not any("Ольга" in b or "Игорь" in b for b in reply.last.buttons)
    await manager.press("Светлана")
    await manager.press("Пётр")
    reply = await manager.press("Сохранить команду")
    assert "Сообщили 1 человеку" in reply.text and "Соаудиторы: Пётр" in reply.text
    assert "Вы в команде аудита A-2026-001" in pyotr.last.text
    reply = await pyotr.press("Открыть аудит")
    assert "A-2026-001" in reply.text and "Ольга" in reply.text
    reply = await pyotr.send("/audits")
    assert "A-2026-001" in reply.text
    assert harness.app is not None
    events = await harness.app.db.run(lambda conn: EventLog(conn).for_entity("audit", 1))
    assert [e.action for e in events].count("edited") == 3


# -- the year planned by recurring lines, and the director's approval ---------------------------


async def test_a_year_planned_by_recurring_lines_and_approved_by_the_director(
    harness: BotHarness, manager: TgUser
) -> None:
    olga, _igor, svetlana = await school(harness, manager)
    director, _ = await person(harness, 4001, "Директор", {Role.OBSERVER}, None)
    await manager.send_document(MINI, "mini.yaml")

    reply = await manager.send("/program")
    assert "Программа не отправлялась директору" in reply.text
    await manager.press("Повторяющаяся строка")
    await manager.press("Мини-проверка уроков (ru)")
    reply = await manager.press("МО начальных классов")
    assert "Предлагается: дважды в год" in reply.text
    assert "аудитов этого чек-листа здесь ещё не было" in reply.text
    reply = await manager.press("каждую четверть")
    assert "Кто ведущий аудитор" in reply.text and "Светлана" in reply.last.buttons
    reply = await manager.press("Светлана")
    # 26.11.2026: the 1st term is over, the 2nd is under way (from today), then the 3rd and
    # the 4th, two weeks into each, on working days.
    assert "запланировано аудитов: 3" in reply.text
    assert "A-2026-001 · 2 четверть: 26.11.2026 — 10.12.2026" in reply.text
    assert "A-2027-001 · 3 четверть: 26.01.2027 — 09.02.2027" in reply.text
    assert "A-2027-002 · 4 четверть: 20.04.2027 — 04.05.2027" in reply.text
    stale_pick = reply.last  # a second tap on the auditor plans nothing twice
    reply = await manager.press_data("pg1:aud:2026:3:", stale_pick)
    assert reply.alert and "устарела" in reply.alert
    assert harness.app is not None
    assert len(await harness.app.dispatcher["audits"].program(2026)) == 3

    reply = await manager.send("/program")
    assert "Мини-проверка уроков · 3 четверть" in reply.text and "Январь 2027" in reply.text
    assert "• Мини-проверка уроков — МО начальных классов: каждую четверть (аудитов: 3)" in (
        reply.text
    )
    # The same line twice is refused.
    await manager.press("Повторяющаяся строка")
    await manager.press("Мини-проверка уроков (ru)")
    await manager.press("МО начальных классов")
    await manager.press("раз в год")
    reply = await manager.press("Светлана")
    assert reply.alert and "уже есть" in reply.alert

    # Sent to the director; he returns it with a comment, then approves it.
    await manager.send("/program")
    reply = await manager.press("Отправить директору на утверждение")
    assert reply.alert == "Отправлено на утверждение (получателей: 1)."
    assert "Мария Иванова направил(а) вам на утверждение программу аудитов 2026/27" in (
        director.last.text
    )
    reply = await director.press("Открыть программу")
    assert "На утверждении у директора с 26.11.2026" in reply.text
    assert "Утвердить" in " ".join(reply.last.buttons)
    await director.press("Вернуть с замечанием")
    reply = await director.send("Добавьте аудит столовой")
    assert "Возвращена 26.11.2026: Директор — «Добавьте аудит столовой»" in reply.text
    assert "вернул(а) программу аудитов 2026/27 с замечанием: «Добавьте аудит столовой»" in (
        manager.last.text
    )
    await manager.send("/program")
    await manager.press("Отправить директору на утверждение")
    reply = await director.press("Открыть программу")
    approve = reply.last.button("Утвердить")["callback_data"]
    reply = await director.press("Утвердить")
    assert "✅ Утверждена 26.11.2026: Директор." in reply.text
    assert "Директор утвердил(а) программу аудитов 2026/27" in manager.last.text
    reply = await director.press_data(approve)  # tapped twice: nothing more
    assert reply.alert and "уже утверждена" in reply.alert
    decisions = await harness.app.db.run(lambda conn: ProgrammeRepo(conn).decisions(2026))
    assert [d.decision for d in decisions] == ["approved", "submitted", "returned", "submitted"]

    # A change after approval: /program says so, and the old decision button is stale.
    reply = await manager.send("/program")
    await manager.press("A-2027-001")
    await manager.press("Изменить аудит")
    await manager.press("🎯 Область")
    await manager.send("Журналы 3-х классов")
    reply = await director.send("/program")
    assert "Изменена после утверждения (изменений: 1)" in reply.text
    reply = await director.press_data(approve)
    assert reply.alert and "Программа изменилась" in reply.alert
    reply = await director.press("Утвердить")  # the fresh screen: the changed one approved
    assert "✅ Утверждена 26.11.2026: Директор." in reply.text
    assert "Изменена после утверждения" not in reply.text
    assert any("A-2027-001" in m.text and "изменён" in m.text for m in olga.chat())
    assert any("A-2027-001" in m.text and "изменён" in m.text for m in svetlana.chat())


# -- an anonymous questionnaire ----------------------------------------------------------------

ANONYMOUS = """code: climate
version: 1
language: ru
title: "Анонимный опрос о климате"
anonymous: true
sections:
  - title: "Климат"
    questions:
      - id: c01
        text: "Чувствуете ли вы поддержку администрации?"
        clause: "7.1.4"
        type: yes_no
        nc_trigger: "no"
      - id: c02
        text: "Хватает ли времени на подготовку к урокам?"
        clause: "7.1.6"
        type: yes_no
        nc_trigger: "no"
""".encode()


async def test_an_anonymous_audit_shows_counts_and_comments_never_who_answered_what(
    harness: BotHarness, manager: TgUser
) -> None:
    olga, igor, svetlana = await school(harness, manager)
    reply = await manager.send_document(ANONYMOUS.replace(b"true", b'"\xd0\xb4\xd0\xb0"'), "c.yaml")
    assert "Чек-лист не загружен" in reply.text and "anonymous" in reply.text
    reply = await manager.send_document(ANONYMOUS, "climate.yaml")
    assert "Загружен чек-лист «Анонимный опрос о климате»" in reply.text

    await manager.send("/newaudit")
    await manager.send("Климат в коллективе")
    await manager.press("МО начальных классов")
    await manager.press("Анонимный опрос о климате")
    await manager.press("приоритеты стратегии")
    await manager.press("Далее")
    await manager.press("Взять предложенное")
    await manager.press("Взять предложенное")
    await manager.press("Светлана")
    await manager.press("Далее (соаудиторов: 0)")
    await manager.press("Все сотрудники подразделения (2)")
    await manager.send("26.11.2026")
    reply = await manager.send("04.12.2026")
    assert "Анонимная анкета" in reply.text
    assert not any("анонимн" in b.lower() for b in reply.last.buttons)  # the checklist's rule
    await manager.press("Создать аудит")

    assert "Анкета анонимная: аудитор увидит, что вы её отправили" in olga.last.text
    await olga.press("Начать анкету")
    await olga.press("Да")
    await olga.press("Комментарий")
    await olga.send("Нужен методический день")
    reply = await olga.press("Нет")
    assert "Отвечено 2 из 2" in reply.text
    await olga.press("Отправить анкету")
    await olga.press("Да, отправить")
    await igor.press("Начать анкету")
    await igor.press("Нет")
    await igor.press("Нет")
    await igor.press("Отправить анкету")
    await igor.press("Да, отправить")
    reply = await igor.press_data(QCB(action=QAction.REVIEW, audit=1).pack())  # an old button
    assert "ответы хранятся отдельно от вашего имени" in reply.text and "Нет" not in reply.text

    reply = await svetlana.send("/audits")
    reply = await svetlana.press("A-2026-001")
    assert "Анонимная анкета" in reply.text and "(отправили 2 из 2)" in reply.text
    assert "✅ Ольга\n" in reply.text + "\n" and "— 2/2" not in reply.text
    reply = await svetlana.press("Ответы по вопросам")
    assert "✅ Да — 1" in reply.text and "❌ Нет — 1 ⚠️" in reply.text
    assert "❌ Нет — 2 ⚠️" in reply.text and "Нужен методический день" in reply.text
    assert "Ольга" not in reply.text and "Игорь" not in reply.text

    # The database: who submitted, apart from what was answered.
    assert harness.app is not None
    db = harness.app.db

    def rows(conn: Connection) -> tuple[list[Any], list[Any], list[Any], list[Any]]:
        return (
            list(conn.execute(select(answers).where(answers.c.audit_id == 1))),
            list(conn.execute(select(anonymous_answers))),
            list(conn.execute(select(audit_respondents))),
            list(conn.execute(select(events).where(events.c.entity == "answer"))),
        )

    named, kept, submitted, logged = await db.run(rows)
    assert named == [] and len(kept) == 4 and "user_id" not in kept[0]._fields
    assert sorted(r.submitted_at is not None for r in submitted) == [True, True]
    assert logged and all("value" not in e.data and "comment" not in e.data for e in logged)

    # An NC raised from the answers carries no respondent, even when asked to name them.
    ncs = await harness.app.dispatcher["findings"].raise_nc(await boss(harness), 1, 1, named=True)
    stored = await db.run(
        lambda conn: conn.execute(select(nonconformities).where(nonconformities.c.id == ncs.id))
    )
    text = str(list(stored))
    assert "Ольга" not in text and "Игорь" not in text

    # Closing scores the anonymous answers: yes 1 of 4.
    await svetlana.press("К карточке аудита")
    await svetlana.press("Заключение и закрытие")
    await svetlana.send("Нагрузка высокая.")
    reply = await svetlana.press("Закрыть аудит")
    assert "Соответствие: 25,0\xa0%" in reply.text

    # The export: the four answers, in no one's name.
    mark = len(manager.chat())
    await manager.send("/export")
    document = next(m for m in manager.chat()[mark:] if m.document)
    content, _ = harness.api.files[document.document["file_id"]]
    sheet = openpyxl.load_workbook(io.BytesIO(content))["Ответы"]
    cells = [str(c.value) for row in sheet.iter_rows(min_row=2) for c in row]
    assert sheet.max_row == 1 + 4 and cells.count("аноним") == 4
    assert "Ольга" not in cells and "Игорь" not in cells
    assert "Нужен методический день" in cells


CLIMATE_NAMED = ANONYMOUS.replace(b"anonymous: true\n", b"").replace(
    b"code: climate", b"code: staff"
)


async def test_a_line_after_a_weak_audit_is_suggested_sooner_with_the_reason(
    harness: BotHarness, manager: TgUser
) -> None:
    """Last year's audit of this checklist in this department scored 0 %: each term is
    suggested, and the screen says why."""
    dept = await department(harness, "Хозяйственная служба")
    _, auditor = await person(harness, 3001, "Светлана", {Role.AUDITOR}, None)
    _, worker = await person(harness, 3002, "Иван", {Role.TEACHER}, dept)
    assert harness.app is not None
    dispatcher = harness.app.dispatcher
    audit = await open_audit(harness, CLIMATE_NAMED, auditor, [worker], dept)
    for index in (0, 1):
        await dispatcher["questionnaires"].answer(worker, audit.id, index, "no")
    await dispatcher["questionnaires"].submit(worker, audit.id)
    await dispatcher["audits"].close(auditor, audit.id, "Слабо")

    await manager.send("/program")
    await manager.press("Повторяющаяся строка")
    await manager.press("Анонимный опрос о климате (ru)")
    reply = await manager.press("Хозяйственная служба")
    suggested = "Предлагается: каждую четверть — последнее соответствие 0,0\xa0% ниже порога"
    assert f"{suggested} 75,0\xa0%" in reply.text
    assert "⭐ каждую четверть" in reply.last.buttons
    # The whole school has no closed audit of it: the usual pace.
    await manager.press("К программе")
    await manager.press("Повторяющаяся строка")
    await manager.press("Анонимный опрос о климате (ru)")
    reply = await manager.press("Весь лицей")
    assert "⭐ дважды в год" in reply.last.buttons and "ещё не было" in reply.text


async def test_another_department_from_the_summary_asks_for_its_team_and_staff_again(
    harness: BotHarness, manager: TgUser
) -> None:
    await school(harness, manager)
    await manager.send_document(MINI, "mini.yaml")
    await plan_audit_to_summary(manager)
    await manager.press("✏️ Где")
    reply = await manager.press("Методический совет")
    assert "Шаг 7 из 11" in reply.text
    assert "• Светлана — из проверяемого подразделения" in reply.text  # now her own
    await manager.press("Мария Иванова")
    await manager.press("Далее (соаудиторов: 0)")
    reply = await manager.press("Все сотрудники подразделения (1)")
    assert "Проверьте аудит" in reply.text and "Где: Методический совет" in reply.text
    assert "Ведущий аудитор: Мария Иванова" in reply.text and "Респондентов: 1" in reply.text
    reply = await manager.press("Создать аудит")
    assert "Аудит A-2026-001 запланирован" in reply.text


async def plan_audit_to_summary(manager: TgUser) -> None:
    await manager.send("/newaudit")
    await manager.send("Проверка документации")
    await manager.press("МО начальных классов")
    await manager.press("Мини-проверка уроков")
    await manager.press("риски")
    await manager.press("Далее")
    await manager.press("Взять предложенное")
    await manager.press("Взять предложенное")
    await manager.press("Светлана")
    await manager.press("Далее (соаудиторов: 0)")
    await manager.press("Все сотрудники подразделения (2)")
    await manager.send("01.12.2026")
    reply = await manager.send("15.12.2026")
    assert "Проверьте аудит" in reply.text
