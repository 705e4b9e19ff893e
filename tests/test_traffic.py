"""Staff on real phones: messages that arrive together, albums, a flaky Telegram, forged and
stale input. The bot handles updates concurrently, as `python -m bot` does."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from aiogram.fsm.storage.base import StorageKey

from bot.app import App
from bot.callbacks import NcCB, NcView
from bot.domain.audits import evidence_pieces
from bot.domain.roles import Role
from bot.handlers.nc_card import NcPlanning
from bot.services.nonconformities import ReportDraft
from bot.storage.answers import AnswerRepo
from bot.storage.db import Database
from bot.storage.fsm import SQLStorage
from bot.storage.notifications import LedgerRepo
from tests.fakeapi import Fault, TgUser
from tests.flows import assigned_nc, boss, department, open_audit, person
from tests.harness import MANAGER_ID, TOKEN, BotHarness

MINI = (Path(__file__).parent / "data" / "mini_checklist.yaml").read_bytes()


def apologies(*people: TgUser) -> list[str]:
    return [m.text for p in people for m in p.chat() if m.text.startswith(("Извините", "Sorry"))]


async def head_with_nc(harness: BotHarness) -> tuple[TgUser, int]:
    facilities = await department(harness, "Хозяйственная часть")
    head, record = await person(harness, 3001, "Иван", {Role.HEAD}, facilities)
    nc = await assigned_nc(harness, record, facilities)
    return head, nc.id


async def open_card(head: TgUser, nc_id: int) -> None:
    await head.send("/actions")
    await head.press_data(NcCB(action=NcView.OPEN, id=nc_id).pack())


# -- bursts --------------------------------------------------------------------------------


async def test_a_correction_and_three_whys_sent_at_once_are_all_kept(
    harness: BotHarness,
) -> None:
    head, nc_id = await head_with_nc(harness)
    await open_card(head, nc_id)
    await head.press("Принять и спланировать")
    # Typed on the bus without network; they reach the bot in one batch.
    reply = await head.send_burst(
        "Заменили лампу",
        "Лампа перегорела",
        "Нет графика проверки аварийного света",
        "Никто не отвечает за освещение",
    )
    asked = [m.text for m in reply.messages]
    assert len(asked) == 4
    assert "Почему это произошло? (1/5)" in asked[0]
    assert "А почему «Лампа перегорела»? (2/5)" in asked[1]
    assert "А почему «Нет графика проверки аварийного света»? (3/5)" in asked[2]
    assert "А почему «Никто не отвечает за освещение»? (4/5)" in asked[3]
    await head.press("Это коренная причина")
    await head.send("Назначить ответственного и ввести ежемесячную проверку")
    reply = await head.send("10.12.2026")
    assert "Заменили лампу" in reply.text and "3. Никто не отвечает за освещение" in reply.text
    await head.press("Утвердить план")
    assert harness.app is not None
    nc = await harness.app.dispatcher["ncs"].get(await boss(harness), nc_id)
    assert nc.correction == "Заменили лампу"
    assert nc.root_cause == [
        "Лампа перегорела",
        "Нет графика проверки аварийного света",
        "Никто не отвечает за освещение",
    ]


async def test_typed_answers_sent_at_once_answer_their_own_questions(
    harness: BotHarness,
) -> None:
    school = await department(harness, "МО")
    teacher, olga = await person(harness, 2001, "Ольга", {Role.TEACHER}, school)
    _, auditor = await person(harness, 2003, "Светлана", {Role.AUDITOR}, None)
    audit = await open_audit(harness, MINI, auditor, [olga])
    await teacher.send("/audits")
    await teacher.press("A-2026-001")
    reply = await teacher.press("Все ответы")
    await teacher.press("5", reply.last)  # the typed questions: 5 (a number) and 6 (a text)
    reply = await teacher.send_burst("3", "Больше практических работ")
    assert len(reply.messages) == 2
    assert "вопрос 6/6" in reply.messages[0].text
    assert "Отвечено 2 из 6" in reply.messages[1].text
    assert harness.app is not None
    answers = await harness.app.db.run(lambda c: AnswerRepo(c).of(audit.id, olga.id))
    assert answers["m05"].value == "3" and answers["m06"].value == "Больше практических работ"


# -- albums --------------------------------------------------------------------------------


async def test_an_album_of_five_is_one_piece_of_evidence_with_one_confirmation(
    harness: BotHarness,
) -> None:
    school = await department(harness, "МО")
    teacher, olga = await person(harness, 2001, "Ольга", {Role.TEACHER}, school)
    _, auditor = await person(harness, 2003, "Светлана", {Role.AUDITOR}, None)
    audit = await open_audit(harness, MINI, auditor, [olga])
    await teacher.send("/audits")
    await teacher.press("A-2026-001")
    await teacher.press("Да")
    await teacher.press("Да")  # question 2 needs a photo
    reply = await teacher.send_album(5, caption="Журнал, все страницы")
    assert [m.text for m in reply.messages] == [
        "📎 Сохранено к вопросу 2. Доказательств: 1. Можно отправить ещё или нажать «Готово»."
    ]
    assert harness.app is not None
    answers = await harness.app.db.run(lambda c: AnswerRepo(c).of(audit.id, olga.id))
    assert len(answers["m02"].evidence) == 5 and evidence_pieces(answers["m02"].evidence) == 1
    reply = await teacher.press("Готово")
    assert "Насколько удобен электронный журнал" in reply.text


async def test_a_report_keeps_every_photo_of_two_albums(harness: BotHarness) -> None:
    await department(harness, "Хозяйственная часть")
    teacher, _ = await person(harness, 2001, "Анна", {Role.TEACHER}, None)
    await teacher.send("/report")
    await teacher.press("Хозяйственная часть")
    # An album with the description as its caption, then another album.
    reply = await teacher.send_album(3, caption="Протекает крыша в спортзале")
    assert reply.messages[0].text.startswith("Приложите фото или файлы")
    reply = await teacher.send_album(5)
    assert [m.text for m in reply.messages] == ["📎 Файлов: 8. Можно добавить ещё или продолжить."]
    await teacher.press("Далее")
    reply = await teacher.press("незначительное")
    assert "NC-2026-001" in reply.text
    assert harness.app is not None
    nc = await harness.app.dispatcher["ncs"].get(await boss(harness), 1)
    assert nc.description == "Протекает крыша в спортзале" and len(nc.evidence) == 8


async def test_an_album_without_a_caption_asks_for_the_description_once(
    harness: BotHarness,
) -> None:
    await department(harness, "Хозяйственная часть")
    teacher, _ = await person(harness, 2001, "Анна", {Role.TEACHER}, None)
    await teacher.send("/report")
    await teacher.press("Хозяйственная часть")
    reply = await teacher.send_album(4)
    assert [m.text for m in reply.messages] == ["Фото сохранено. Теперь опишите проблему текстом."]
    await teacher.send("Разбито окно в кабинете 12")
    await teacher.press("Без файлов")
    await teacher.press("незначительное")
    assert harness.app is not None
    nc = await harness.app.dispatcher["ncs"].get(await boss(harness), 1)
    assert len(nc.evidence) == 4


async def test_done_evidence_album_is_kept_whole(harness: BotHarness) -> None:
    head, nc_id = await head_with_nc(harness)
    assert harness.app is not None
    ncs = harness.app.dispatcher["ncs"]
    record = await harness.app.dispatcher["accounts"].by_tg_id(head.id)
    await ncs.plan(record, nc_id, None, ["Нет графика"], "Ввести график", ncs.today())
    await open_card(head, nc_id)
    await head.press("Отметить выполнение")
    reply = await head.send_album(5, caption="Свет починен, акт подписан")
    assert [m.text for m in reply.messages] == ["📎 Доказательств: 5. Можно добавить ещё."]
    reply = await head.press("Отметить выполнение")
    assert "выполнено" in reply.text
    nc = await ncs.get(await boss(harness), nc_id)
    assert len(nc.done_evidence) == 5 and nc.done_note == "Свет починен, акт подписан"


# -- Telegram faults on replies --------------------------------------------------------------


@pytest.fixture
def no_waiting(harness: BotHarness) -> list[float]:
    """The outbound path's waits are recorded instead of slept."""
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    assert harness.app is not None
    harness.app.outbound.sleep = record
    return waits


async def test_a_tap_is_answered_through_429_and_502_without_an_apology(
    harness: BotHarness, no_waiting: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    school = await department(harness, "МО")
    teacher, olga = await person(harness, 2001, "Ольга", {Role.TEACHER}, school)
    _, auditor = await person(harness, 2003, "Светлана", {Role.AUDITOR}, None)
    audit = await open_audit(harness, MINI, auditor, [olga])
    await teacher.send("/audits")
    await teacher.press("A-2026-001")
    harness.api.fail_next("editMessageText", 429, "Too Many Requests: retry after 3", 3)
    harness.api.fail_next("editMessageText", 502, "Bad Gateway")
    harness.api.fail_next("answerCallbackQuery", 500, "Internal Server Error")
    harness.api.fault_next("answerCallbackQuery", Fault("drop_before"))
    reply = await teacher.press("Да")
    assert "Подписан ли журнал инструктажей" in reply.text  # the next question came
    assert no_waiting[:2] == [3.0, 0.5]
    assert harness.app is not None
    answers = await harness.app.db.run(lambda c: AnswerRepo(c).of(audit.id, olga.id))
    assert answers["m01"].value == "yes"
    assert not apologies(teacher)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_reply_whose_answer_was_lost_is_not_sent_twice(
    harness: BotHarness, no_waiting: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    teacher, _ = await person(harness, 2001, "Анна", {Role.TEACHER}, None)
    harness.api.fault_next("sendMessage", Fault("drop_after"))
    await teacher.send("/help")
    helps = [m for m in teacher.chat() if "/report" in m.text]
    assert len(helps) == 1  # delivered once; the lost answer was not followed by a resend
    assert not apologies(teacher)
    assert any("was not delivered" in r.message for r in caplog.records)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_notification_whose_answer_was_lost_is_not_repeated(
    harness: BotHarness, no_waiting: list[float]
) -> None:
    facilities = await department(harness, "Хозяйственная часть")
    head, record = await person(harness, 3001, "Иван", {Role.HEAD}, facilities)
    manager = harness.user(MANAGER_ID, "Мария", "Иванова")
    await manager.send("/start")
    assert harness.app is not None
    ncs = harness.app.dispatcher["ncs"]
    draft = ReportDraft(department_id=facilities, description="Нет света")
    nc = await ncs.report(await boss(harness), draft)
    await manager.send("/ncr")
    await manager.press(nc.number)
    await manager.press("Назначить ответственного")
    harness.api.fault_next("sendMessage", Fault("drop_after"))  # the head's notice
    await manager.press("Иван · Хозяйственная часть")
    told = [m for m in head.chat() if "Вы назначены ответственным" in m.text]
    assert len(told) == 1
    for _ in range(3):
        await harness.app.sweeper.run_once()
    assert len([m for m in head.chat() if "Вы назначены ответственным" in m.text]) == 1
    counts = await harness.app.db.run(lambda c: LedgerRepo(c).count("unknown", "nc_event"))
    assert counts == 1
    assert record.id  # the head is the one told


# -- forged, stale and odd input ----------------------------------------------------------


async def test_forged_huge_ids_are_stale_buttons_not_tracebacks(
    harness: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    teacher, _ = await person(harness, 2001, "Анна", {Role.TEACHER}, None)
    await teacher.send("/menu")
    for data in ("n1:op:99999999999999999999", "q1:a:-5:0:yes", "c1:2026:99999999999:1"):
        reply = await teacher.press_data(data)
        assert reply.alert and "устарел" in reply.alert
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_updates_without_a_sender_are_ignored(
    harness: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    api = harness.api
    post = {
        "message_id": 1,
        "date": 0,
        "chat": {"id": -100123, "type": "channel", "title": "Новости"},
        "text": "/start",
    }
    anonymous = {"message_id": 2, "date": 0, "chat": {"id": 5, "type": "private"}, "text": "hi"}
    ids = await api.push_many([{"channel_post": post}, {"message": anonymous}])
    for update_id in ids:
        await api.wait_processed(update_id)
    assert not [c for c in api.calls if c[0] == "sendMessage"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_dialog_without_its_data_says_so_and_returns_to_the_menu(
    harness: BotHarness,
) -> None:
    head, _ = await head_with_nc(harness)
    await head.send("/menu")
    assert harness.app is not None
    storage = harness.app.dispatcher.storage
    bot_id = int(TOKEN.split(":")[0])
    key = StorageKey(bot_id=bot_id, chat_id=head.id, user_id=head.id)
    await storage.set_state(key, NcPlanning.why)  # as an old version left it: no data
    await storage.set_data(key, {})
    reply = await head.send("Потому что")
    assert "потерял нить" in reply.text and reply.last.buttons
    assert await storage.get_state(key) is None
    assert not apologies(head)


async def test_two_writers_of_one_dialog_never_collide(tmp_path: Path) -> None:
    db = Database.sqlite(tmp_path / "qms.sqlite3")
    await db.migrate()
    one, two = SQLStorage(db, cache=False), SQLStorage(db, cache=False)  # two processes
    key = StorageKey(bot_id=1, chat_id=7, user_id=7)
    await asyncio.gather(
        *(
            storage.set_dialog(key, NcPlanning.why, {"nc": n, "whys": ["a"] * n})
            for n, storage in enumerate([one, two] * 10, start=1)
        )
    )
    state, data = await one.get_state(key), await one.get_data(key)
    assert state == NcPlanning.why.state and data["whys"] == ["a"] * data["nc"]
    await two.set_state(key, None)
    await one.set_data(key, {})
    assert await two.get_state(key) is None and await two.get_data(key) == {}
    await db.close()


async def test_a_why_delivered_again_after_a_crash_is_not_stored_twice(
    harness: BotHarness,
) -> None:
    head, nc_id = await head_with_nc(harness)
    await open_card(head, nc_id)
    await head.press("Принять и спланировать")
    await head.send("Заменили лампу")
    reply = await head.send("Лампа перегорела")
    assert "(2/5)" in reply.text
    handled_why = max(harness.api.delivered)
    # The bot died before it confirmed the offset: Telegram delivers the why again.
    await harness.restart()
    mark = len(head.chat())
    await harness.api.redeliver(handled_why)
    assert head.chat()[mark:] == []  # no "(3/5)"
    reply = await head.send("Нет графика проверки")
    assert "(3/5)" in reply.text
    assert harness.app is not None
    bot_id = int(TOKEN.split(":")[0])
    key = StorageKey(bot_id=bot_id, chat_id=head.id, user_id=head.id)
    data = await harness.app.dispatcher.storage.get_data(key)
    assert data["whys"] == ["Лампа перегорела", "Нет графика проверки"]


async def test_a_correction_sent_again_on_a_flaky_network_is_not_taken_as_a_why(
    harness: BotHarness,
) -> None:
    head, nc_id = await head_with_nc(harness)
    await open_card(head, nc_id)
    await head.press("Принять и спланировать")
    await head.send("Заменили лампу")
    # No answer reached his phone, so he sends it again.
    reply = await head.send("заменили  лампу")
    assert "уже записано в плане" in reply.text
    reply = await head.send("Лампа перегорела")
    assert "(2/5)" in reply.text
    await head.press("Это коренная причина")
    reply = await head.send("Лампа перегорела")  # the why again, where the action is asked
    assert "уже записано в плане" in reply.text
    assert harness.app is not None
    bot_id = int(TOKEN.split(":")[0])
    key = StorageKey(bot_id=bot_id, chat_id=head.id, user_id=head.id)
    data = await harness.app.dispatcher.storage.get_data(key)
    assert data["correction"] == "Заменили лампу" and data["whys"] == ["Лампа перегорела"]
    assert "action" not in data


# -- start-up ------------------------------------------------------------------------------


async def test_menus_failing_at_start_do_not_hold_polling_and_are_retried(
    harness: BotHarness,
) -> None:
    await harness.stop()
    for _ in range(12):  # Telegram refuses every menu call for a while
        harness.api.fail_next("setMyCommands", 500, "Internal Server Error")

    def quick_retries(app: App) -> None:
        async def no_wait(_: float) -> None:
            return None

        app.outbound.sleep = no_wait

    app = await harness.start(prepare=quick_retries)
    manager = harness.user(MANAGER_ID, "Мария", "Иванова")
    reply = await manager.send("/start")  # answered while the menus keep failing
    assert "Главное меню" in reply.text
    await asyncio.wait_for(app.menus.synced.wait(), 30)
    assert harness.api.chat_commands(MANAGER_ID)
