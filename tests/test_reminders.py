"""Reminders arrive exactly once, at the right local time, and survive restarts and errors."""

from __future__ import annotations

import asyncio
import multiprocessing
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.domain.nonconformities import Nonconformity
from bot.domain.reminders import applicable_offset, in_quiet_time
from bot.services.nonconformities import ReportDraft
from bot.storage.notifications import LedgerRepo
from tests import another_process
from tests.fakeapi import TgUser
from tests.flows import add_department, join, make_invite, sweep_at, texts
from tests.harness import BotHarness

MSK = ZoneInfo("Europe/Moscow")


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=MSK)


async def planned_action(
    harness: BotHarness, manager: TgUser, due: date
) -> tuple[TgUser, Nonconformity]:
    """An NC of the Maintenance department, assigned to its head and planned to `due`."""
    await add_department(manager, "Хозяйственная часть")
    token = await make_invite(manager, ["руководитель"], "Хозяйственная часть")
    head = harness.user(3001, "Иван")
    await join(head, token)
    await manager.send("/start")  # the manager is registered (and gets reminders)
    assert harness.app is not None
    ncs, accounts = harness.app.dispatcher["ncs"], harness.app.dispatcher["accounts"]
    boss = await accounts.by_tg_id(manager.id)
    person = await accounts.by_tg_id(head.id)
    nc = await ncs.report(boss, ReportDraft(department_id=1, description="Не работает вытяжка"))
    await ncs.assign(boss, nc.id, person.id)
    nc = await ncs.plan(person, nc.id, None, ["Нет графика обслуживания"], "Ввести график", due)
    return head, nc


async def test_action_reminders_fire_on_the_right_days_and_only_once(
    harness: BotHarness, manager: TgUser
) -> None:
    head, _ = await planned_action(harness, manager, date(2026, 11, 30))  # Monday
    await sweep_at(harness, at(26, 12))  # Thursday: 4 days left, nothing yet
    assert texts(head, "Корректирующее действие") == []

    await sweep_at(harness, at(27, 12))  # Friday: 3 days left
    await sweep_at(harness, at(27, 12, 1))  # a second sweep sends nothing again
    assert texts(head, "срок через 3 дня (30.11.2026)") and len(texts(head, "Корректирующее")) == 1

    await sweep_at(harness, at(29, 12))  # Sunday: the 1-day reminder waits for the week
    assert len(texts(head, "Корректирующее")) == 1
    await sweep_at(harness, at(30, 7, 30))  # Monday before 08:00: still quiet
    assert len(texts(head, "Корректирующее")) == 1
    await sweep_at(harness, at(30, 8, 1))  # Monday morning: it goes, once
    assert texts(head, "срок сегодня (30.11.2026)")
    reminder = head.last
    assert [b for b in reminder.buttons] == [
        "📂 Открыть",
        "✅ Отметить выполнение",
        "⏰ Напомнить завтра",
    ]

    for day, late in ((1, "1 день"), (2, "2 дня"), (3, "3 дня")):
        await sweep_at(harness, at(day, 9, month=12))
        await sweep_at(harness, at(day, 15, month=12))
        assert len(texts(head, f"просрочено на {late}")) == 1, late
    # Escalation reaches the manager once, on the third day overdue.
    assert len(texts(manager, "🚨 NC-2026-001 просрочено на 3 дня")) == 1
    await sweep_at(harness, at(4, 9, month=12))
    assert len(texts(manager, "🚨")) == 1


async def test_snooze_and_a_changed_due_date_move_the_reminders(
    harness: BotHarness, manager: TgUser
) -> None:
    head, nc = await planned_action(harness, manager, date(2026, 11, 27))  # Friday
    await sweep_at(harness, at(30, 9))  # Monday: three days overdue
    assert texts(head, "просрочено на 3 дня")
    reply = await head.press("Напомнить завтра")
    assert reply.alert == "Хорошо, напомню после 01.12.2026 09:00."
    await sweep_at(harness, at(1, 8, 30, month=12))  # snoozed until 09:00
    assert not texts(head, "просрочено на 4 дня")
    await sweep_at(harness, at(1, 9, 5, month=12))
    assert len(texts(head, "просрочено на 4 дня")) == 1

    # A new due date: no more overdue reminders; the new date's come in their time.
    assert harness.app is not None
    ncs, accounts = harness.app.dispatcher["ncs"], harness.app.dispatcher["accounts"]
    person = await accounts.by_tg_id(head.id)
    boss = await accounts.by_tg_id(manager.id)
    await ncs.request_due(person, nc.id, date(2026, 12, 10), "Ждём поставку")
    await ncs.decide_due(boss, nc.id, True)
    await sweep_at(harness, at(2, 12, month=12))
    assert not texts(head, "просрочено на 5 дней")
    await sweep_at(harness, at(7, 12, month=12))
    assert texts(head, "срок через 3 дня (10.12.2026)")


@pytest.mark.slow  # a second interpreter imports aiogram: ~8 s
async def test_restart_and_a_second_process_sweeping_at_once_send_nothing_twice(
    harness: BotHarness, manager: TgUser
) -> None:
    head, _ = await planned_action(harness, manager, date(2026, 11, 27))
    harness.clock.set(at(26, 22))  # quiet: recorded, held
    assert harness.app is not None
    await harness.app.sweeper.run_once()
    assert not texts(head, "Корректирующее")
    await harness.restart()
    now = at(27, 8, 30)
    harness.clock.set(now)
    app = harness.app
    assert app is not None
    spawn = multiprocessing.get_context("spawn")
    ready, go = spawn.Event(), spawn.Event()
    other = spawn.Process(
        target=another_process.sweep,
        args=(harness.settings_values(), now.isoformat(), ready, go),
    )
    other.start()
    try:
        assert await asyncio.to_thread(ready.wait, 60), "the second process did not start"
        go.set()  # both sweep the same due reminders at the same moment
        await asyncio.gather(app.sweeper.run_once(), app.sweeper.run_once())
        await asyncio.to_thread(other.join, 60)
    finally:
        if other.is_alive():
            other.kill()
    assert other.exitcode == 0
    # The 1-day reminder recorded last night is superseded by "today": one message.
    assert len(texts(head, "Корректирующее")) == 1
    sent = await app.db.run(lambda c: LedgerRepo(c).sent_count("capa_due"))
    assert sent == 1


async def test_429_then_500_then_ok_delivers_exactly_one(
    harness: BotHarness, manager: TgUser
) -> None:
    head, _ = await planned_action(harness, manager, date(2026, 11, 27))
    assert harness.app is not None
    waits: list[float] = []

    async def no_sleep(seconds: float) -> None:
        waits.append(seconds)

    harness.app.outbound.sleep = no_sleep
    harness.api.fail_next("sendMessage", 429, "Too Many Requests: retry after 2", retry_after=2)
    harness.api.fail_next("sendMessage", 500, "Internal Server Error")
    await sweep_at(harness, at(26, 12))
    # Waited as told, then a short backoff after the Bot API's own error: sent once.
    assert waits == [2.0, 0.5] and len(texts(head, "Корректирующее")) == 1
    await sweep_at(harness, at(26, 12, 2))
    await sweep_at(harness, at(26, 12, 5))
    assert len(texts(head, "Корректирующее")) == 1


async def test_a_network_outage_leaves_the_reminder_for_a_later_sweep(
    harness: BotHarness, manager: TgUser
) -> None:
    head, _ = await planned_action(harness, manager, date(2026, 11, 27))
    assert harness.app is not None
    waits: list[float] = []

    async def no_sleep(seconds: float) -> None:
        waits.append(seconds)

    harness.app.outbound.sleep = no_sleep
    for _ in range(5):  # every try of this sweep: the Bot API says it failed
        harness.api.fail_next("sendMessage", 502, "Bad Gateway")
    await sweep_at(harness, at(26, 12))
    assert waits == [0.5, 1.0, 2.0, 4.0] and not texts(head, "Корректирующее")
    await sweep_at(harness, at(26, 12, 0))  # not yet time to retry
    assert not texts(head, "Корректирующее")
    await sweep_at(harness, at(26, 12, 2))
    assert len(texts(head, "Корректирующее")) == 1


async def test_a_user_who_blocked_the_bot_is_marked_and_skipped(
    harness: BotHarness, manager: TgUser
) -> None:
    head, _ = await planned_action(harness, manager, date(2026, 11, 27))
    assert harness.app is not None
    harness.api.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
    await sweep_at(harness, at(26, 12))
    accounts = harness.app.dispatcher["accounts"]
    assert (await accounts.by_tg_id(head.id)).bot_blocked
    await sweep_at(harness, at(27, 12))  # due today: he is skipped
    assert not texts(head, "Корректирующее")
    await head.send("/menu")  # he writes again: reminders resume
    assert not (await accounts.by_tg_id(head.id)).bot_blocked
    await sweep_at(harness, at(28, 12))  # Saturday: held
    await sweep_at(harness, at(30, 9))
    assert texts(head, "просрочено на 3 дня")


async def test_audit_reminders_and_weekly_digest(harness: BotHarness, manager: TgUser) -> None:
    await add_department(manager, "МО")
    await add_department(manager, "Совет")
    teacher = harness.user(2001, "Ольга")
    await join(teacher, await make_invite(manager, ["педагог"], "МО"))
    auditor = harness.user(2003, "Светлана")
    await join(auditor, await make_invite(manager, ["аудитор"], "Совет"))
    observer = harness.user(2005, "Директор")
    await join(observer, await make_invite(manager, ["наблюдатель"], "Без подразделения"))
    await manager.send("/newaudit")
    await manager.send("Проверка журналов")
    await manager.press("МО")
    await manager.press("Учебный процесс")
    await manager.press("риски")
    await manager.press("Далее")
    await manager.press("Взять предложенное")
    await manager.press("Взять предложенное")
    await manager.press("Светлана")
    await manager.press("Далее (соаудиторов: 0)")  # no co-auditors
    await manager.press("Все сотрудники подразделения (1)")
    await manager.send("03.12.2026")
    await manager.send("09.12.2026")
    await manager.press("Создать аудит")

    await sweep_at(harness, at(26, 12))  # 7 days before: auditor and respondent
    assert len(texts(auditor, "начнётся через 7 дней")) == 1
    assert len(texts(teacher, "начнётся через 7 дней")) == 1
    await sweep_at(harness, at(30, 9))  # Monday: the digest, once, to managers and observers
    await sweep_at(harness, at(30, 10))
    assert len(texts(manager, "Еженедельная сводка")) == 1
    assert len(texts(observer, "Еженедельная сводка")) == 1
    assert "A-2026-001 «Проверка журналов» 03.12.2026–09.12.2026" in texts(observer, "сводка")[0]
    assert not texts(teacher, "сводка")
    await sweep_at(harness, at(2, 12, month=12))  # 1 day before
    assert len(texts(teacher, "начнётся через 1 день")) == 1
    await sweep_at(harness, at(3, 10, month=12))  # the audit opens
    assert len(texts(teacher, "Начался аудит A-2026-001")) == 1
    await sweep_at(harness, at(7, 12, month=12))  # deadline in 2 days
    assert len(texts(teacher, "срок через 2 дня (09.12.2026)")) == 1
    assert teacher.last.buttons == ["▶️ Продолжить анкету", "⏰ Напомнить завтра"]
    await sweep_at(harness, at(9, 8, 30, month=12))
    assert len(texts(teacher, "срок сегодня (09.12.2026)")) == 1


def test_offsets_and_quiet_time() -> None:
    assert applicable_offset(9, (7, 1)) is None
    assert applicable_offset(7, (7, 1)) == 7
    assert applicable_offset(3, (7, 1)) == 7
    assert applicable_offset(1, (7, 1)) == 1
    assert applicable_offset(0, (2, 0)) == 0
    assert applicable_offset(-1, (2, 0)) is None
    assert in_quiet_time(at(26, 21), MSK, (21, 8), True)
    assert in_quiet_time(at(27, 7, 59), MSK, (21, 8), True)
    assert not in_quiet_time(at(27, 8), MSK, (21, 8), True)
    assert in_quiet_time(at(28, 12), MSK, (21, 8), True)  # Saturday
    assert not in_quiet_time(at(28, 12), MSK, (21, 8), False)
    assert not in_quiet_time(at(28, 3), MSK, (0, 0), False)


async def test_done_action_waiting_for_verification_reminds_the_manager_once(
    harness: BotHarness, manager: TgUser
) -> None:
    head, nc = await planned_action(harness, manager, date(2026, 12, 10))
    assert harness.app is not None
    accounts, ncs = harness.app.dispatcher["accounts"], harness.app.dispatcher["ncs"]
    person = await accounts.by_tg_id(head.id)
    await ncs.done(person, nc.id, "Вытяжку прочистили, акт подписан", [])
    await sweep_at(harness, at(27, 12))  # one day waiting: not yet
    assert not texts(manager, "ждёт проверки")
    await sweep_at(harness, at(30, 9))  # Monday: four days
    await sweep_at(harness, at(30, 15))
    assert (
        texts(manager, "выполнено и ждёт проверки уже 4 дня")
        and len(texts(manager, "ждёт проверки")) == 1
    )
    assert not texts(head, "ждёт проверки")
