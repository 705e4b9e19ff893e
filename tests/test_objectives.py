"""Quality objectives and the management review: the manager defines two objectives (one
KPI computed by the bot, one reported by its owner), the owner is asked at the period's end
and answers, a KPI past its threshold proposes an action in one tap, /review builds the
pack, the decisions become actions that are reminded, and the director approves."""

from __future__ import annotations

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import docx

from bot.domain.objectives import (
    Direction,
    Frequency,
    Kpi,
    Objective,
    Standing,
    Status,
    asked_for,
    month_slots,
    objective_status,
    parse_number,
    standing,
    term_slots,
)
from bot.domain.roles import Role
from bot.domain.school_calendar import load_calendar
from bot.services.kpi_sources import SOURCES
from bot.storage.files import FileStore, store_root
from tests.fakeapi import TgUser
from tests.flows import boss, department, person, sweep_at, texts
from tests.harness import BotHarness

MSK = ZoneInfo("Europe/Moscow")


def kpi(direction: Direction = Direction.HIGHER, target: float = 90, threshold: float = 80) -> Kpi:
    return Kpi(1, 1, "k", "%", direction, target, threshold, Frequency.MONTH, "reported")


# -- the rules -------------------------------------------------------------------------------


def test_numbers_are_read_as_staff_type_them() -> None:
    assert parse_number("86,8") == 86.8
    assert parse_number("86.8") == 86.8
    assert parse_number("86,8 %") == 86.8
    assert parse_number(" 86,8% ") == 86.8
    assert parse_number("1 200") == 1200
    assert parse_number("-3") == -3
    for bad in ("", "восемьдесят", "86,8,1", "86 процентов", "≈86"):
        assert parse_number(bad) is None, bad


def test_a_value_stands_against_target_and_threshold_by_direction() -> None:
    higher = kpi()
    assert standing(higher, 90) is Standing.MET
    assert standing(higher, 85) is Standing.SHORT
    assert standing(higher, 80) is Standing.SHORT  # at the threshold: not yet past it
    assert standing(higher, 79.9) is Standing.BREACH
    lower = kpi(Direction.LOWER, target=5, threshold=10)
    assert standing(lower, 4) is Standing.MET
    assert standing(lower, 10) is Standing.SHORT
    assert standing(lower, 11) is Standing.BREACH


def test_an_objectives_status_comes_from_its_kpis() -> None:
    a, b = kpi(), kpi(Direction.LOWER, target=5, threshold=10)
    assert objective_status([(a, None), (b, None)], ended=False) is Status.NO_DATA
    assert objective_status([(a, 95), (b, 3)], ended=False) is Status.ON_TRACK
    assert objective_status([(a, 95), (b, None)], ended=True) is Status.ON_TRACK
    assert objective_status([(a, 85), (b, 3)], ended=False) is Status.AT_RISK
    assert objective_status([(a, 95), (b, 12)], ended=False) is Status.AT_RISK
    assert objective_status([(a, 85), (b, 3)], ended=True) is Status.MISSED


def test_periods_are_months_or_the_calendars_terms() -> None:
    objective = Objective(1, "t", "p", 1, date(2026, 9, 1), date(2027, 8, 31))
    months = month_slots(objective.period_start, objective.period_end)
    assert len(months) == 12 and months[0].key == "2026-09" and months[-1].end == date(2027, 8, 31)
    assert months[5].name == "02.2027" and months[5].end == date(2027, 2, 28)
    terms = term_slots(objective.period_start, objective.period_end, load_calendar().terms)
    assert [(t.name, t.start, t.end) for t in terms] == [
        ("1 четверть", date(2026, 9, 1), date(2026, 10, 25)),
        ("2 четверть", date(2026, 11, 5), date(2026, 12, 30)),
        ("3 четверть", date(2027, 1, 12), date(2027, 3, 27)),
        ("4 четверть", date(2027, 4, 6), date(2027, 5, 31)),
    ]


def test_the_owner_is_asked_for_ended_periods_since_the_kpi_and_the_one_before() -> None:
    months = month_slots(date(2026, 9, 1), date(2027, 8, 31))
    asked = asked_for(months, date(2026, 11, 26), date(2026, 11, 30))
    assert [s.key for s in asked] == ["2026-10", "2026-11"]  # not September
    assert [s.key for s in asked_for(months, date(2026, 9, 2), date(2026, 10, 1))] == ["2026-09"]
    assert asked_for(months, date(2026, 9, 2), date(2026, 9, 29)) == []


def test_computed_sources_are_a_registry_with_seams_for_other_features() -> None:
    assert {"audit_compliance", "actions_on_time", "competence_valid"} <= set(SOURCES)
    assert {"acknowledgements", "parent_satisfaction"} <= set(SOURCES)  # issues 14 and 16


# -- the story -------------------------------------------------------------------------------


async def define_objective(
    manager: TgUser, title: str, owner: str, kpi_name: str, unit: str, numbers: tuple[str, str],
    frequency: str, source: str,
) -> str:  # fmt: skip
    await manager.send("/objectives")
    await manager.press("➕ Новая цель")
    await manager.send(title)
    reply = await manager.send("Образовательный процесс")
    assert owner in reply.last.buttons
    reply = await manager.press(owner)
    assert "Период: 01.09.2026–31.08.2027" in reply.text  # the school year by default
    await manager.press("➕ Показатель")
    await manager.send(kpi_name)
    await manager.send(unit)
    await manager.press("Чем больше, тем лучше")
    assert "Нужно число" in (await manager.send("много")).text
    await manager.send(numbers[0])
    reply = await manager.send("95")  # a threshold above the target: asked again
    assert "не выше цели" in reply.text
    await manager.send(numbers[1])
    await manager.press(frequency)
    reply = await manager.press(source)
    assert kpi_name in reply.text
    return reply.text


async def test_objectives_values_actions_and_the_management_review(
    harness: BotHarness, manager: TgUser
) -> None:
    assert harness.app is not None
    dispatcher = harness.app.dispatcher
    await manager.send("/start")
    dept = await department(harness, "МО учителей математики")
    head, head_user = await person(harness, 3001, "Иван Сидоров", {Role.HEAD, Role.TEACHER}, dept)
    await dispatcher["departments"].set_head(await boss(harness), dept, head_user.id)
    director, _ = await person(harness, 4001, "Анна Директорова", {Role.OBSERVER}, None)

    # Two objectives: one KPI the bot computes, one the owner reports each term.
    card = await define_objective(
        manager, "Все сотрудники с действующей квалификацией", "Иван Сидоров",
        "Сотрудники с действующей квалификацией", "%", ("90", "80"), "ежемесячно",
        "доля сотрудников с действующей квалификацией",
    )  # fmt: skip
    assert "цель ≥ 90\xa0%, порог 80\xa0%" in card and "ежемесячно" in card
    assert "❌ 0\xa0%" in card  # nobody has his certificates in yet
    card = await define_objective(
        manager, "Повысить качество подготовки к ОГЭ", "Иван Сидоров",
        "Средний балл ОГЭ по математике", "балл", ("4", "3,5"), "каждую четверть",
        "вводит ответственный",
    )  # fmt: skip
    assert "нет значения" in card and "каждую четверть" in card
    reply = await head.send("/objectives")  # a head reads them
    assert "🔴" not in reply.text and "Повысить качество подготовки к ОГЭ" in reply.text
    reply = await director.send("/objectives")
    assert "Все сотрудники с действующей квалификацией" in reply.text
    assert "➕ Новая цель" not in reply.last.buttons

    # The 1st term ended on 25.10: its value is asked for now; the computed KPI's October
    # is past its threshold and proposes an action. Quiet hours hold both till the morning.
    await sweep_at(harness, datetime(2026, 11, 26, 22, tzinfo=MSK))
    assert texts(head, "Пора ввести значение") == []
    await sweep_at(harness, datetime(2026, 11, 27, 9, tzinfo=MSK))
    await sweep_at(harness, datetime(2026, 11, 27, 9, 5, tzinfo=MSK))
    asked = texts(head, "Пора ввести значение показателя «Средний балл ОГЭ по математике»")
    assert len(asked) == 1 and "за 1 четверть" in asked[0]
    breach = texts(head, "Показатель «Сотрудники с действующей квалификацией»")
    assert (
        len(breach) == 1 and "за 10.2026: 0\xa0%" in breach[0] and "за порогом 80\xa0%" in breach[0]
    )

    told = next(m for m in head.chat() if "Показатель «Сотрудники" in m.text)
    tap = told.button("⚠️ Несоответствие")["callback_data"]
    reply = await head.press("⚠️ Несоответствие", told)
    assert "Зарегистрировано: NC-2026-001" in reply.text
    again = await head.press_data(tap, told)
    assert "Уже зарегистрировано: NC-2026-001" in again.text  # one tap, one record
    nc = await dispatcher["ncs"].get(await boss(harness), 1)
    assert nc.source.value == "objective" and nc.responsible_id == head_user.id
    assert "Сотрудники с действующей квалификацией" in nc.description

    # The owner answers: a word is refused and asked again, "3,2" taken, a comment added.
    await head.press("✍️ Ввести значение")
    reply = await head.send("три и две десятых")
    assert "Не понял число" in reply.text
    reply = await head.send("3,2")
    assert "комментарий или файл" in reply.text
    reply = await head.send("Пробный экзамен, две группы")
    assert (
        "Сохранено: «Средний балл ОГЭ по математике» за 1 четверть — ❌ 3,2\xa0балл" in reply.text
    )
    assert "за порогом" in reply.text
    reply = await head.press("💡 Возможность для улучшения")
    assert "Зарегистрировано: NC-2026-002" in reply.text
    improvement = await dispatcher["ncs"].get(await boss(harness), 2)
    assert improvement.severity is not None and improvement.severity.value == "improvement"
    await sweep_at(harness, datetime(2026, 11, 30, 9, tzinfo=MSK))
    assert len(texts(head, "Пора ввести значение")) == 1  # given: not asked again

    # The 2nd term ends on 30.12: asked that day, once; again three days later if not given.
    await sweep_at(harness, datetime(2026, 12, 29, 12, tzinfo=MSK))
    assert texts(head, "за 2 четверть") == []
    await sweep_at(harness, datetime(2026, 12, 30, 12, tzinfo=MSK))
    await sweep_at(harness, datetime(2026, 12, 30, 12, 5, tzinfo=MSK))
    asked = "«Средний балл ОГЭ по математике» (цель «Повысить качество подготовки к ОГЭ»)"
    assert len(texts(head, f"Пора ввести значение показателя {asked} за 2 четверть")) == 1
    await sweep_at(harness, datetime(2027, 1, 4, 12, tzinfo=MSK))  # Monday, three days on
    assert len(texts(head, "за 2 четверть")) == 2

    objectives = dispatcher["objectives"]
    counts = dict(await objectives.now_counts(date(2027, 1, 4)))
    assert counts == {"objectives.now.at_risk": 2, "objectives.now.awaited": 1}
    digests = texts(manager, "Еженедельная сводка СМК")  # 30.11, 29.12 (a day late), 04.01
    assert len(digests) == 3 and all("Цели под угрозой: 2" in d for d in digests)

    # The 2nd term's value with an album of two photos, its caption the comment.
    await head.press("✍️ Ввести значение")
    await head.send("4,1")
    big = await head.send_document(b"x" * (20 * 1024 * 1024 + 1), "scan.pdf")
    assert "Файл слишком большой: не больше 20 МБ" in big.text  # FILE_MAX_MB, as anywhere
    reply = await head.send_album(2, caption="Протоколы пробного ОГЭ")
    assert "Сохранено: «Средний балл ОГЭ по математике» за 2 четверть — ✅ 4,1\xa0балл" in (
        reply.text
    )
    assert "за порогом" not in reply.text
    _objective, series = await objectives.series(2)
    given = series.reported[series.points[1][0].key]
    assert len(given.evidence) == 2 and given.comment == "Протоколы пробного ОГЭ"
    store = FileStore(store_root(harness.database))  # the school's own copy of each photo
    assert [store.get(item["sha256"]) for item in given.evidence] == [b"photo 0", b"photo 1"]
    first_ask = next(m for m in head.chat() if "за 1 четверть" in m.text and m.buttons)
    stale = await head.press_data(first_ask.button("Ввести значение")["callback_data"])
    assert "уже введено" in str(stale.alert)  # an old reminder's button changes nothing
    counts = dict(await objectives.now_counts(date(2027, 1, 4)))
    assert counts["objectives.now.awaited"] == 0

    # The chart of a KPI's values.
    await manager.send("/objectives")
    await manager.press("Повысить качество подготовки к ОГЭ")
    await manager.press("📈 Средний балл ОГЭ")
    assert manager.last.photo and "❌ 1 четверть: 3,2\xa0балл" in manager.last.text
    assert "✅ 2 четверть: 4,1\xa0балл" in manager.last.text

    # The management review: the issues typed, the pack built as 9.3.2 a–f.
    reply = await manager.send("/review")
    assert "Анализов пока не было" in reply.text
    await manager.press("🆕 Новый анализ")
    await manager.press("2026/27")
    await manager.send("Новый ФГОС ООО с 01.09.2026")
    await manager.press("Без изменений")
    await manager.send("Директор, менеджер по качеству, руководители МО")
    pack_message = next(m for m in reversed(manager.chat()) if m.document)
    assert "Анализ от 04.01.2027" in pack_message.text
    document = open_docx(harness, pack_message.document)
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    for expected in (
        "а) Статус действий по результатам предыдущих анализов",
        "б) Изменения внешних и внутренних факторов",
        "1) Удовлетворённость потребителей и обратная связь",
        "2) Степень достижения целей в области качества",
        "3) Результаты процессов и соответствие услуг (показатели)",
        "4) Несоответствия и корректирующие действия",
        "5) Результаты мониторинга и измерений",
        "6) Результаты аудитов",
        "7) Результаты деятельности внешних поставщиков",
        "г) Достаточность ресурсов",
        "д) Результативность действий в отношении рисков и возможностей",
        "е) Возможности для улучшения",
    ):
        assert expected in headings, expected
    body = "\n".join(p.text for p in document.paragraphs)
    assert "Новый ФГОС ООО с 01.09.2026" in body
    assert "Нет данных: опросы удовлетворённости" in body
    assert "Нет данных: реестр рисков" in body
    assert "Нет данных: внешние поставщики" in body
    assert "1 четверть: 3,2\xa0балл; 2 четверть: 4,1\xa0балл" in body
    assert "Зарегистрировано несоответствий: 2" in body
    assert "NC-2026-002" in body  # the improvement opportunity, under f)
    assert "УТВЕРЖДАЮ" in body and "Анна Директорова" in body
    cells = {c.text for t in document.tables for row in t.rows for c in row.cells}
    assert "Повысить качество подготовки к ОГЭ" in cells and "под угрозой" in cells
    assert len(document.inline_shapes) == 2  # a chart per KPI

    # A decision after the meeting becomes an action that is reminded.
    await manager.press("➕ Решение", pack_message)
    await manager.press("Потребность в ресурсах")
    await manager.send("Закупить интерактивную панель для кабинета математики")
    await manager.press("Иван Сидоров")
    assert "Не понял дату" in (await manager.send("завтра")).text
    assert "Эта дата уже прошла" in (await manager.send("01.12.2026")).text
    reply = await manager.send("20.01.2027")
    assert "Решение внесено: действие NC-2027-001" in reply.text
    await harness.app.idle()
    assert "NC-2027-001" in head.last.text
    await sweep_at(harness, datetime(2027, 1, 19, 12, tzinfo=MSK))
    assert len(texts(head, "NC-2027-001")) >= 2  # the ordinary due-date reminder

    # To the director: «Утверждаю» in one tap, a second tap changes nothing.
    await manager.press("✍️ На утверждение директору")
    await harness.app.idle()
    late = await manager.press("➕ Решение", pack_message)  # the first pack's old button
    assert "Уже отправлено на утверждение" in str(late.alert)
    told = director.last
    assert "просит утвердить анализ СМК" in told.text
    tap = told.button("Утверждаю")["callback_data"]
    await head.press_data(tap)  # a forged button on a head's phone: nothing happens
    reviews = dispatcher["reviews"]
    assert (await reviews.list())[0].status.value == "sent"
    reply = await director.press("Утверждаю", told)
    assert "✅ Утверждено" in reply.text
    again = await director.press_data(tap, told)
    assert "уже утверждён" in str(again.alert)
    await harness.app.idle()
    assert "Анна Директорова утвердил(а) анализ СМК" in manager.last.text
    final = next(m for m in reversed(manager.chat()) if m.document)  # built when sent
    assert final.id != pack_message.id and "Закупить интерактивную панель" in final.text
    document = open_docx(harness, final.document)
    assert any("интерактивную панель" in c.text for t in document.tables for r in t.rows
               for c in r.cells)  # fmt: skip
    await director.press("Материалы", director.last)  # the record's pack, as it was kept
    assert director.last.document["file_id"] == final.document["file_id"]
    assert director.last.buttons == []

    # An objective no longer pursued leaves the list; a second tap changes nothing.
    await manager.send("/objectives")
    card_message = await manager.press("Все сотрудники с действующей квалификацией")
    tap = card_message.last.button("В архив")["callback_data"]
    reply = await manager.press("В архив")
    assert "Все сотрудники с действующей квалификацией" not in reply.text
    assert "Повысить качество подготовки к ОГЭ" in reply.text
    again = await manager.press_data(tap)
    assert "не найдены" in str(again.alert)

    # The next review's pack shows the decision's status.
    await manager.send("/review")
    await manager.press("🆕 Новый анализ")
    await manager.press("2026/27")
    await manager.press("Без изменений")
    await manager.press("Без изменений")
    await manager.send("Директор, менеджер по качеству")
    pack_message = next(m for m in reversed(manager.chat()) if m.document)
    document = open_docx(harness, pack_message.document)
    rows = [[c.text for c in row.cells] for t in document.tables for row in t.rows]
    decision = next(r for r in rows if "интерактивную панель" in r[0])
    assert decision[0] == (
        "Потребность в ресурсах: Закупить интерактивную панель для кабинета математики"
    )
    assert decision[1:] == ["NC-2027-001", "Иван Сидоров", "20.01.2027", "запланировано"]


def open_docx(harness: BotHarness, document: dict[str, str]) -> docx.document.Document:
    content, _ = harness.api.files[document["file_id"]]
    return docx.Document(io.BytesIO(content))


def test_other_features_plug_in_review_sections_and_kpi_sources() -> None:
    from bot.domain.objectives import Review, ReviewStatus
    from bot.reports.review import build_review_pack
    from bot.reports.review_pack import SEAMS, SECTION_PROVIDERS, ReviewPack
    from bot.services import kpi_sources

    words = {"number.locale": "ru"}

    def gettext(key: str) -> str:
        return words.get(key, key)

    review = Review(1, date(2027, 6, 20), date(2026, 9, 1), date(2027, 8, 31), "Директор",
                    None, None, ReviewStatus.DRAFT, 1)  # fmt: skip
    pack = ReviewPack(review, "Орлов", sections={"risks": ["Риск 1: снижен до 4"], "surveys": None})
    document = docx.Document(io.BytesIO(build_review_pack(pack, gettext)))
    body = [p.text for p in document.paragraphs]
    assert "Риск 1: снижен до 4" in body  # a provider's lines replace "no data"
    assert "reviews.docx.seam.risks" not in body and "reviews.docx.seam.surveys" in body
    assert set(SECTION_PROVIDERS) <= set(SEAMS)  # filled by bot/services/integration.py

    seam = kpi_sources.SOURCES["acknowledgements"]
    try:
        kpi_sources.register("acknowledgements", lambda span: 97.5)
        assert kpi_sources.SOURCES["acknowledgements"](None) == 97.5  # type: ignore[arg-type]
    finally:
        kpi_sources.register("acknowledgements", seam)


async def test_an_english_owner_is_asked_and_answers_in_english(
    harness: BotHarness, manager: TgUser
) -> None:
    assert harness.app is not None
    dispatcher = harness.app.dispatcher
    await manager.send("/start")
    john, john_user = await person(harness, 3005, "John Smith", {Role.HEAD}, None, language="en")
    objectives = dispatcher["objectives"]
    objective = await objectives.add_objective(
        await boss(harness), "Fewer late lessons", "Teaching process", john_user.id
    )
    await objectives.add_kpi(await boss(harness), objective.id, {
        "name": "Late lessons", "unit": "%", "direction": "lower", "target": 2, "threshold": 5,
        "frequency": "month", "source": "reported",
    })  # fmt: skip
    await sweep_at(harness, datetime(2026, 11, 30, 12, tzinfo=MSK))  # November's last day
    asked = texts(john, "Time to enter the value of «Late lessons»")
    assert sorted(asked) == [
        "📈 Time to enter the value of «Late lessons» (objective «Fewer late lessons») for "
        f"{month}.2026."
        for month in ("10", "11")
    ]  # defined in November: October's and November's, not September's
    # The two asks go out at once, in either order: John answers November's.
    november = next(m for m in john.chat() if "for 11.2026" in m.text and m.buttons)
    await john.press("Enter the value", november)
    assert "That is not a number" in (await john.send("two")).text
    await john.send("6.5 %")
    reply = await john.press("No comment")
    assert "Saved: «Late lessons» for 11.2026: ❌ 6.5%" in reply.text  # lower is better
    assert "past the threshold (5%)" in reply.text
    assert reply.last.buttons == ["⚠️ Nonconformity", "💡 Improvement opportunity"]


async def test_the_manager_edits_an_objective_and_its_kpi_from_the_card(
    harness: BotHarness, manager: TgUser
) -> None:
    """Issue 15's gap: a typo in the wording, a new owner, a shorter period, a target
    raised — each from the card, each an event; a word for a number and a target past its
    threshold are refused and asked again; a button of an older card changes nothing."""
    from bot.storage.events import EventLog

    assert harness.app is not None
    objectives = harness.app.dispatcher["objectives"]
    await manager.send("/start")
    dept = await department(harness, "МО учителей математики")
    _, ivan = await person(harness, 3001, "Иван Сидоров", {Role.HEAD}, dept)
    await person(harness, 3002, "Ольга Петрова", {Role.HEAD}, dept)
    objective = await objectives.add_objective(
        await boss(harness), "Повысить качество подготовки к ОГЗ", "Образование", ivan.id
    )
    await objectives.add_kpi(await boss(harness), objective.id, {
        "name": "Средний бал ОГЭ", "unit": "балл", "direction": "higher", "target": 4,
        "threshold": 3.5, "frequency": "term", "source": "reported",
    })  # fmt: skip

    await manager.send("/objectives")
    card = (await manager.press("Повысить качество подготовки к ОГЗ")).last
    old_edit = card.button("✏️ Изменить")["callback_data"]
    reply = await manager.press("✏️ Изменить", card)
    assert "Что изменить в цели «Повысить качество подготовки к ОГЗ»?" in reply.text
    assert reply.last.buttons[:4] == ["Формулировка", "Процесс", "Ответственный", "Период"]
    reply = await manager.press("Формулировка")
    assert "Сейчас: Повысить качество подготовки к ОГЗ" in reply.text
    reply = await manager.send("Повысить качество подготовки к ОГЭ")
    assert "Повысить качество подготовки к ОГЭ" in reply.text and "ОГЗ" not in reply.text
    # The card drawn before the change: its edit button is refused, the card shown anew.
    stale = await manager.press_data(old_edit, card)
    assert stale.alert is not None and "уже изменилась" in stale.alert
    assert "Повысить качество подготовки к ОГЭ" in stale.text

    await manager.press("✏️ Изменить")
    reply = await manager.press("Ответственный")
    assert "Ольга Петрова" in reply.last.buttons
    reply = await manager.press("Ольга Петрова")
    assert "Ответственный: Ольга Петрова" in reply.text and reply.alert == "Изменено."

    await manager.press("✏️ Изменить")
    await manager.press("Период")
    reply = await manager.send("до конца мая")
    assert "Нужны две даты" in reply.text  # asked again, nothing lost
    reply = await manager.send("31.05.2027–01.09.2026")
    assert "начало не позже конца" in reply.text
    reply = await manager.send("01.09.2026 – 31.05.2027")
    assert "Период: 01.09.2026–31.05.2027" in reply.text

    # The KPI: a misspelt name, a target typed as a word, then below its threshold.
    await manager.press("✏️ Изменить")
    reply = await manager.press("📏 Средний бал ОГЭ")
    assert "Что изменить в показателе «Средний бал ОГЭ»?" in reply.text
    assert reply.last.buttons[:5] == [
        "Название", "Единица измерения", "Цель", "Порог", "Периодичность"
    ]  # fmt: skip
    await manager.press("Название")
    reply = await manager.send("Средний балл ОГЭ по математике")
    assert "Средний балл ОГЭ по математике" in reply.text
    await manager.press("✏️ Изменить")
    await manager.press("📏 Средний балл ОГЭ")
    reply = await manager.press("Цель")
    assert "Сейчас: 4\xa0балл" in reply.text
    assert "Нужно число" in (await manager.send("четыре с половиной")).text
    reply = await manager.send("3")
    assert "Цель должна быть не ниже порога" in reply.text
    reply = await manager.send("4,5")
    assert "цель ≥ 4,5\xa0балл, порог 3,5\xa0балл" in reply.text

    await manager.press("✏️ Изменить")
    await manager.press("📏 Средний балл ОГЭ")
    await manager.press("Порог")
    reply = await manager.send("5")
    assert "Порог должен быть не выше цели" in reply.text
    reply = await manager.send("3,8")
    assert "порог 3,8\xa0балл" in reply.text

    await manager.press("✏️ Изменить")
    await manager.press("📏 Средний балл ОГЭ")
    screen = (await manager.press("Периодичность")).last
    monthly = screen.button("ежемесячно")["callback_data"]
    reply = await manager.press("ежемесячно", screen)
    assert "ежемесячно" in reply.text and reply.alert == "Изменено."
    again = await manager.press_data(monthly, screen)  # a second tap changes nothing twice
    assert again.alert is not None and "уже изменилась" in again.alert

    # The head reads the card and is not offered the edit.
    head = harness.user(3001, "Иван Сидоров")
    reply = await head.send("/objectives")
    reply = await head.press("Повысить качество подготовки к ОГЭ")
    assert "✏️ Изменить" not in reply.last.buttons

    events = await harness.app.db.run(
        lambda conn: EventLog(conn).for_entity("objective", objective.id)
    )
    changes = [(e.action, e.data["field"], e.data["after"]) for e in events if "edited" in e.action]
    assert changes == [
        ("edited", "title", {"title": "Повысить качество подготовки к ОГЭ"}),
        ("edited", "owner", {"owner_id": 3}),
        ("edited", "period", {"period_start": "2026-09-01", "period_end": "2027-05-31"}),
        ("kpi_edited", "name", "Средний балл ОГЭ по математике"),
        ("kpi_edited", "target", 4.5),
        ("kpi_edited", "threshold", 3.8),
        ("kpi_edited", "frequency", "month"),
    ]
    assert all(e.actor_id is not None for e in events)


async def test_a_reported_kpi_with_values_keeps_its_frequency(
    harness: BotHarness, manager: TgUser
) -> None:
    """Its values are kept by period: a new frequency would orphan them, so it is refused
    (with its reason), and nothing is changed or logged."""
    from bot.services.errors import Refused
    from bot.services.objectives import revision_mark

    assert harness.app is not None
    objectives = harness.app.dispatcher["objectives"]
    await manager.send("/start")
    _, ivan = await person(harness, 3001, "Иван Сидоров", {Role.HEAD}, None)
    boss_user = await boss(harness)
    objective = await objectives.add_objective(boss_user, "Меньше опозданий", "Уроки", ivan.id)
    kpi = await objectives.add_kpi(boss_user, objective.id, {
        "name": "Опоздания", "unit": "%", "direction": "lower", "target": 2, "threshold": 5,
        "frequency": "month", "source": "reported",
    })  # fmt: skip
    await objectives.enter_value(ivan, kpi.id, "2026-10", 3.0, None, [])
    mark = revision_mark(objective, [kpi])
    try:
        await objectives.edit_kpi(boss_user, kpi.id, mark, "frequency", "term")
    except Refused as refusal:
        assert refusal.key == "objectives.frequency_has_values"
    else:
        raise AssertionError("the frequency was changed")
    changed = await objectives.edit_kpi(boss_user, kpi.id, mark, "threshold", 6)
    assert changed.frequency.value == "month" and changed.threshold == 6
