"""External providers: the manager adds a caterer, its owner is reminded once that the
yearly evaluation is due and evaluates it by the weighted criteria from the reminder; the
manager edits a weight, sets the status and raises an NC against it, shown on its card."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Connection

from bot.domain.nonconformities import Source
from bot.domain.roles import Role
from bot.domain.suppliers import DEFAULT_WEIGHTS, SupplierStatus, suggested_status, weighted_score
from bot.storage.events import EventLog
from tests.fakeapi import TgUser
from tests.flows import boss, department, person, sweep_at, texts
from tests.harness import BotHarness

MSK = ZoneInfo("Europe/Moscow")


def test_the_score_weighs_each_criterion() -> None:
    marks = {"quality": 4, "timeliness": 5, "compliance": 3, "responsiveness": 2}
    assert weighted_score(marks, DEFAULT_WEIGHTS) == 66  # 30 + 20 + 12,5 + 3,75
    assert weighted_score(dict.fromkeys(marks, 5), DEFAULT_WEIGHTS) == 100
    assert weighted_score(dict.fromkeys(marks, 1), DEFAULT_WEIGHTS) == 0
    only_quality = {"quality": 10, "timeliness": 0, "compliance": 0, "responsiveness": 0}
    assert weighted_score(marks, only_quality) == 75
    with pytest.raises(ValueError):
        weighted_score({**marks, "quality": 6}, DEFAULT_WEIGHTS)
    assert suggested_status(80) is SupplierStatus.APPROVED
    assert suggested_status(66) is SupplierStatus.CONDITIONAL
    assert suggested_status(59) is SupplierStatus.EXCLUDED


async def test_a_caterer_is_evaluated_by_its_owner_and_an_nc_is_raised_against_it(
    harness: BotHarness, manager: TgUser
) -> None:
    assert harness.app is not None
    dept = await department(harness, "Хозяйственная служба")
    ivan, _ = await person(harness, 3001, "Иван Сидоров", {Role.HEAD}, dept)
    await manager.send("/start")

    reply = await manager.send("/suppliers")
    assert "Поставщиков пока нет" in reply.text
    await manager.press("➕ Добавить")
    await manager.send("ООО «Школьное питание»")
    reply = await manager.send("питание")
    assert "<b>ООО «Школьное питание»</b>" not in reply.text  # rendered, not escaped twice
    assert "Поставляет: питание" in reply.text and "Статус: ✅ одобрен" in reply.text
    assert "Следующая оценка: 26.11.2026" in reply.text  # never evaluated: due at once
    await manager.press("📅 Договор")
    assert "Не понял срок" in (await manager.send("с сентября")).text
    reply = await manager.send("01.09.2026 – 31.08.2027")
    assert "Договор: 01.09.2026–31.08.2027" in reply.text
    await manager.press("👤 Ответственный")
    reply = await manager.press("Иван Сидоров")
    assert "Ответственный: Иван Сидоров" in reply.text

    suppliers = harness.app.dispatcher["suppliers"]
    assert await suppliers.now_counts(date(2026, 11, 26)) == [("suppliers.now.overdue", 1)]

    # The owner is reminded once and evaluates from the reminder.
    await sweep_at(harness, datetime(2026, 11, 26, 12, tzinfo=MSK))
    await sweep_at(harness, datetime(2026, 11, 26, 12, 5, tzinfo=MSK))
    told = texts(ivan, "Пора оценить поставщика «ООО «Школьное питание»»")
    assert len(told) == 1 and "ежегодная оценка с 26.11.2026" in told[0]
    reply = await ivan.press("⭐ Оценить")
    assert "критерий 1 из 4: качество" in reply.text
    first = reply.last.button("4")["callback_data"]
    reply = await ivan.press("4")
    assert "критерий 2 из 4: соблюдение сроков" in reply.text
    again = await ivan.press_data(first)
    assert "уже оценён" in str(again.alert)
    await ivan.press("5")
    await ivan.press("3")
    reply = await ivan.press("2")
    assert "Оценка сохранена: 66 из 100" in reply.text and "⚠️ условно" in reply.text
    assert "• 26.11.2026 — 66 из 100 (Иван Сидоров)" in reply.text
    assert "Следующая оценка: 26.11.2027" in reply.text
    late = await ivan.press_data(first)
    assert "уже оценён" in str(late.alert)
    assert await suppliers.now_counts(date(2026, 11, 27)) == [("suppliers.now.overdue", 0)]
    assert "только роли: менеджер по качеству" in (await ivan.send("/suppliers")).text

    # Weights are editable; a stale weight button changes nothing.
    await manager.send("/suppliers")
    reply = await manager.press("⚖️ Веса критериев")
    assert "• качество: 40 (40,0\xa0%)" in reply.text
    minus = reply.last.button("качество −5")["callback_data"]
    reply = await manager.press("качество −5")
    assert "• качество: 35 (36,8\xa0%)" in reply.text
    stale = await manager.press_data(minus)
    assert "Веса уже изменились" in str(stale.alert) and "• качество: 35" in manager.last.text

    # An NC against the provider, on its card; the status set by the manager.
    reply = await manager.send("/suppliers")
    assert "✅ ООО «Школьное питание» — питание · оценка 66 из 100" in reply.text
    reply = await manager.press("ООО «Школьное питание»")
    assert "Несоответствия:\n— нет" in reply.text
    await manager.press("⚠️ Несоответствие")
    reply = await manager.send("Холодные обеды 3 и 4 декабря")
    assert "Несоответствие NC-2026-001 зарегистрировано" in reply.text
    assert "• NC-2026-001 · " in reply.text and "Холодные обеды 3 и 4 декабря" in reply.text
    nc = await harness.app.dispatcher["ncs"].get(await boss(harness), 1)
    assert nc.source is Source.EXTERNAL_PROVIDER and nc.external_ref == "ООО «Школьное питание»"
    reply = await manager.press("⚠️ условно")
    assert "Статус: ⚠️ условно" in reply.text
    await manager.press("условно")  # a second tap: the card stays as it is
    assert "Статус: ⚠️ условно" in manager.last.text

    def history(conn: Connection) -> list[dict[str, object]]:
        return [e.data for e in EventLog(conn).for_entity("supplier", 1)]

    changes = [d for d in await harness.app.db.run(history) if d.get("status")]
    assert changes == [{"status": "conditional"}]
