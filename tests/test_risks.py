"""Risks and opportunities: a teacher proposes a risk in chat; the manager accepts it,
scores it, treats it with an action whose owner is reminded before the due date and once
late, and re-scores it after treatment; the register by level and the heat map."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.domain.risks import Level, Risk, RiskKind, RiskStatus, Treatment, level_of, score
from bot.domain.roles import Role
from tests.fakeapi import TgUser
from tests.flows import department, person, sweep_at, texts
from tests.harness import BotHarness

MSK = ZoneInfo("Europe/Moscow")


def test_score_is_likelihood_times_impact_and_its_level_follows_the_5x5_matrix() -> None:
    assert score(4, 5) == 20 and score(None, 3) is None
    with pytest.raises(ValueError):
        score(0, 3)
    assert [level_of(v) for v in (1, 4, 5, 9, 10, 16, 20, 25)] == [
        Level.LOW, Level.LOW, Level.MEDIUM, Level.MEDIUM, Level.HIGH, Level.HIGH,
        Level.CRITICAL, Level.CRITICAL,
    ]  # fmt: skip
    risk = Risk(1, RiskKind.RISK, RiskStatus.ACTIVE, "t", 1, datetime(2026, 1, 1), likelihood=4,
                impact=4)  # fmt: skip
    assert risk.level is Level.HIGH and risk.needs_treatment()
    risk.treatment = Treatment.ACCEPT
    assert risk.needs_treatment()  # accepting a high risk is not treating it
    risk.treatment = Treatment.REDUCE
    assert not risk.needs_treatment()
    risk.residual_likelihood, risk.residual_impact = 2, 3
    assert risk.residual_score == 6 and risk.residual_level is Level.MEDIUM


async def test_a_teachers_risk_is_accepted_scored_treated_reminded_and_rescored(
    harness: BotHarness, manager: TgUser
) -> None:
    assert harness.app is not None
    dept = await department(harness, "Хозяйственная служба")
    olga, _ = await person(harness, 2001, "Ольга Петрова", {Role.TEACHER}, dept)
    await manager.send("/start")

    # The teacher proposes a risk in three steps.
    reply = await olga.send("/risks")
    assert "В реестре пока ничего нет" in reply.text
    await olga.press("➕ Предложить")
    reply = await olga.press("⚠️ Риск")
    assert reply.last.buttons[0] == "Хозяйственная служба"  # her own department first
    reply = await olga.press("Хозяйственная служба")
    assert "что может пойти не так" in reply.text
    assert "Напишите хотя бы несколько слов" in (await olga.send(".")).text
    reply = await olga.send("Задержка поставки учебников к 1 сентября")
    assert "R-001 «Задержка поставки учебников к 1 сентября» передан менеджеру" in reply.text
    reply = await olga.send("/risks")
    assert "На рассмотрении у менеджера" in reply.text and "R-001" in reply.text
    assert "R-001" not in " ".join(reply.last.buttons)  # not hers to open before acceptance
    forged = await olga.press_data("rk1:ok:1::0")  # a forged "accept" on her phone
    assert forged.alert and "Принят" not in str(forged.alert)

    # The manager is told once, accepts it; a second tap of the old button changes nothing.
    await sweep_at(harness, datetime(2026, 11, 26, 12, 30, tzinfo=MSK))
    await sweep_at(harness, datetime(2026, 11, 26, 12, 35, tzinfo=MSK))
    told = texts(manager, "Ольга Петрова предлагает риск R-001 «Задержка поставки учебников")
    assert len(told) == 1 and texts(olga, "предлагает") == []
    reply = await manager.press("🎯 Открыть риск")
    assert "предложен" in reply.text
    accept = reply.last.button("Принять в реестр")["callback_data"]
    reply = await manager.press("Принять в реестр")
    assert "в реестре" in reply.text and "Оценка: вероятность — × последствия — = ⚪ не оценён" in (
        reply.text
    )
    again = await manager.press_data(accept)
    assert "Карточка уже изменилась" in str(again.alert)

    reply = await manager.press("В4")
    reply = await manager.press("П5")
    assert "Оценка: вероятность 4 × последствия 5 = 🔴 20 — критический" in reply.text
    stale = reply.last.button("П3")["callback_data"].replace(":r", ":r")
    reply = await manager.press("снизить")
    assert "Обработка: снизить" in reply.text and "✅ снизить" in reply.last.buttons
    old = await manager.press_data(stale)  # drawn before the treatment was chosen
    assert "Карточка уже изменилась" in str(old.alert)
    assert "4 × последствия 5" in manager.last.text  # the old tap changed nothing
    await manager.press("✏️ Причина")
    reply = await manager.send("Поставщик срывает сроки второй год")
    assert "Причина: Поставщик срывает сроки второй год" in reply.text
    await manager.press("👤 Владелец")
    reply = await manager.press("Ольга Петрова")
    assert "Владелец: Ольга Петрова" in reply.text
    await manager.press("📅 Пересмотр")
    reply = await manager.send("01.03.2027")
    assert "Пересмотр: 01.03.2027" in reply.text

    # A treatment action with its owner and due date.
    await manager.press("➕ Действие")
    await manager.send("Заключить договор с резервным поставщиком")
    await manager.press("Ольга Петрова")
    assert "До какого числа" not in (await manager.send("01.11.2026")).text  # a past day
    reply = await manager.send("04.12.2026")
    assert "1. ⏳ Заключить договор с резервным поставщиком — Ольга Петрова, до 04.12.2026" in (
        reply.text
    )

    assert await harness.app.dispatcher["risks"].top_levels() == {dept: Level.CRITICAL}
    counts = await harness.app.dispatcher["risks"].now_counts(date(2026, 12, 7))
    assert counts == [("risks.now.untreated", 0), ("risks.now.overdue_actions", 1)]

    # Reminded as a corrective action is: 3 days before (Tuesday 01.12), once; then late.
    await sweep_at(harness, datetime(2026, 11, 30, 12, tzinfo=MSK))
    assert texts(olga, "действие по обработке риска") == []
    await sweep_at(harness, datetime(2026, 12, 1, 12, tzinfo=MSK))
    await sweep_at(harness, datetime(2026, 12, 1, 12, 5, tzinfo=MSK))
    due = texts(olga, "R-001: действие по обработке риска")
    assert due == [
        "⏳ R-001: действие по обработке риска «Заключить договор с резервным поставщиком» — "
        "срок 04.12.2026 (через 3 дня)."
    ]
    await sweep_at(harness, datetime(2026, 12, 7, 12, tzinfo=MSK))
    late = texts(olga, "срок был 04.12.2026")
    assert len(late) == 1 and "просрочено на 3 дня" in late[0]
    assert olga.last.buttons == ["✅ Выполнено", "🎯 Открыть риск"]
    reply = await olga.press("✅ Выполнено")
    assert "Действие отмечено выполненным" in str(reply.alert)
    assert "1. ✅ Заключить договор" in olga.last.text
    again = await olga.press_data("rk2:1")
    assert "уже отмечено выполненным" in str(again.alert)
    await sweep_at(harness, datetime(2026, 12, 8, 12, tzinfo=MSK))
    assert texts(olga, "просрочено на 4 дня") == []  # done: no more reminders

    # Re-scored after treatment; the register by level and the heat map.
    await manager.send("/risks")
    await manager.press("R-001")
    await manager.press("📉 После обработки")
    await manager.press("В2")
    reply = await manager.press("П3")
    assert "После обработки — Оценка: вероятность 2 × последствия 3 = 🟡 6 — средний" in reply.text
    reply = await manager.send("/risks")
    assert "🔴 20 — критический · R-001 Задержка поставки учебников к 1 сентября" in reply.text
    mark = len(manager.chat())
    await manager.press("🗺 Тепловая карта")
    photo = next(m for m in manager.chat()[mark:] if m.photo)
    assert "Рисков в реестре с оценкой: 1" in photo.text

    # Its review date: the owner is told once.
    await sweep_at(harness, datetime(2027, 2, 26, 12, tzinfo=MSK))
    assert texts(olga, "Пора пересмотреть риск") == []
    await sweep_at(harness, datetime(2027, 3, 1, 12, tzinfo=MSK))
    await sweep_at(harness, datetime(2027, 3, 2, 12, tzinfo=MSK))
    assert texts(olga, "Пора пересмотреть риск R-001 «Задержка поставки учебников") != []
    assert len(texts(olga, "Пора пересмотреть риск")) == 1


async def test_an_english_teacher_proposes_an_opportunity(harness: BotHarness) -> None:
    john, _ = await person(harness, 2005, "John Smith", {Role.TEACHER}, None, language="en")
    await john.send("/risks")
    await john.press("Propose")
    await john.press("Opportunity")
    reply = await john.press("The school as a whole")
    assert "what opportunity do you see" in reply.text
    reply = await john.send("A grant to equip the physics lab")
    assert "R-001 «A grant to equip the physics lab» is with the quality manager" in reply.text


async def test_the_owner_is_picked_from_pages_of_people(
    harness: BotHarness, manager: TgUser
) -> None:
    assert harness.app is not None
    for n in range(24):
        await person(harness, 4000 + n, f"Учитель {n:02d}", {Role.TEACHER}, None)
    risks = harness.app.dispatcher["risks"]
    teacher = (await risks.people())[-1]
    risk = await risks.propose(teacher, RiskKind.RISK, "Протечка кровли в спортзале", None)
    await manager.send("/risks")
    await manager.press("R-001")
    await manager.press("Принять в реестр")
    reply = await manager.press("👤 Владелец")
    assert "1/2" in reply.last.buttons and len(reply.last.buttons) == 20 + 3
    reply = await manager.press("▶️")
    assert "2/2" in reply.last.buttons and "◀️" in reply.last.buttons
    last = reply.last.buttons[-4]
    reply = await manager.press(last)
    assert f"Владелец: {last}" in reply.text and risk.number in reply.text


async def test_a_risk_gets_its_process_and_is_closed_with_a_reason(
    harness: BotHarness, manager: TgUser
) -> None:
    """Issue 16's gap: a risk names its process; the manager closes it from its card with a
    reason; it leaves the list by level and the heat map and is read under «Закрытые»; an
    older card's close button and a second close change nothing."""
    from bot.storage.events import EventLog

    assert harness.app is not None
    risks = harness.app.dispatcher["risks"]
    olga, olga_user = await person(harness, 2001, "Ольга Петрова", {Role.TEACHER}, None)
    await manager.send("/start")
    for title in ("Протечка кровли в спортзале", "Сбой электронного журнала"):
        await risks.propose(olga_user, RiskKind.RISK, title, None)
    await manager.send("/risks")
    await manager.press("R-001")
    await manager.press("Принять в реестр")
    await manager.press("В4")
    await manager.press("П4")
    await manager.press("⚙️ Процесс")
    reply = await manager.send("Управление инфраструктурой")
    assert "Процесс: Управление инфраструктурой" in reply.text
    await manager.send("/risks")
    await manager.press("R-002")
    await manager.press("Принять в реестр")
    await manager.press("В2")
    await manager.press("П3")
    reply = await manager.send("/risks")
    assert "R-001 Протечка кровли" in reply.text and "🗄 Закрытые" not in " ".join(
        reply.last.buttons
    )
    assert await risks.heat() == {(4, 4): 1, (2, 3): 1}

    card = (await manager.press("R-001")).last
    assert "Процесс: Управление инфраструктурой" in card.text
    close = card.button("🗄 Закрыть")["callback_data"]
    reply = await manager.press("🗄 Закрыть", card)
    assert "Почему R-001 закрывается?" in reply.text
    assert "хотя бы несколько слов" in (await manager.send("-")).text  # asked again
    reply = await manager.send("Кровля отремонтирована, акт приёмки подписан")
    assert "R-001 закрыт" in reply.text
    assert "закрыт" in reply.last.text and "Закрыт: Кровля отремонтирована" in reply.last.text
    assert "🗄 Закрыть" not in reply.last.buttons and "В4" not in reply.last.buttons
    again = await manager.press_data(close, card)  # the card's old button: nothing twice
    assert "Карточка уже изменилась" in str(again.alert)

    reply = await manager.send("/risks")
    assert "R-001" not in reply.text and "R-002 Сбой электронного журнала" in reply.text
    assert "🗄 Закрытые: 1" in reply.last.buttons
    assert await risks.heat() == {(2, 3): 1}
    mark = len(manager.chat())
    await manager.press("🗺 Тепловая карта")
    photo = next(m for m in manager.chat()[mark:] if m.photo)
    assert "Рисков в реестре с оценкой: 1" in photo.text  # R-002 only
    assert await risks.top_levels() == {None: Level.MEDIUM}
    reply = await olga.send("/risks")  # anyone reads the closed ones too
    reply = await olga.press("🗄 Закрытые: 1")
    assert "R-001 Протечка кровли в спортзале — Кровля отремонтирована" in reply.text
    reply = await olga.press("R-001")
    assert "Закрыт: Кровля отремонтирована, акт приёмки подписан" in reply.text

    events = await harness.app.db.run(lambda conn: EventLog(conn).for_entity("risk", 1))
    assert [e.data for e in events if e.action == "closed"] == [
        {"reason": "Кровля отремонтирована, акт приёмки подписан"}
    ]
    assert any(e.data.get("process") == "Управление инфраструктурой" for e in events)
