"""Sweep cost as the number of open corrective actions grows.

At 10k, 30k and 100k open actions the same 2,000 fall due (1,000 due in three days, 1,000
overdue, as in bench/reminders.py); the rest are due months later. An incremental sweep
costs what is due, not what is open: the curve should stay flat (targets: < 50 ms at 10k,
< 100 ms at 100k). Printed per size: the first sweep (records what is due in the ledger)
and the second (nothing new), wall and process CPU, and the longest single unit of work on
the database thread (what a tap can wait behind).

    python -m bench.sweep [10000 30000 100000]
"""

from __future__ import annotations

import asyncio
import gc
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, insert

from bot.app import create_app
from bot.clock import FixedClock
from bot.config import Settings
from bot.domain.nonconformities import NcStatus, Source, nc_number
from bot.domain.roles import Role
from bot.storage.departments import DepartmentRepo
from bot.storage.schema import nonconformities
from bot.storage.users import UserRepo
from tests.fakeapi import FakeTelegram

TOKEN = "123456789:AAHbenchTokenForLoadTestsOnly_abcdefg"
MSK = ZoneInfo("Europe/Moscow")
DEPARTMENTS, DUE_SOON, OVERDUE = 100, 1000, 1000


def seed(conn: Connection, now: datetime, today: date, total: int) -> None:
    users, departments = UserRepo(conn), DepartmentRepo(conn)
    manager = users.add(1, "Manager", None, "ru", None, now)
    users.set_roles(manager, {Role.MANAGER})
    heads = []
    for d in range(DEPARTMENTS):
        department = departments.add(f"Подразделение {d + 1}", now)
        head = users.add(10_000 + d, f"Head {d}", None, "ru", department, now)
        users.set_roles(head, {Role.HEAD})
        departments.set_head(department, head)
        heads.append((department, head))
    seed_actions(conn, now, today, total, manager, heads)


def seed_actions(
    conn: Connection,
    now: datetime,
    today: date,
    total: int,
    reporter_id: int,
    heads: list[tuple[int, int]],
) -> None:
    """`total` planned corrective actions over the (department, head) pairs: DUE_SOON due in
    three days, OVERDUE past due, the rest months later."""
    rows: list[dict[str, Any]] = []
    for n in range(total):
        department, head = heads[n % len(heads)]
        if n < DUE_SOON:
            offset = 3
        elif n < DUE_SOON + OVERDUE:
            offset = -(n % 7) - 1
        else:
            offset = 10 + n % 300
        rows.append(
            {
                "number": nc_number(now.year, n + 1), "year": now.year, "seq": n + 1,
                "created_at": now, "updated_at": now, "evidence": [], "root_cause": [],
                "done_evidence": [], "source": Source.REPORT.value,
                "status": NcStatus.PLANNED.value, "description": f"Несоответствие {n}",
                "reporter_id": reporter_id, "department_id": department, "responsible_id": head,
                "corrective_action": "Действие", "severity": "minor",
                "due_date": today + timedelta(days=offset),
            }
        )  # fmt: skip
    conn.execute(insert(nonconformities), rows)


async def size(total: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        api = FakeTelegram(TOKEN)
        await api.start()
        clock = FixedClock(datetime(2026, 11, 26, 23, 0, tzinfo=MSK))  # quiet: record only
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            bot_token=TOKEN,
            telegram_api_url=api.url,
            database_path=Path(folder) / "bench.sqlite3",
            admin_ids="1",
        )
        app = await create_app(settings, clock=clock)
        today = clock.now().astimezone(MSK).date()
        created = clock.now().astimezone(UTC) - timedelta(days=1)
        await app.db.run(lambda conn: seed(conn, created, today, total))
        # The data has long been on disk when a sweep runs: not the seed's own checkpoint.
        with sqlite3.connect(settings.database_path) as raw:
            raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        gc.collect()  # nor the collection of the seed's garbage
        units: list[float] = []
        original = app.db._unit

        def timed(work: Callable[[Connection], Any]) -> Any:
            began = time.perf_counter()
            try:
                return original(work)
            finally:
                units.append(time.perf_counter() - began)

        app.db._unit = timed  # type: ignore[method-assign]
        for label in ("first", "second"):
            units.clear()
            wall, cpu = time.perf_counter(), time.process_time()
            report = await app.sweeper.run_once()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            print(
                f"{total:>7} open  {label:<6} sweep {wall * 1000:7.1f} ms wall "
                f"{cpu * 1000:7.1f} ms CPU  units {' '.join(f'{u * 1000:.0f}' for u in units)} ms  "
                f"({report.recorded} new ledger rows)",
                flush=True,
            )
        await app.close()
        await api.stop()


async def main(sizes: list[int]) -> None:
    for total in sizes:
        await size(total)


if __name__ == "__main__":
    asyncio.run(main([int(a) for a in sys.argv[1:]] or [10_000, 30_000, 100_000]))
