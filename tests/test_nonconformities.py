"""A teacher reports a problem; the head plans and does the action; the manager verifies."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.domain.nonconformities import (
    TRANSITIONS,
    NcAction,
    NcStatus,
    Nonconformity,
    Source,
    Viewer,
    may_act,
    may_see,
)
from bot.domain.roles import Role
from bot.services.nonconformities import ReportDraft
from bot.storage.events import EventLog
from tests.fakeapi import TgUser
from tests.flows import add_department, join, make_invite
from tests.harness import BotHarness


async def school(harness: BotHarness, manager: TgUser) -> dict[str, TgUser]:
    await add_department(manager, "Хозяйственная часть")
    await add_department(manager, "МО математики")
    people = {}
    for key, tg_id, name, role, dept in (
        ("head", 3001, "Иван", "руководитель", "Хозяйственная часть"),
        ("teacher", 3002, "Анна", "педагог", "МО математики"),
        ("auditor", 3003, "Светлана", "аудитор", "МО математики"),
        ("other_head", 3004, "Пётр", "руководитель", "МО математики"),
    ):
        token = await make_invite(manager, [role], dept)
        person = harness.user(tg_id, name)
        await join(person, token)
        people[key] = person
    await manager.send("/departments")
    await manager.press("Хозяйственная часть")
    await manager.press("Руководитель")
    await manager.press("Иван")
    return people


async def test_report_assign_plan_done_verify_with_history(
    harness: BotHarness, manager: TgUser
) -> None:
    people = await school(harness, manager)
    teacher, head = people["teacher"], people["head"]

    # The teacher reports in a few taps.
    await teacher.send("/report")
    reply = await teacher.press("Хозяйственная часть")
    assert "Что не так?" in reply.text
    reply = await teacher.send("В кабинете 204 не работает аварийное освещение")
    await teacher.send_photo()
    await teacher.press("Далее")
    reply = await teacher.press("незначительное")
    assert "Зарегистрировано несоответствие NC-2026-001" in reply.text
    told = manager.last
    assert "Новое несоответствие NC-2026-001 (Анна)" in told.text

    # The manager assigns it from the notification: the department head is proposed first.
    reply = await manager.press("Открыть", told)
    assert "Источник: сообщение сотрудника" in reply.text
    assert "тяжесть: не назначено (предложено: незначительное)" in reply.text
    await manager.press("Тяжесть")
    await manager.press("значительное")
    await manager.press("Пункт ISO")
    reply = await manager.send("7.1.x")
    assert "Это не пункт ISO 9001" in reply.text
    reply = await manager.send("7.1.4")
    assert "Пункт ISO 9001: 7.1.4 · тяжесть: значительное" in reply.text
    reply = await manager.press("Назначить ответственного")
    assert reply.last.buttons[0].startswith("👤 Иван")
    reply = await manager.press("👤 Иван")
    assert "NC-2026-001 · назначено" in reply.text
    assert "Вы назначены ответственным за NC-2026-001" in head.last.text

    # The head accepts and plans: correction, two whys, action, due date.
    await head.press("Открыть", head.last)
    await head.press("Принять и спланировать")
    await head.send("Заменили лампу в светильнике")
    reply = await head.send("Лампа перегорела")
    assert "А почему «Лампа перегорела»? (2/5)" in reply.text
    await head.send("Нет графика проверки аварийного освещения")
    reply = await head.press("Это коренная причина")
    assert "Корректирующее действие" in reply.text
    await head.send("Ввести ежемесячную проверку аварийного освещения по журналу")
    reply = await head.send("01.11.2026")
    assert "Эта дата уже прошла" in reply.text
    reply = await head.send("10.12.2026")
    assert "Проверьте план" in reply.text and "Срок: 10.12.2026" in reply.text
    reply = await head.press("Утвердить план")
    assert "NC-2026-001 · запланировано" in reply.text
    assert "срок: 10.12.2026 — осталось 14 дней" in reply.text

    # The head marks it done with evidence; the manager finds it not effective, then effective.
    await head.press("Отметить выполнение")
    reply = await head.press("Отметить выполнение")
    assert reply.alert == "Сначала опишите сообщением, что сделано."
    await head.send("Составлен график, проведена первая проверка")
    await head.send_photo()
    reply = await head.press("Отметить выполнение")
    assert "NC-2026-001 · выполнено" in reply.text
    assert "действие выполнено (Иван)" in manager.last.text

    await manager.press("Открыть", manager.last)
    await manager.press("Неэффективно")
    await manager.send("В журнале нет подписи ответственного")
    assert "признано неэффективным" in head.last.text
    await head.press("Открыть", head.last)
    await head.press("Отметить выполнение")
    await head.send("Журнал подписан, назначен ответственный за проверку")
    await head.press("Отметить выполнение")
    await manager.press("Открыть", manager.last)
    reply = await manager.press("Эффективно — закрыть")
    assert "NC-2026-001 · закрыто" in reply.text
    assert "закрыто: действие эффективно" in teacher.last.text

    reply = await manager.press("История")
    steps = [line.split(" · ")[2] for line in reply.text.splitlines()[2:] if " · " in line]
    assert [s.split(" (")[0] for s in steps] == [
        "зарегистрировано", "классифицировано", "классифицировано", "назначен ответственный",
        "запланировано действие", "выполнено", "признано неэффективным", "выполнено",
        "признано эффективным",
    ]  # fmt: skip
    assert "(выполнено → запланировано)" in reply.text
    assert harness.app is not None
    events = await harness.app.db.run(lambda conn: EventLog(conn).for_entity("nc", 1))
    assert events[-1].data["to"] == "closed" and events[-1].actor_id == 1


async def test_forged_buttons_and_typed_ids_reveal_nothing(
    harness: BotHarness, manager: TgUser
) -> None:
    people = await school(harness, manager)
    assert harness.app is not None
    ncs = harness.app.dispatcher["ncs"]
    accounts = harness.app.dispatcher["accounts"]
    reporter = await accounts.by_tg_id(people["teacher"].id)
    nc = await ncs.report(reporter, ReportDraft(department_id=1, description="Сломан замок"))

    # A head of another department cannot open or act on it.
    other = people["other_head"]
    for data in (f"n1:op:{nc.id}:", f"n1:as:{nc.id}:3", f"n1:rj:{nc.id}:", f"n1:ef:{nc.id}:"):
        reply = await other.press_data(data)
        assert reply.alert == "Несоответствие не найдено или вам недоступно.", data
    # The teacher who reported it sees it, but may not assign it to himself.
    teacher = people["teacher"]
    reply = await teacher.press_data(f"n1:op:{nc.id}:")
    assert "NC-2026-001 · новое" in reply.text
    assert not any("Назначить" in b for b in reply.last.buttons)
    reply = await teacher.press_data(f"n1:as:{nc.id}:4")
    assert reply.alert and "недоступно" in reply.alert
    reply = await teacher.press_data("n1:op:999:")
    assert reply.alert == "Несоответствие не найдено или вам недоступно."
    fresh = await ncs.get(reporter, nc.id)
    assert fresh.status is NcStatus.NEW and fresh.responsible_id is None


async def test_two_reports_at_once_get_consecutive_numbers(
    harness: BotHarness, manager: TgUser
) -> None:
    people = await school(harness, manager)
    assert harness.app is not None
    ncs, accounts = harness.app.dispatcher["ncs"], harness.app.dispatcher["accounts"]
    first = await accounts.by_tg_id(people["teacher"].id)
    second = await accounts.by_tg_id(people["head"].id)
    made = await asyncio.gather(
        *(
            ncs.report(who, ReportDraft(department_id=None, description=f"Проблема {n}"))
            for n, who in enumerate([first, second, first, second] * 3)
        )
    )
    assert sorted(nc.number for nc in made) == [f"NC-2026-{n:03d}" for n in range(1, 13)]


async def test_actions_list_overdue_first_and_register_filters(
    harness: BotHarness, manager: TgUser
) -> None:
    people = await school(harness, manager)
    assert harness.app is not None
    app = harness.app
    ncs, accounts = app.dispatcher["ncs"], app.dispatcher["accounts"]
    boss = await accounts.by_tg_id(manager.id)
    head = await accounts.by_tg_id(people["head"].id)
    today = ncs.today()
    for n, due in enumerate((today + timedelta(days=3), today + timedelta(days=1)), 1):
        nc = await ncs.report(boss, ReportDraft(department_id=1, description=f"Дефект {n}"))
        await ncs.assign(boss, nc.id, head.id)
        await ncs.plan(head, nc.id, None, ["Причина"], "Действие", due)
    harness.clock.advance(timedelta(days=2))  # the second is now one day overdue
    reply = await people["head"].send("/actions")
    lines = [line for line in reply.text.splitlines() if line.startswith("NC-")]
    assert lines[0].startswith("NC-2026-002") and "просрочено на 1 день" in lines[0]
    assert lines[1].startswith("NC-2026-001") and "осталось 1 день" in lines[1]

    reply = await manager.send("/ncr")
    assert "(найдено: 2)" in reply.text
    reply = await manager.press("Только просроченные")
    assert "(найдено: 1)" in reply.text and "NC-2026-002" in reply.text
    reply = await people["teacher"].send("/ncr")
    assert "(найдено: 0)" in reply.text


# -- the workflow table, for every role ------------------------------------------------------

REPORTER, RESPONSIBLE, DEPT = 10, 20, 5
VIEWERS = {
    "manager": Viewer(1, frozenset({Role.MANAGER}), None),
    "auditor": Viewer(2, frozenset({Role.AUDITOR}), None),
    "observer": Viewer(3, frozenset({Role.OBSERVER}), None),
    "responsible": Viewer(RESPONSIBLE, frozenset({Role.HEAD}), DEPT),
    "reporter": Viewer(REPORTER, frozenset({Role.TEACHER}), DEPT),
    "other_head": Viewer(30, frozenset({Role.HEAD}), 99),
    "same_dept_head": Viewer(31, frozenset({Role.HEAD}), DEPT),
}
SUPERVISORS = {"manager", "auditor"}
EXPECTED = {
    NcAction.CLASSIFY: SUPERVISORS,
    NcAction.ASSIGN: SUPERVISORS,
    NcAction.REJECT: SUPERVISORS,
    NcAction.PLAN: {"responsible"},
    NcAction.REQUEST_DUE: {"responsible"},
    NcAction.DECIDE_DUE: {"manager"},
    NcAction.DONE: {"responsible"},
    NcAction.VERIFY: SUPERVISORS,
    NcAction.EFFECTIVE: SUPERVISORS,
    NcAction.NOT_EFFECTIVE: SUPERVISORS,
}


def sample(status: NcStatus) -> Nonconformity:
    from datetime import UTC, date, datetime

    return Nonconformity(
        id=1, number="NC-2026-001", source=Source.REPORT, status=status, description="x",
        reporter_id=REPORTER, created_at=datetime(2026, 11, 1, tzinfo=UTC), department_id=DEPT,
        responsible_id=RESPONSIBLE, requested_due_date=date(2026, 12, 1), done_by=RESPONSIBLE,
    )  # fmt: skip


@pytest.mark.parametrize("status", list(NcStatus))
@pytest.mark.parametrize("action", list(NcAction))
def test_every_transition_for_every_role(status: NcStatus, action: NcAction) -> None:
    nc = sample(status)
    for name, viewer in VIEWERS.items():
        allowed = status in TRANSITIONS[action].sources and name in EXPECTED[action]
        assert may_act(viewer, nc, action) is allowed, (name, status, action)


def test_nobody_verifies_his_own_action() -> None:
    nc = sample(NcStatus.DONE)
    doer = Viewer(RESPONSIBLE, frozenset({Role.HEAD, Role.AUDITOR}), DEPT)
    for verdict in (NcAction.VERIFY, NcAction.EFFECTIVE, NcAction.NOT_EFFECTIVE):
        assert not may_act(doer, nc, verdict)


def test_who_sees_what() -> None:
    nc = sample(NcStatus.NEW)
    seen = {name for name, viewer in VIEWERS.items() if may_see(viewer, nc)}
    assert seen == {"manager", "auditor", "observer", "responsible", "reporter", "same_dept_head"}
