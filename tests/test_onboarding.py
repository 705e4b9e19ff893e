"""The quality manager sets up the school and colleagues join by invite links."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.roles import Role, commands_for
from bot.storage.events import EventLog
from tests.fakeapi import FakeTelegram, TgUser
from tests.flows import LINK, add_department, join, make_invite
from tests.harness import BotHarness


async def test_manager_gets_his_menu_in_his_language(harness: BotHarness) -> None:
    russian = harness.user(1001, "Мария")
    reply = await russian.send("/start")
    assert "Главное меню" in reply.text
    assert reply.last.buttons == [
        "📋 Мои аудиты", "⚠️ Сообщить о проблеме", "✅ Мои действия", "📚 Реестр НС",
        "📊 Сводка", "⏰ Просрочено", "🗓 Программа", "🎓 Компетентность", "➕ Новый аудит",
        "🧾 Чек-листы", "📆 Календарь",
        "📥 Выгрузка",
        "🏢 Подразделения", "✉️ Пригласить", "👥 Пользователи", "🌐 Язык", "❓ Помощь",
        "📋 Опросы", "🎯 Риски", "📦 Поставщики",
    ]  # fmt: skip
    assert "менеджер по качеству" in reply.text

    harness.overrides["admin_ids"] = "1001,1002"
    await harness.restart()
    english = harness.user(1002, "John", language_code="en-GB")
    reply = await english.send("/start")
    assert "Main menu" in reply.text and "quality manager" in reply.text
    assert reply.last.buttons[0] == "📋 My audits"


async def test_language_switch_is_remembered_across_restart(
    harness: BotHarness, manager: TgUser
) -> None:
    await manager.send("/language")
    reply = await manager.press("English")
    assert "Done: the bot will talk to you in English." in reply.text
    assert "Main menu" in reply.text
    await harness.restart()
    reply = await manager.send("/menu")
    assert "Main menu" in reply.text
    commands = harness.api.chat_commands(manager.id)
    assert commands == commands_for({Role.MANAGER})
    english_descriptions = harness.api.commands[('{"chat_id": 1001, "type": "chat"}', "")]
    assert english_descriptions[0]["description"] == "Main menu"


async def test_departments_add_rename_and_head(harness: BotHarness, manager: TgUser) -> None:
    reply = await manager.send("/departments")
    assert "Пока нет ни одного подразделения" in reply.text
    await add_department(manager, "МО учителей математики")

    # The same name again, differently cased Cyrillic, is refused and asked again.
    await manager.send("/departments")
    await manager.press("Добавить подразделение")
    reply = await manager.send("мо УЧИТЕЛЕЙ математики")
    assert "уже есть" in reply.text
    reply = await manager.send("   ")
    assert "не может быть пустым" in reply.text
    reply = await manager.send("x" * 101)
    assert "не больше 100 символов" in reply.text
    reply = await manager.send("Хозяйственная служба <АХЧ>")
    assert "«Хозяйственная служба <АХЧ>» добавлено" in reply.text

    await manager.press("Переименовать")
    reply = await manager.send("Хозяйственная часть")
    assert "Название изменено" in reply.text
    assert "Хозяйственная часть" in reply.last.text

    await manager.press("Руководитель")
    reply = await manager.press("Мария")
    assert "Руководитель: Мария Иванова" in reply.text

    reply = await manager.send("/departments")
    assert "Хозяйственная часть</b>" not in reply.text
    assert "• Хозяйственная часть — руководитель: Мария Иванова; сотрудников: 1" in reply.text
    assert "• МО учителей математики — руководитель: не назначен; сотрудников: 0" in reply.text

    assert harness.app is not None
    history = await harness.app.db.run(lambda conn: EventLog(conn).for_entity("department", 2))
    assert [e.action for e in history] == ["created", "renamed", "head_changed"]
    assert history[1].data == {
        "before": "Хозяйственная служба <АХЧ>",
        "after": "Хозяйственная часть",
    }


async def test_invited_teacher_joins_with_role_and_department(
    harness: BotHarness, manager: TgUser, telegram: FakeTelegram
) -> None:
    await manager.send("/start")
    await add_department(manager, "МО начальных классов")
    await manager.send("/invite")
    reply = await manager.press("Далее")
    assert reply.alert == "Сначала выберите хотя бы одну роль."
    await manager.press("педагог")
    await manager.press("Далее")
    await manager.press("МО начальных классов")
    reply = await manager.press("1 чел")
    assert "Действует до: 03.12.2026 12:00" in reply.text  # 7 days, Moscow time
    match = LINK.search(reply.text)
    assert match and match.group(1) == telegram.username
    token = match.group(2)

    teacher = harness.user(2001, "Ольга", "Петрова")
    text = await join(teacher, token)
    assert "Добро пожаловать, Ольга Петрова!" in text
    assert "Роли: педагог" in text and "Подразделение: МО начальных классов" in text
    assert teacher.last.buttons == [
        "📋 Мои аудиты", "⚠️ Сообщить о проблеме", "✅ Мои действия", "📚 Реестр НС",
        "🎓 Компетентность", "🌐 Язык", "❓ Помощь",
        "🎯 Риски",
    ]  # fmt: skip
    assert telegram.chat_commands(teacher.id) == commands_for({Role.TEACHER})

    # A single-use link cannot be used again, by anyone.
    other = harness.user(2002, "Игорь")
    assert "уже использовано" in await join(other, token)
    # An already registered colleague opening a link keeps what he has.
    assert "Вы уже зарегистрированы" in await join(teacher, token)


async def test_bad_invites_are_refused_clearly(harness: BotHarness, manager: TgUser) -> None:
    await add_department(manager, "МО физики")
    expired = await make_invite(manager, ["педагог"], "МО физики")
    revoked = await make_invite(manager, ["аудитор"], "Без подразделения")

    await manager.send("/invite")
    reply = await manager.press("Действующие приглашения (2)")
    assert "#2: аудитор; Без подразделения" in reply.text
    reply = await manager.press("Отозвать #2")
    assert "#2" not in reply.text and "#1" in reply.text

    stranger = harness.user(3001, "Пётр")
    assert "отозвано" in await join(stranger, revoked)
    assert "недействительна" in await join(stranger, "made-up-token-12345")
    assert "недействительна" in await join(stranger, "<script>")
    harness.clock.advance(timedelta(days=7, minutes=1))
    assert "истёк" in await join(stranger, expired)
    reply = await stranger.send("/menu")
    assert reply.text.startswith("Здравствуйте! Этот бот работает только для сотрудников")


async def test_group_invite_serves_several_people(harness: BotHarness, manager: TgUser) -> None:
    await add_department(manager, "МО истории")
    token = await make_invite(manager, ["педагог", "руководитель"], "МО истории", uses="5 чел")
    for number in range(5):
        person = harness.user(4000 + number, f"Учитель{number}")
        assert "Добро пожаловать" in await join(person, token)
    late = harness.user(4010, "Опоздавший")
    assert "уже использовано" in await join(late, token)
    await manager.send("/departments")
    reply = await manager.send("/departments")
    assert "сотрудников: 5" in reply.text


async def test_stranger_gets_one_polite_sentence_and_nothing_else(
    harness: BotHarness, manager: TgUser
) -> None:
    stranger = harness.user(5001, "Незнакомец", language_code="en")
    for text in ("hello", "/start", "/users", "/departments", "/help"):
        reply = await stranger.send(text)
        assert len(reply.messages) == 1
        assert reply.last.text == (
            "Hello! This bot is for the lyceum's staff only. "
            "To join, ask the quality manager for an invite link."
        )
        assert reply.last.buttons == []
    # A forged button press from a stranger changes nothing and reveals nothing.
    reply = await stranger.press_data("u1:de:1001::-1:0")
    assert reply.alert and reply.alert.startswith("Hello! This bot is for the lyceum's staff")
    photo = await stranger.send_photo()
    assert "staff only" in photo.text
