"""The features built in parallel feed each other: risks, providers, documents, surveys and
objectives show in /summary's "now" block (each figure opening its list), in the weekly
digest, in the management review pack and as KPI sources; a high risk raises an audit's
frequency in the programme."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import docx

from bot.domain.documents import DocType
from bot.domain.programme import Frequency, PastAudit, suggest_frequency
from bot.domain.risks import RiskKind
from bot.domain.roles import Role
from bot.domain.suppliers import CRITERIA
from bot.services.kpi_sources import Span, measure
from bot.storage.documents import DocumentRepo
from tests.flows import boss, department, person
from tests.harness import BotHarness

MSK = ZoneInfo("Europe/Moscow")
FILE = {"file_id": "vsk", "kind": "document", "name": "vsk.pdf"}


async def world(harness: BotHarness) -> dict[str, Any]:
    """A maths department with a teacher and its head; a regulation for its teachers that
    Ольга has not read; a high risk accepted and scored but not treated; a caterer added
    today (its first evaluation due now); an objective whose KPI is the share of
    acknowledgements, at 0 % against a threshold of 90 %."""
    assert harness.app is not None
    d = harness.app.dispatcher
    manager = await boss(harness)
    dept = await department(harness, "МО математики")
    _, olga = await person(harness, 2002, "Ольга Петрова", {Role.TEACHER}, dept)
    _, ivan = await person(harness, 2003, "Иван Сидоров", {Role.HEAD}, dept)
    docs = d["documents"]
    card = await docs.create(manager, "П-01", "Положение о ВШК", DocType.REGULATION, FILE)
    version = card.latest.id
    # The audience as the approval screen sets it (its service method was renamed on main).
    teachers = frozenset({Role.TEACHER})
    await docs.db.run(lambda conn: DocumentRepo(conn).set_audience(version, teachers, frozenset()))
    await docs.approve(manager, version)
    await docs.enforce(manager, version)
    risks = d["risks"]
    risk = await risks.propose(manager, RiskKind.RISK, "Срыв подготовки к ОГЭ", dept)
    risk = await risks.decide(manager, risk.id, risk.revision, True)
    risk = await risks.change(manager, risk.id, risk.revision, likelihood=4, impact=4)
    supplier = await d["suppliers"].add(manager, "ООО «Школьное питание»", "питание")
    objectives = d["objectives"]
    objective = await objectives.add_objective(
        manager, "Все знают свои документы", "Управление документацией", ivan.id
    )
    await objectives.add_kpi(manager, objective.id, {
        "name": "Ознакомления", "unit": "%", "direction": "higher", "target": 100,
        "threshold": 90, "frequency": "month", "source": "acknowledgements",
    })  # fmt: skip
    return {"manager": manager, "dept": dept, "olga": olga, "ivan": ivan, "version": version,
            "risk": risk, "supplier": supplier}  # fmt: skip


async def test_now_shows_each_feature_and_each_figure_opens_its_list(
    harness: BotHarness,
) -> None:
    await world(harness)
    manager = harness.user(1001, "Мария")
    reply = await manager.send("/summary")
    now = reply.text.split("Сводка СМК")[0]
    assert now.splitlines()[1:5] == [
        "• 1 цель под угрозой",
        "• 1 ознакомление с документами не отмечено",
        "• 1 высокий риск без обработки",
        "• 1 поставщик ждёт оценки",
    ]
    # Zeros are omitted: no survey open, no KPI value awaited, no review or action late.
    assert len([line for line in now.splitlines() if line.startswith("•")]) == 4
    risk_button = "1 высокий риск без обработки"
    reply = await manager.press(risk_button)
    assert "Срыв подготовки к ОГЭ — высокий (16), без обработки" in reply.text
    reply = await manager.press("R-001")
    assert "Срыв подготовки к ОГЭ" in reply.text  # the risk's own card

    await manager.send("/summary")
    reply = await manager.press("1 ознакомление с документами не отмечено")
    assert "П-01 «Положение о ВШК» — не ознакомлен(а): Ольга Петрова" in reply.text
    reply = await manager.press("П-01")
    assert "Положение о ВШК" in reply.text

    await manager.send("/summary")
    reply = await manager.press("1 цель под угрозой")
    assert "Все знают свои документы — под угрозой; ответственный: Иван Сидоров" in reply.text
    reply = await manager.press("Все знают свои документы")
    assert "Ознакомления" in reply.text  # the objective's card with its KPI

    await manager.send("/summary")
    reply = await manager.press("1 поставщик ждёт оценки")
    assert "ООО «Школьное питание» — ежегодная оценка ждёт с 26.11.2026" in reply.text
    reply = await manager.press("ООО «Школьное питание»")
    assert "питание" in reply.text


async def test_late_things_of_each_feature_open_their_lists(harness: BotHarness) -> None:
    """An open survey, a risk action and a document review past their dates: each figure
    lists them and opens its card."""
    assert harness.app is not None
    d = harness.app.dispatcher
    found = await world(harness)
    manager_user = found["manager"]
    await d["surveys"].create(manager_user, "parents", date(2026, 12, 10), "5А")
    risk = found["risk"]
    await d["risks"].add_action(manager_user, risk.id, "Пробные экзамены", found["ivan"].id,
                                date(2026, 11, 27))  # fmt: skip
    await d["documents"].set_review(manager_user, found["version"], date(2026, 11, 28))
    harness.clock.advance(timedelta(days=4))  # Monday 30.11

    manager = harness.user(1001, "Мария")
    reply = await manager.send("/summary")
    for figure in ("1 открытый опрос", "1 просроченное действие по рискам",
                   "1 документ с просроченным пересмотром"):  # fmt: skip
        assert f"• {figure}" in reply.text, figure
    reply = await manager.press("1 открытый опрос")
    assert "Удовлетворённость родителей — ответов: 0, до 10.12.2026" in reply.text
    reply = await manager.press("Удовлетворённость родителей")
    assert "Удовлетворённость родителей" in reply.text and "5А" in reply.text
    await manager.send("/summary")
    reply = await manager.press("1 просроченное действие по рискам")
    assert "R-001: Пробные экзамены — дней просрочки: 3" in reply.text
    await manager.send("/summary")
    reply = await manager.press("1 документ с просроченным пересмотром")
    assert "П-01 «Положение о ВШК» — пересмотр был нужен до 28.11.2026" in reply.text
    reply = await manager.press("П-01")
    assert "Положение о ВШК" in reply.text


async def test_the_weekly_digest_counts_untreated_risks_and_evaluations_due(
    harness: BotHarness,
) -> None:
    assert harness.app is not None
    await world(harness)
    manager = harness.user(1001, "Мария")
    await manager.send("/start")
    harness.clock.set(datetime(2026, 11, 30, 12, tzinfo=MSK))  # Monday: the digest
    await harness.app.sweeper.run_once()
    digest = next(m.text for m in manager.chat() if "Еженедельная сводка СМК" in m.text)
    assert "Высокие и критические риски без обработки: 1" in digest
    assert "Поставщики, ждущие ежегодной оценки: 1" in digest
    assert "Цели под угрозой: 1" in digest


async def test_acknowledgements_and_parent_satisfaction_are_kpi_sources(
    harness: BotHarness,
) -> None:
    assert harness.app is not None
    d = harness.app.dispatcher
    found = await world(harness)
    await person(harness, 2004, "Анна Волкова", {Role.TEACHER}, found["dept"])
    db, today = d["documents"].db, date(2026, 11, 26)

    def share(conn: Any) -> float | None:
        return measure("acknowledgements", Span(conn, date(2026, 11, 1), date(2026, 11, 30),
                                                 today, MSK))  # fmt: skip

    assert await db.run(share) == 0.0  # two teachers, none has read it
    await d["documents"].acknowledge(found["olga"], found["version"])
    assert await db.run(share) == 50.0
    october = Span(None, date(2026, 10, 1), date(2026, 10, 31), today, MSK)  # type: ignore

    def before(conn: Any) -> float | None:  # the regulation was not in force: nothing due
        return measure("acknowledgements", replace(october, conn=conn))

    assert await db.run(before) is None

    def satisfaction(conn: Any) -> float | None:
        return measure("parent_satisfaction", Span(conn, date(2026, 11, 1), date(2026, 12, 31),
                                                    today, MSK))  # fmt: skip

    assert await db.run(satisfaction) is None  # no survey of parents yet
    surveys = d["surveys"]
    survey = await surveys.create(found["manager"], "parents", today + timedelta(days=10), "5А")
    token = survey.groups[0].token
    marks = {"teaching": 5, "information": 4, "safety": 4, "catering": 2, "recommend": 0}
    await surveys.submit(token, 9001, marks, None)
    await surveys.submit(token, 9002, {**marks, "catering": 5}, None)
    # (5+4+4+2 + 5+4+4+5) / 8 on the 1–5 scale; the choice question is not a score
    assert await db.run(satisfaction) == 4.12
    students = await surveys.create(found["manager"], "students", today + timedelta(days=5), "5")
    await surveys.submit(students.groups[0].token, 9003, {"lessons": 1}, None)
    assert await db.run(satisfaction) == 4.12  # the students' survey is not the parents'


async def test_the_review_pack_fills_the_four_sections(harness: BotHarness) -> None:
    assert harness.app is not None
    d = harness.app.dispatcher
    found = await world(harness)
    manager_user = found["manager"]
    surveys = d["surveys"]
    survey = await surveys.create(manager_user, "parents", date(2026, 12, 6), "5А")
    token = survey.groups[0].token
    for account in range(5):  # SURVEY_MIN_GROUP = 5: just enough to be shown
        await surveys.submit(token, 9100 + account, {"teaching": 4 + account % 2}, None)
    small = await surveys.create(manager_user, "students", date(2026, 12, 6), "6")
    await surveys.submit(small.groups[0].token, 9200, {"lessons": 3}, None)
    suppliers = d["suppliers"]
    await suppliers.evaluate(manager_user, found["supplier"].id, dict.fromkeys(CRITERIA, 4))
    raised = await suppliers.raise_nc(manager_user, found["supplier"].id, "Холодный обед")
    risks = d["risks"]
    risk = found["risk"]
    risk = await risks.change(manager_user, risk.id, risk.revision, treatment="reduce")
    await risks.add_action(manager_user, risk.id, "Пробные экзамены", found["ivan"].id,
                           date(2026, 11, 27))  # fmt: skip
    risk = await risks.get(risk.id)
    await risks.change(manager_user, risk.id, risk.revision, residual_likelihood=2,
                       residual_impact=2)  # fmt: skip
    harness.clock.advance(timedelta(days=3))  # 29.11: the action is two days late

    manager = harness.user(1001, "Мария")
    await manager.send("/review")
    await manager.press("🆕 Новый анализ")
    await manager.press("2026/27")
    await manager.send("Без изменений во внешней среде")
    await manager.press("Без изменений")
    await manager.send("Директор, менеджер по качеству")
    pack = next(m for m in reversed(manager.chat()) if m.document)
    content, _ = harness.api.files[pack.document["file_id"]]
    body = "\n".join(p.text for p in docx.Document(io.BytesIO(content)).paragraphs)
    for absent in ("опросы удовлетворённости", "реестр рисков", "внешние поставщики"):
        assert f"Нет данных: {absent}" not in body, absent
    assert "Удовлетворённость родителей (26.11.2026–06.12.2026), ответов: 5." in body
    assert "ребёнка? — 4,4" in body and "4,40" not in body  # a mean, one decimal
    assert "Удовлетворённость обучающихся (26.11.2026–06.12.2026), ответов: 1. Ответов " \
        "меньше минимума для показа — результаты скрыты." in body  # fmt: skip
    assert "Насколько тебе интересно" not in body
    assert (
        "ООО «Школьное питание»: одобрен; последняя оценка 75 из 100 (26.11.2026); "
        f"несоответствия: {raised.number}" in body
    )
    assert "Риски по уровню до обработки (всего 1): низкий: 0, средний: 0, высокий: 1, " \
        "критический: 0" in body  # fmt: skip
    assert "После обработки (оценено повторно 1): низкий: 1" in body
    assert "Действия по рискам: 1, выполнено 0, просрочено 1" in body
    assert "Документов в действии: 1; ознакомления выполнены: 0,0\xa0%" in body
    assert "Ознакомлений не выполнено: 1" in body


def test_a_high_or_critical_risk_suggests_each_term() -> None:
    clean = [PastAudit(date(2026, 5, 1), 95.0, 0), PastAudit(date(2025, 12, 1), 92.0, 0)]
    assert suggest_frequency(clean, 0, 75.0).frequency is Frequency.YEARLY
    high = suggest_frequency(clean, 0, 75.0, risk="high")
    assert high.frequency is Frequency.TERM and high.reason == "programme.reason.risk_high"
    critical = suggest_frequency([], 0, 75.0, Frequency.YEARLY, risk="critical")
    assert critical.frequency is Frequency.TERM
    assert critical.reason == "programme.reason.risk_critical"
    medium = suggest_frequency(clean, 0, 75.0, risk="medium")
    assert medium.reason == "programme.reason.clean"  # a medium risk changes nothing


async def test_the_programme_suggests_each_term_for_a_department_with_a_high_risk(
    harness: BotHarness,
) -> None:
    await world(harness)  # R-001, high (16), in the maths department
    await department(harness, "МО начальных классов")
    manager = harness.user(1001, "Мария")
    await manager.send("/program")
    await manager.press("Повторяющаяся строка")
    checklist = manager.last.buttons[0]
    await manager.press(checklist)
    reply = await manager.press("МО математики")
    assert "Предлагается: каждую четверть — в подразделении есть высокий риск" in reply.text
    assert "⭐ каждую четверть" in reply.last.buttons
    await manager.press("К программе")
    await manager.press("Повторяющаяся строка")
    await manager.press(checklist)
    reply = await manager.press("МО начальных классов")  # no risk there: the usual pace
    assert "⭐ дважды в год" in reply.last.buttons and "ещё не было" in reply.text
