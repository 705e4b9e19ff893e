"""Sweep cost as the number of open corrective actions grows.

At 10k, 30k and 100k open actions the same 2,000 fall due (1,000 due in three days, 1,000
overdue, as in bench/reminders.py); the rest are due months later. An incremental sweep
costs what is due, not what is open: the curve should stay flat (targets: < 50 ms at 10k,
< 100 ms at 100k). Printed per size: the first sweep (records what is due in the ledger)
and the second (nothing new), wall and process CPU, the units of work on the writer's
thread (what a tap can wait behind: target each < 20 ms) and on the read connection's.

Then the feature rules at their own benches' sizes, each in a school of its own: documents
(300 × 2,000 staff, bench/documents.py), objectives (20 × 3 KPIs, 1,000 actions,
bench/objectives.py), risks and providers (300 risks × 3 actions, 100 providers,
bench/surveys.py): each rule's time in the first and second sweep, and the units.

    python -m bench.sweep [10000 30000 100000] [--no-features]
"""

from __future__ import annotations

import asyncio
import gc
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, insert, select

from bench import documents as bench_documents
from bench import objectives as bench_objectives
from bench.figures import record
from bot.app import create_app
from bot.clock import FixedClock
from bot.config import Settings
from bot.domain.nonconformities import NcStatus, Source, nc_number
from bot.domain.risks import RiskKind, RiskStatus
from bot.domain.roles import Role
from bot.scheduler import rules
from bot.storage.departments import DepartmentRepo
from bot.storage.risks import RiskRepo
from bot.storage.schema import nonconformities, users
from bot.storage.suppliers import SupplierRepo
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


class Units:
    """Times every unit of work: the writer's (`run`) and the read connection's (`read`)."""

    def __init__(self, db: Any) -> None:
        self.write: list[float] = []
        self.read: list[float] = []
        for name, into in (("_unit", self.write), ("_read_unit", self.read)):
            setattr(db, name, self._timed(getattr(db, name), into))

    @staticmethod
    def _timed(original: Callable[..., Any], into: list[float]) -> Callable[..., Any]:
        def timed(work: Callable[[Connection], Any]) -> Any:
            if work is tap:  # the taps' own units are not the sweep's
                return original(work)
            began = time.perf_counter()
            try:
                return original(work)
            finally:
                into.append(time.perf_counter() - began)

        return timed

    def clear(self) -> None:
        self.write.clear()
        self.read.clear()

    def line(self) -> str:
        longest = max(self.write, default=0) * 1000
        return (
            f"writer {len(self.write)} units, longest {longest:.1f} ms"
            f" ({'ok' if longest < 20 else 'OVER 20'});"
            f" reads {' '.join(f'{u * 1000:.0f}' for u in self.read)} ms"
        )


RULES = (
    "_competence", "_documents", "_results_unread", "_objectives", "_risk_actions",
    "_risks_proposed", "_risk_reviews", "_supplier_evaluations",
)  # fmt: skip


class RuleTimes:
    """Each feature rule's own time inside a sweep's read (the rules are module functions
    compute_due looks up at each call)."""

    def __init__(self) -> None:
        self.times: dict[str, float] = {}
        for name in RULES:
            setattr(rules, name, self._timed(name, getattr(rules, name)))

    def _timed(self, name: str, rule: Callable[..., None]) -> Callable[..., None]:
        def timed(*args: Any, **kwargs: Any) -> None:
            began = time.perf_counter()
            try:
                rule(*args, **kwargs)
            finally:
                self.times[name] = self.times.get(name, 0) + time.perf_counter() - began

        return timed

    def line(self) -> str:
        shown = sorted(self.times.items(), key=lambda item: -item[1])
        return " ".join(f"{name[1:]} {t * 1000:.1f}" for name, t in shown) + " ms"


async def sweeps(
    label: str, app: Any, units: Units, times: RuleTimes | None = None
) -> dict[str, float]:
    """The first and the second sweep: their CPU (ms), and the longest a tap waited."""
    found: dict[str, float] = {"longest_wait_ms": 0.0, "longest_unit_ms": 0.0}
    # The data has long been on disk when a sweep runs: not the seed's own checkpoint.
    with sqlite3.connect(app.settings.database_path) as raw:
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    gc.collect()  # nor the collection of the seed's garbage
    for which in ("first", "second"):
        units.clear()
        if times is not None:
            times.times.clear()
        wall, cpu = time.perf_counter(), time.process_time()
        taps = asyncio.ensure_future(tapping(app))
        report = await app.sweeper.run_once()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        taps.cancel()
        waits = sorted(await taps)
        longest = waits[-1] * 1000 if waits else 0
        print(
            f"{label:>14}  {which:<6} sweep {wall * 1000:7.1f} ms wall {cpu * 1000:7.1f} ms CPU"
            f"  {report.recorded} new ledger rows;  {units.line()};  {len(waits)} taps'"
            f" units meanwhile, longest {longest:.1f} ms",
            flush=True,
        )
        if times is not None:
            print(f"{'':>14}  {which:<6} rules: {times.line()}", flush=True)
        found[f"{which}_ms"] = cpu * 1000
        found["longest_wait_ms"] = max(found["longest_wait_ms"], longest)
        found["longest_unit_ms"] = max([found["longest_unit_ms"], *(u * 1000 for u in units.write)])
    return found


def tap(conn: Connection) -> None:
    conn.execute(select(users.c.id).limit(1)).all()


async def tapping(app: Any) -> list[float]:
    """A tap's unit of work (a one-row read on the writer's thread, as every tap's) every 5 ms
    while the sweep runs: how long each took, waiting included, until cancelled."""
    waits: list[float] = []
    try:
        while True:
            began = time.perf_counter()
            await app.db.run(tap)
            waits.append(time.perf_counter() - began)
            await asyncio.sleep(0.005)
    except asyncio.CancelledError:
        return waits


async def school(
    folder: str, moment: datetime, seeding: Callable[[Any], Any]
) -> tuple[Any, FakeTelegram]:
    api = FakeTelegram(TOKEN)
    await api.start()
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token=TOKEN,
        telegram_api_url=api.url,
        database_path=Path(folder) / "bench.sqlite3",
        admin_ids="1",
    )
    app = await create_app(settings, clock=FixedClock(moment))
    await app.db.run(seeding)
    return app, api


async def size(total: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        moment = datetime(2026, 11, 26, 23, 0, tzinfo=MSK)  # quiet: record only
        today = moment.date()
        created = moment.astimezone(UTC) - timedelta(days=1)
        app, api = await school(folder, moment, lambda conn: seed(conn, created, today, total))
        record("sweep", open=total, **await sweeps(f"{total} open", app, Units(app.db)))
        await app.close()
        await api.stop()


def risk_register(conn: Connection) -> None:
    """bench/surveys.py's register: 300 risks with 3 actions each, 100 providers."""
    rng = random.Random(16)
    now = datetime(2026, 11, 26, 9, tzinfo=UTC)
    users = UserRepo(conn)
    manager = users.add(1, "Менеджер", None, "ru", None, now)
    users.set_roles(manager, {Role.MANAGER})
    repo, suppliers = RiskRepo(conn), SupplierRepo(conn)
    for n in range(300):
        risk_id = repo.add(RiskKind.RISK, f"Риск {n}", None, manager, now, RiskStatus.ACTIVE)
        repo.update(risk_id, 0, now, likelihood=rng.randint(1, 5), impact=rng.randint(1, 5),
                    review_on=date(2027, 3, 1))  # fmt: skip
        for k in range(3):
            due = date(2026, 11, 20) + timedelta(days=7 * k)
            repo.add_action(risk_id, f"Действие {k}", manager, due, now)
    for n in range(100):
        suppliers.add(f"Поставщик {n}", "услуги", manager, now)


async def features() -> None:
    times = RuleTimes()
    scenarios = (
        ("documents", datetime(2026, 12, 1, 23, 0, tzinfo=MSK), bench_documents.seed),
        (
            "objectives",
            datetime(2027, 5, 20, 23, 0, tzinfo=MSK),
            lambda conn: bench_objectives.seed(
                conn, datetime(2027, 5, 20, 12, 0, tzinfo=MSK).astimezone(UTC)
            ),
        ),
        ("risks", datetime(2026, 11, 26, 23, 0, tzinfo=MSK), risk_register),
    )
    for label, moment, seeding in scenarios:
        with tempfile.TemporaryDirectory() as folder:
            app, api = await school(folder, moment, seeding)
            record("sweep_feature", rule=label, **await sweeps(label, app, Units(app.db), times))
            await app.close()
            await api.stop()


async def main(sizes: list[int], with_features: bool) -> None:
    for total in sizes:
        await size(total)
    if with_features:
        await features()


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if not a.startswith("--")]
    sizes = [int(a) for a in arguments] or [10_000, 30_000, 100_000]
    asyncio.run(main(sizes, "--no-features" not in sys.argv))
