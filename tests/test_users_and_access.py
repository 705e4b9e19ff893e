"""The manager manages people; every role sees only what it may use."""

from __future__ import annotations

import pytest

from bot.domain.roles import COMMAND_ROLES, Role, commands_for
from bot.storage.events import EventLog
from tests.fakeapi import TgUser
from tests.flows import add_department, join, make_invite
from tests.harness import BotHarness

ROLE_BUTTON = {
    Role.MANAGER: "менеджер по качеству",
    Role.AUDITOR: "аудитор",
    Role.HEAD: "руководитель",
    Role.TEACHER: "педагог",
    Role.OBSERVER: "наблюдатель",
}


async def invite_person(
    harness: BotHarness, manager: TgUser, tg_id: int, name: str, role: Role, dept: str
) -> TgUser:
    token = await make_invite(manager, [ROLE_BUTTON[role]], dept)
    person = harness.user(tg_id, name)
    assert "Добро пожаловать" in await join(person, token)
    return person


async def test_manager_changes_roles_department_and_deactivates(
    harness: BotHarness, manager: TgUser
) -> None:
    await add_department(manager, "МО химии")
    await add_department(manager, "МО биологии")
    teacher = await invite_person(harness, manager, 2001, "Анна", Role.TEACHER, "МО химии")

    reply = await manager.send("/users")
    assert "Пользователи</b>" not in reply.text and "(всего: 2)" in reply.text
    assert "Анна — педагог; МО химии" in reply.text
    reply = await manager.press("Анна")
    assert "Роли: педагог" in reply.text
    card = manager._with_button("▫️ аудитор")
    give = card.button("▫️ аудитор")["callback_data"]
    reply = await manager.press_data(give, card)
    assert "Роли: аудитор, педагог" in reply.text
    assert harness.api.chat_commands(teacher.id) == commands_for({Role.AUDITOR, Role.TEACHER})
    await manager.press_data(give, card)  # tapped twice: the role stays given
    assert "Роли: аудитор, педагог" in manager._with_button("✅ аудитор").text

    await manager.press("Подразделение")
    reply = await manager.press("МО биологии")
    assert "Подразделение: МО биологии" in reply.text

    # The last role cannot be taken away: deactivation is the way to remove access.
    await manager.press("✅ аудитор")
    reply = await manager.press("✅ педагог")
    assert reply.alert and "хотя бы одна роль" in reply.alert

    await manager.press("Деактивировать")
    reply = await manager.press("Да, деактивировать")
    assert "Статус: деактивирован" in reply.text
    assert harness.api.chat_commands(teacher.id) is None  # his command menu is gone

    reply = await teacher.send("/menu")
    assert reply.text.startswith("Здравствуйте! Этот бот работает только для сотрудников")

    await manager.press("Вернуть доступ")
    reply = await teacher.send("/menu")
    assert "Главное меню" in reply.text and "Подразделение: МО биологии" in reply.text

    assert harness.app is not None
    history = await harness.app.db.run(lambda conn: EventLog(conn).for_entity("user", 2))
    assert [e.action for e in history] == [
        "registered", "roles_changed", "department_changed", "roles_changed",
        "deactivated", "activated",
    ]  # fmt: skip
    assert all(e.actor_id == 1 for e in history[1:])  # the manager did each change


async def test_manager_cannot_lock_himself_out(manager: TgUser) -> None:
    await manager.send("/users")
    await manager.press("Мария")
    reply = await manager.press("✅ менеджер по качеству")
    assert reply.alert and "Нельзя снять роль менеджера" in reply.alert
    reply = await manager.press("Деактивировать")
    reply = await manager.press("Да, деактивировать")
    assert reply.alert and "Нельзя деактивировать себя" in reply.alert


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.HEAD, Role.TEACHER, Role.OBSERVER])
async def test_each_command_answers_by_role(
    harness: BotHarness, manager: TgUser, role: Role
) -> None:
    await add_department(manager, "МО")
    person = await invite_person(harness, manager, 2100, "Сотрудник", role, "МО")
    for command, allowed in COMMAND_ROLES.items():
        reply = await person.send(f"/{command}")
        refused = "Эта команда доступна только роли" in reply.text
        assert refused != (role in allowed), (command, reply.text)
        assert "что-то пошло не так" not in reply.text
        await person.send("/cancel")


async def test_forged_buttons_change_nothing(harness: BotHarness, manager: TgUser) -> None:
    await add_department(manager, "МО")
    teacher = await invite_person(harness, manager, 2001, "Анна", Role.TEACHER, "МО")
    forged = [
        "u1:role:2:manager:-1:0",  # make himself manager
        "u1:de:1:::-1:0",  # deactivate the manager
        "d1:add:0:0:0",
        "d1:sh:1:2:0",  # appoint himself head
        "i1:rv::1",
        "m1:users",
        "garbage",
        "u1:role:999999999999999999999:x",
    ]
    for data in forged:
        reply = await teacher.press_data(data)
        assert reply.alert, data
        assert "что-то пошло не так" not in reply.alert
        assert not reply.messages and not reply.edited
    reply = await teacher.send("/menu")
    assert "Роли: педагог" in reply.text
    await manager.send("/departments")
    reply = await manager.send("/departments")
    assert "руководитель: не назначен" in reply.text

    # The manager's own forged press on a missing object is refused politely.
    reply = await manager.press_data("u1:op:424242::-1:0")
    assert reply.alert == "Пользователь не найден."
    reply = await manager.press_data("d1:op:424242:0:0")
    assert reply.alert == "Подразделение не найдено."


async def test_help_tells_each_person_what_he_can_do(harness: BotHarness, manager: TgUser) -> None:
    reply = await manager.send("/help")
    assert "/users — Пользователи и их роли" in reply.text
    assert "Менеджер по качеству:" in reply.text
    await add_department(manager, "МО")
    teacher = await invite_person(harness, manager, 2001, "Анна", Role.TEACHER, "МО")
    reply = await teacher.send("/help")
    assert "/users" not in reply.text and "/invite" not in reply.text
    assert "/language — Язык" in reply.text
    assert "Педагог:" in reply.text and "Менеджер по качеству:" not in reply.text


async def test_cancel_leaves_any_dialog(harness: BotHarness, manager: TgUser) -> None:
    reply = await manager.send("/cancel")
    assert "нечего отменять" in reply.text
    await manager.send("/departments")
    await manager.press("Добавить подразделение")
    reply = await manager.send("/cancel")
    assert "Отменено" in reply.text
    reply = await manager.send("МО музыки")
    assert "Не понял сообщение" in reply.text
    reply = await manager.send("/departments")
    assert "МО музыки" not in reply.text


async def test_dialog_survives_a_restart(harness: BotHarness, manager: TgUser) -> None:
    await manager.send("/departments")
    await manager.press("Добавить подразделение")
    await harness.restart()
    reply = await manager.send("МО английского языка")
    assert "«МО английского языка» добавлено" in reply.text


async def test_restart_keeps_users_and_roles(harness: BotHarness, manager: TgUser) -> None:
    await add_department(manager, "МО")
    token = await make_invite(manager, ["аудитор", "педагог"], "МО")
    person = harness.user(2001, "Анна")
    await join(person, token)
    await harness.restart()
    reply = await person.send("/menu")
    assert "Роли: аудитор, педагог" in reply.text and "Подразделение: МО" in reply.text
    reply = await manager.send("/users")
    assert "Анна — аудитор, педагог; МО" in reply.text


async def test_stale_and_unknown_input_get_a_hint(harness: BotHarness, manager: TgUser) -> None:
    reply = await manager.send("/nosuchcommand")
    assert "Такой команды нет" in reply.text
    reply = await manager.send("просто текст")
    assert "Не понял сообщение" in reply.text
    await manager.send("/invite")
    reply = await manager.send("текст вместо кнопки")
    assert "Я жду ответа на вопрос выше" in reply.text
    # A button from a finished wizard step is out of date and does nothing.
    await manager.send("/cancel")
    reply = await manager.press("Далее")
    assert reply.alert == "Эта кнопка устарела. Откройте актуальный экран через /menu."
