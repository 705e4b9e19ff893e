"""/summary says what is live now before the period's figures: a running audit and an
overdue action are never hidden by the period filter; each figure opens its list."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from bot.domain.roles import Role
from bot.services.nonconformities import ReportDraft
from bot.services.now import NowBoard, NowLine
from tests.flows import boss, department, open_audit, person
from tests.harness import BotHarness

MINI = (Path(__file__).parent / "data" / "mini_checklist.yaml").read_bytes()


async def test_the_board_runs_its_providers_in_order_and_omits_zeros() -> None:
    async def later(today: date) -> list[NowLine]:
        return [NowLine("x.line", {"n": 1})]

    async def live(today: date) -> list[tuple[str, int]]:
        return [("b.key", 2), ("c.key", 0)]

    board = NowBoard([lambda today: [("a.key", today.day)]])
    board.add(live, {"b.key": later})
    assert await board.figures(date(2026, 12, 2)) == [("a.key", 2), ("b.key", 2)]
    assert await board.lines("b.key", date(2026, 12, 2)) == [NowLine("x.line", {"n": 1})]
    assert await board.lines("nope", date(2026, 12, 2)) is None


async def test_summary_shows_a_running_audit_and_an_overdue_action(harness: BotHarness) -> None:
    assert harness.app is not None
    d = harness.app.dispatcher
    manager = await boss(harness)
    dept = await department(harness, "МО начальных классов")
    _, head = await person(harness, 2004, "Иван", {Role.HEAD}, dept)
    _, auditor = await person(harness, 2001, "Светлана", {Role.AUDITOR}, None)
    _, olga = await person(harness, 2002, "Ольга", {Role.TEACHER}, dept)
    await d["departments"].set_head(manager, dept, head.id)
    await open_audit(harness, MINI, auditor, [olga], dept)  # 26.11–10.12
    ncs = d["ncs"]
    late = await ncs.report(manager, ReportDraft(department_id=dept, description="Нет журнала"))
    await ncs.assign(manager, late.id, head.id)
    today = d["audits"].today()
    await ncs.plan(head, late.id, None, ["Не заведён"], "Завести журнал", today + timedelta(days=2))
    await ncs.report(olga, ReportDraft(department_id=None, description="Сломан принтер"))
    harness.clock.advance(timedelta(days=6))  # Wednesday 2 December: 4 days overdue

    reply = await harness.user(1001, "Мария").send("/summary")
    text = reply.text
    assert text.index("Сейчас (02.12.2026)") < text.index("Сводка СМК — месяц")
    now = text.split("Сводка СМК")[0]
    assert "идёт 1 аудит" in now and "просрочено 1 действие" in now
    assert "1 несоответствие ждёт решения" in now
    assert "квалификац" not in now  # nothing expired: a zero is left out
    assert "идут 0" in text.split("Сводка СМК")[1]  # the period's own figure, as before

    director, _ = await person(harness, 2005, "Директор", {Role.OBSERVER}, None)
    reply = await director.send("/summary")
    reply = await director.press("просрочено 1 действие")
    assert "NC-2026-001 — дней просрочки: 4; Иван" in reply.text
    reply = await director.press("NC-2026-001")
    assert "Нет журнала" in reply.text
    await director.send("/summary")
    reply = await director.press("идёт 1 аудит")
    assert "A-2026-001 «Проверка» — МО начальных классов, срок 10.12.2026" in reply.text
    reply = await director.press("A-2026-001")
    assert "Проверка" in reply.text and not any("Заключение" in b for b in reply.last.buttons)
    await director.send("/summary")
    reply = await director.press("ждёт решения")
    assert "NC-2026-002 — ждёт назначения ответственного, дней: 6" in reply.text
    reply = await director.press("К сводке")
    assert "Сейчас (02.12.2026)" in reply.text


async def test_expired_competence_is_a_figure_of_now(harness: BotHarness) -> None:
    assert harness.app is not None
    d = harness.app.dispatcher
    manager = await boss(harness)
    _, olga = await person(harness, 2002, "Ольга", {Role.TEACHER}, None)
    competence = d["competence"]
    kpk = next(r for r in await competence.requirements() if r.code == "kpk")
    photo = {"file_id": "cert", "kind": "photo", "group": None}
    sent = await competence.submit(olga, kpk.id, date(2023, 1, 10), 72, [photo])
    await competence.review(manager, sent.record.id, True)
    reply = await harness.user(1001, "Мария").send("/summary")
    assert "истекла 1 квалификация сотрудников" in reply.text
    reply = await harness.user(1001, "Мария").press("истекла 1 квалификация")
    assert "Ольга — Курсы повышения квалификации (КПК): истекло 10.01.2026" in reply.text
    assert "🎓 Компетентность" in reply.last.buttons
