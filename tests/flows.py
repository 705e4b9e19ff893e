"""Steps that many stories share, written as the user would do them."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from bot.domain.audits import Audit, AuditDraft, Objective
from bot.domain.models import User
from bot.domain.nonconformities import Nonconformity
from bot.domain.roles import Role
from bot.services.accounts import Profile
from bot.services.nonconformities import ReportDraft
from tests.fakeapi import TgUser
from tests.harness import MANAGER_ID, BotHarness

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


# -- a school set up directly through the services (for stories about something else) ----


async def boss(harness: BotHarness) -> User:
    """The quality manager (ADMIN_IDS), registered as on his first message."""
    assert harness.app is not None
    accounts = harness.app.dispatcher["accounts"]
    return await accounts.ensure_admin(Profile(MANAGER_ID, "Мария Иванова", "quality", "ru"))


async def department(harness: BotHarness, name: str) -> int:
    assert harness.app is not None
    return (await harness.app.dispatcher["departments"].add(await boss(harness), name)).id


async def person(
    harness: BotHarness,
    tg_id: int,
    name: str,
    roles: set[Role],
    department_id: int | None,
    language: str = "ru",
) -> tuple[TgUser, User]:
    """Someone who joined by an invite: his phone and his record."""
    assert harness.app is not None
    invites, accounts = harness.app.dispatcher["invites"], harness.app.dispatcher["accounts"]
    token, _ = await invites.create(await boss(harness), frozenset(roles), department_id, 1)
    joined = await accounts.join(token, Profile(tg_id, name, None, language))
    assert joined.user is not None, joined
    return harness.user(tg_id, name, language_code=language), joined.user


async def open_audit(
    harness: BotHarness,
    template: bytes,
    auditor: User,
    respondents: list[User],
    department_id: int | None = None,
) -> Audit:
    """An audit of the template (of a department, or the whole school), open from today for
    two weeks."""
    assert harness.app is not None
    dispatcher = harness.app.dispatcher
    info = await dispatcher["templates"].import_yaml(await boss(harness), template)
    today = dispatcher["audits"].today()
    draft = AuditDraft(
        title="Проверка",
        department_id=department_id,
        template_id=info.id,
        objectives=[Objective.LEGAL.value],
        scope="Все",
        criteria="ГОСТ Р ИСО 9001",
        lead_auditor_id=auditor.id,
        respondent_ids=[r.id for r in respondents],
        start_date=today,
        deadline=today + timedelta(days=14),
    )
    audit = await dispatcher["audits"].plan(await boss(harness), draft)
    await dispatcher["audits"].open_due()
    return audit


async def assigned_nc(harness: BotHarness, head: User, department_id: int) -> Nonconformity:
    assert harness.app is not None
    ncs = harness.app.dispatcher["ncs"]
    manager = await boss(harness)
    draft = ReportDraft(department_id=department_id, description="Не работает аварийный свет")
    nc = await ncs.report(manager, draft)
    return await ncs.assign(manager, nc.id, head.id)


def texts(who: TgUser, fragment: str) -> list[str]:
    """Every message in this person's chat that contains `fragment`."""
    return [m.text for m in who.chat() if fragment in m.text]


async def sweep_at(harness: BotHarness, moment: datetime) -> None:
    """The clock moved to `moment` and one reminder sweep run there, then what it started
    (sends, their follow-ups) let settle."""
    assert harness.app is not None
    harness.clock.set(moment)
    await harness.app.sweeper.run_once()
    await harness.app.idle()
