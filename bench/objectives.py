"""Objectives and management review benchmark (issue 15).

A school year's worth of records: 1,000 corrective actions over 50 departments and 20
objectives with 3 KPIs each (audit compliance monthly, actions on time per term, one
reported per term). Measured: what a reminder sweep adds for the objectives (they are
worked out on each sweep; target: what is due for the whole school < 0.5 s), /objectives'
cards (< 0.5 s), and the review pack with its 60 charts (< 30 s on the shared 2-core box).
Measured 04.12.2026 on it: the objectives' part 161 ms warm (1 s cold), what is due
276–318 ms, the cards 153 ms, the pack 10.7–14.6 s (the charts; 79 KB).

    python -m bench.objectives
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from bot.app import create_app
from bot.clock import FixedClock
from bot.config import Settings
from bot.domain.nonconformities import NcStatus, Source
from bot.domain.objectives import Direction, Frequency, Kpi
from bot.domain.roles import Role
from bot.scheduler.rules import _objectives
from bot.storage.departments import DepartmentRepo
from bot.storage.nonconformities import NcRepo
from bot.storage.objectives import ObjectiveRepo
from bot.storage.users import UserRepo
from bot.views.reports import gettext
from tests.fakeapi import FakeTelegram

TOKEN = "123456789:AAHbenchTokenForLoadTestsOnly_abcdefg"
MSK = ZoneInfo("Europe/Moscow")
DEPARTMENTS, PER_DEPARTMENT, OBJECTIVES = 50, 20, 20  # 1,000 actions, 60 KPIs


def seed(conn: Connection, now: datetime) -> None:
    users, departments, ncs, objectives = (
        UserRepo(conn), DepartmentRepo(conn), NcRepo(conn), ObjectiveRepo(conn),
    )  # fmt: skip
    manager = users.add(1, "Manager", None, "ru", None, now)
    users.set_roles(manager, {Role.MANAGER})
    heads = []
    today = now.astimezone(MSK).date()
    for d in range(DEPARTMENTS):
        department = departments.add(f"Подразделение {d + 1}", now)
        head = users.add(10_000 + d, f"Head {d}", None, "ru", department, now)
        users.set_roles(head, {Role.HEAD})
        departments.set_head(department, head)
        heads.append(head)
        for n in range(PER_DEPARTMENT):
            ncs.add(
                now.year, now - timedelta(days=n * 4), source=Source.REPORT.value,
                status=NcStatus.PLANNED.value, description=f"Несоответствие {d}-{n}",
                reporter_id=manager, department_id=department, responsible_id=head,
                corrective_action="Действие", due_date=today + timedelta(days=n - 10),
            )  # fmt: skip
    year = datetime(2026, 9, 1).date()
    for n in range(OBJECTIVES):
        objective = objectives.add_objective(
            f"Цель {n + 1}", "Процесс", heads[n], year, datetime(2027, 8, 31).date(), now
        )
        for name, frequency, source in (
            ("Соответствие", Frequency.MONTH, "audit_compliance"),
            ("В срок", Frequency.TERM, "actions_on_time"),
            ("Средний балл", Frequency.TERM, "reported"),
        ):
            kpi = Kpi(0, objective, name, "%", Direction.HIGHER, 90, 80, frequency, source)
            objectives.add_kpi(kpi, now)


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        api = FakeTelegram(TOKEN)
        await api.start()
        clock = FixedClock(datetime(2027, 5, 20, 12, 0, tzinfo=MSK))  # late in the year
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            bot_token=TOKEN,
            telegram_api_url=api.url,
            database_path=Path(folder) / "bench.sqlite3",
            admin_ids="1",
        )
        app = await create_app(settings, clock=clock)
        await app.db.run(lambda conn: seed(conn, clock.now().astimezone(UTC)))
        today = clock.now().astimezone(MSK).date()
        terms = app.dispatcher["calendar"].current().terms  # as the sweeper has it

        def objectives_rule(conn: Connection) -> int:
            found: list[object] = []
            _objectives(conn, today, settings, terms, lambda *a, **k: found.append(a))
            return len(found)

        for label in ("first (cold)", "second"):
            started = time.perf_counter()
            due = await app.db.run(objectives_rule)
            elapsed = (time.perf_counter() - started) * 1000
            print(f"the objectives' part of a sweep, {label}: {elapsed:.0f} ms ({due} due)")
        for label in ("with the objectives", "again"):
            started = time.perf_counter()
            found = await app.sweeper.due(clock.now())
            elapsed = (time.perf_counter() - started) * 1000
            print(f"what is due, whole school, {label}: {elapsed:.0f} ms ({len(found)} due)")
        service = app.dispatcher["objectives"]
        started = time.perf_counter()
        cards = await service.cards()
        print(f"/objectives cards ({len(cards)}):        "
              f"{(time.perf_counter() - started) * 1000:.0f} ms")  # fmt: skip
        reviews = app.dispatcher["reviews"]
        manager = await app.db.run(lambda conn: UserRepo(conn).get(1))
        assert manager is not None
        review = await reviews.create(manager, 2026, None, None, "Директор, менеджер")
        started = time.perf_counter()
        with app.i18n.context(), app.i18n.use_locale("ru"):
            pack = await reviews.pack(review.id, gettext)
        print(f"review pack (60 charts):        {time.perf_counter() - started:.1f} s, "
              f"{len(pack) // 1024} KB")  # fmt: skip
        await app.close()
        await api.stop()


if __name__ == "__main__":
    asyncio.run(main())
