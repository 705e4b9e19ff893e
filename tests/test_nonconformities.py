"""A teacher reports a problem; the head plans and does the action; the manager verifies."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.callbacks import NcCB, NcView
from bot.domain.nonconformities import (
    NcAction,
    NcStatus,
    Nonconformity,
    Source,
    Viewer,
    may_act,
    may_see,
)
from bot.domain.roles import Role
from bot.services.nonconformities import NcService, ReportDraft
from bot.services.templates import TemplateService
from bot.storage.db import Database
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
    # The head of the department is responsible by default and was told at once.
    assert "Иван" in reply.text and "NC-2026-001 · назначено" in reply.text
    assert "Вы назначены ответственным за NC-2026-001" in head.last.text
    # The old picker still in the chat cannot re-assign the same person.
    reply = await manager.press("Назначить ответственного")
    assert reply.last.buttons[0].startswith("👤 Иван")
    reply = await manager.press("👤 Иван")
    assert reply.alert == "Иван уже отвечает за это несоответствие."

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
    assert "Почему действие по NC-2026-001 эффективно?" in reply.text
    await manager.send("Две проверки подряд без замечаний, журнал подписан")
    reply = await manager.press("Закрыть без перепроверки")
    assert "NC-2026-001 · закрыто" in reply.text
    assert "закрыто: действие эффективно" in teacher.last.text

    reply = await manager.press("История")
    steps = [line.split(" · ")[2] for line in reply.text.splitlines()[2:] if " · " in line]
    assert [s.split(" (")[0] for s in steps] == [
        "зарегистрировано", "назначен ответственный", "классифицировано", "классифицировано",
        "запланировано действие", "выполнено", "признано неэффективным", "выполнено",
        "признано эффективным",
    ]  # fmt: skip
    assert "(выполнено → запланировано)" in reply.text
    assert " · бот · назначен ответственный (назначено)" in reply.text
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
    forged = [
        NcCB(action=NcView.OPEN, id=nc.id),
        NcCB(action=NcView.ASSIGN, id=nc.id, arg="3", v=nc.revision),
        NcCB(action=NcView.REJECT, id=nc.id, v=nc.revision),
        NcCB(action=NcView.EFFECTIVE, id=nc.id, v=nc.revision),
    ]
    for data in (cb.pack() for cb in forged):
        reply = await other.press_data(data)
        assert reply.alert == "Несоответствие не найдено или вам недоступно.", data
    # The teacher who reported it sees it, but may not assign it to himself.
    teacher = people["teacher"]
    reply = await teacher.press_data(NcCB(action=NcView.OPEN, id=nc.id).pack())
    assert "NC-2026-001 · назначено" in reply.text and "Ответственный: Иван" in reply.text
    assert not any("Назначить" in b for b in reply.last.buttons)
    reply = await teacher.press_data(
        NcCB(action=NcView.ASSIGN, id=nc.id, arg="4", v=nc.revision).pack()
    )
    assert reply.alert and "недоступно" in reply.alert
    reply = await teacher.press_data(NcCB(action=NcView.OPEN, id=999).pack())
    assert reply.alert == "Несоответствие не найдено или вам недоступно."
    # A button from another format (an older bot) is called stale, not obeyed.
    reply = await teacher.press_data(f"n1:as:{nc.id}:4")
    assert reply.alert == "Эта кнопка устарела. Откройте актуальный экран через /menu."
    fresh = await ncs.get(reporter, nc.id)
    assert fresh.status is NcStatus.ASSIGNED and fresh.responsible_id == nc.responsible_id


async def test_reports_at_once_from_two_connections_get_consecutive_numbers(
    harness: BotHarness, manager: TgUser
) -> None:
    people = await school(harness, manager)
    assert harness.app is not None
    app = harness.app
    ncs, accounts = app.dispatcher["ncs"], app.dispatcher["accounts"]
    first = await accounts.by_tg_id(people["teacher"].id)
    second = await accounts.by_tg_id(people["head"].id)
    # A second connection on its own thread, as a second process would have: the two
    # number NCs truly at the same time, and only the database can keep them apart.
    other_db = Database.of(app.settings)
    settings = app.settings
    other = NcService(
        other_db, app.clock, settings.tz, TemplateService(other_db, app.clock),
        settings.severity_due_days,
    )  # fmt: skip
    try:
        made = await asyncio.gather(
            *(
                service.report(who, ReportDraft(department_id=None, description=f"Проблема {n}"))
                for n, (service, who) in enumerate([(ncs, first), (other, second)] * 6)
            )
        )
    finally:
        await other_db.close()
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
        await ncs.plan(
            head, nc.id, None, ["Нет графика проверок"], "Ввести ежемесячную проверку", due
        )
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
N, A, P, D, V, C, R = "new", "assigned", "planned", "done", "verified", "closed", "rejected"
# Written out by hand, not read from TRANSITIONS: (who may act, from which statuses).
EXPECTED: dict[NcAction, tuple[set[str], set[str]]] = {
    NcAction.CLASSIFY: (SUPERVISORS, {N, A, P, D, V}),
    NcAction.ASSIGN: (SUPERVISORS, {N, A}),  # never from planned: that is a step backwards
    NcAction.REASSIGN: ({"manager"}, {P}),
    NcAction.REJECT: (SUPERVISORS, {N, A}),
    NcAction.PLAN: ({"responsible"}, {A}),
    NcAction.REQUEST_DUE: ({"responsible"}, {P}),
    NcAction.DECIDE_DUE: ({"manager"}, {P}),
    NcAction.DONE: ({"responsible"}, {P}),
    NcAction.VERIFY: (SUPERVISORS, {D}),
    NcAction.EFFECTIVE: (SUPERVISORS, {D, V}),
    NcAction.NOT_EFFECTIVE: (SUPERVISORS, {D, V}),
    NcAction.RECHECK: (SUPERVISORS, {C}),  # only while a re-check is pending
    NcAction.REOPEN: (SUPERVISORS, {C}),
}


def sample(status: NcStatus) -> Nonconformity:
    from datetime import UTC, date, datetime

    return Nonconformity(
        id=1, number="NC-2026-001", source=Source.REPORT, status=status, description="x",
        reporter_id=REPORTER, created_at=datetime(2026, 11, 1, tzinfo=UTC), department_id=DEPT,
        responsible_id=RESPONSIBLE, requested_due_date=date(2026, 12, 1), done_by=RESPONSIBLE,
        recheck_due=date(2027, 2, 1) if status is NcStatus.CLOSED else None,
    )  # fmt: skip


@pytest.mark.parametrize("status", list(NcStatus))
@pytest.mark.parametrize("action", list(NcAction))
def test_every_transition_for_every_role(status: NcStatus, action: NcAction) -> None:
    nc = sample(status)
    who, sources = EXPECTED[action]
    for name, viewer in VIEWERS.items():
        allowed = status.value in sources and name in who
        assert may_act(viewer, nc, action) is allowed, (name, status, action)


def test_a_closed_nc_without_a_pending_recheck_stays_closed() -> None:
    nc = sample(NcStatus.CLOSED)
    nc.recheck_due = None
    for action in NcAction:
        assert not may_act(VIEWERS["manager"], nc, action), action


def test_nobody_verifies_his_own_action() -> None:
    nc = sample(NcStatus.DONE)
    doer = Viewer(RESPONSIBLE, frozenset({Role.HEAD, Role.AUDITOR}), DEPT)
    for verdict in (NcAction.VERIFY, NcAction.EFFECTIVE, NcAction.NOT_EFFECTIVE):
        assert not may_act(doer, nc, verdict)


def test_who_sees_what() -> None:
    nc = sample(NcStatus.NEW)
    seen = {name for name, viewer in VIEWERS.items() if may_see(viewer, nc)}
    assert seen == {"manager", "auditor", "observer", "responsible", "reporter", "same_dept_head"}


async def test_a_clause_is_the_same_thing_in_a_checklist_and_on_an_nc(
    harness: BotHarness, manager: TgUser
) -> None:
    """ "7.0" is refused by the checklist validator, so the NC card must refuse it too."""
    from bot.domain.checklists import Question
    from bot.services.errors import Refused

    people = await school(harness, manager)
    assert harness.app is not None
    ncs, accounts = harness.app.dispatcher["ncs"], harness.app.dispatcher["accounts"]
    boss = await accounts.by_tg_id(manager.id)
    nc = await ncs.report(
        await accounts.by_tg_id(people["teacher"].id),
        ReportDraft(department_id=1, description="Сломан замок в кабинете 12"),
    )
    for text in ("7.0", "7.1.x", "3", "11", "7.1.5.1.2"):
        with pytest.raises(Refused):
            await ncs.classify(boss, nc.id, clause=text)
        with pytest.raises(ValueError, match="not a clause"):
            Question(id="q1", type="yes_no", text="Есть ли журнал?", clause=text)
    for text in ("7.1.4", "10.2", "8.5.1"):
        assert (await ncs.classify(boss, nc.id, clause=text)).clause == text
        assert Question(id="q1", type="yes_no", text="Есть ли журнал?", clause=text).clause == text
