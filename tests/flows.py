"""Steps that many stories share, written as the user would do them."""

from __future__ import annotations

import re

from tests.fakeapi import TgUser

LINK = re.compile(r"https://t\.me/(\w+)\?start=([\w-]+)")


async def add_department(manager: TgUser, name: str) -> None:
    await manager.send("/departments")
    await manager.press("Добавить подразделение")
    reply = await manager.send(name)
    assert f"«{name}» добавлено" in reply.text, reply.text


async def make_invite(
    manager: TgUser, roles: list[str], department: str, uses: str = "1 чел"
) -> str:
    """Runs the /invite wizard and returns the start token from the link."""
    await manager.send("/invite")
    for role in roles:
        await manager.press(role)
    await manager.press("Далее")
    await manager.press(department)
    reply = await manager.press(uses)
    match = LINK.search(reply.text)
    assert match, reply.text
    return match.group(2)


async def join(user: TgUser, token: str) -> str:
    reply = await user.send(f"/start {token}")
    return reply.text
