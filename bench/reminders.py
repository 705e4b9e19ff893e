"""Reminder benchmark.

1. One sweep over 10,000 open corrective actions across 100 departments (target < 0.5 s):
   the first sweep records what is due in the ledger, the next finds nothing new.
2. Fan-out of 1,000 reminders through the fake Bot API with the limiter (target ≥ 90 % of
   the configured 30 messages/s, zero 429s, zero duplicates). The fake server here answers
   429 as Telegram would when more than 30 messages go out in any second, or more than
   one a second to the same chat.

    python -m bench.reminders
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections import Counter, deque
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from bot.app import create_app
from bot.clock import FixedClock
from bot.config import Settings
from bot.domain.nonconformities import NcStatus, Source
from bot.domain.roles import Role
from bot.storage.departments import DepartmentRepo
from bot.storage.nonconformities import NcRepo
from bot.storage.users import UserRepo
from tests.fakeapi import ApiError, FakeTelegram

TOKEN = "123456789:AAHbenchTokenForLoadTestsOnly_abcdefg"
MSK = ZoneInfo("Europe/Moscow")
DEPARTMENTS, PER_DEPARTMENT, FANOUT = 100, 100, 1000
FANOUT_TG = 100_000
RATE = 30


class LimitedTelegram(FakeTelegram):
    """Answers 429 when the bot goes faster than Telegram allows."""

    def __init__(self, token: str) -> None:
        super().__init__(token)
        self.recent: deque[float] = deque()
        self.last_in_chat: dict[int, float] = {}
        self.refused = 0

    async def api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        now = time.monotonic()
        chat = int(params["chat_id"])
        while self.recent and now - self.recent[0] >= 1.0:
            self.recent.popleft()
        if len(self.recent) >= RATE + 1 or now - self.last_in_chat.get(chat, -9.0) < 0.9:
            self.refused += 1
            raise ApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1})
        self.recent.append(now)
        self.last_in_chat[chat] = now
        return await super().api_sendMessage(params)


def seed(conn: Connection, now: datetime, today: Any) -> None:
    users, departments, ncs = UserRepo(conn), DepartmentRepo(conn), NcRepo(conn)
    manager = users.add(1, "Manager", None, "ru", None, now)
    users.set_roles(manager, {Role.MANAGER})
    for d in range(DEPARTMENTS):
        department = departments.add(f"Подразделение {d + 1}", now)
        head = users.add(10_000 + d, f"Head {d}", None, "ru", department, now)
        users.set_roles(head, {Role.HEAD})
        departments.set_head(department, head)
        for n in range(PER_DEPARTMENT):
            # Every 10th action is due in three days (the fan-out); the rest spread over
            # the next months, with a few overdue.
            offset = 3 if n % 10 == 0 else (-(n % 7) - 1 if n % 10 == 5 else 10 + n)
            nc_id = ncs.add(
                now.year,
                now,
                source=Source.REPORT.value,
                status=NcStatus.PLANNED.value,
                description=f"Несоответствие {d}-{n}",
                reporter_id=manager,
                department_id=department,
                responsible_id=head,
                corrective_action="Действие",
                due_date=today + timedelta(days=offset),
            )
            del nc_id


def seed_fanout(conn: Connection, now: datetime, today: Any) -> None:
    """1,000 more heads, each with one action due in three days: 1,000 messages."""
    users, ncs = UserRepo(conn), NcRepo(conn)
    for n in range(FANOUT):
        head = users.add(FANOUT_TG + n, f"Fan-out head {n}", None, "ru", None, now)
        users.set_roles(head, {Role.HEAD})
        ncs.add(
            now.year,
            now,
            source=Source.REPORT.value,
            status=NcStatus.PLANNED.value,
            description=f"Fan-out {n}",
            reporter_id=1,
            responsible_id=head,
            corrective_action="Действие",
            due_date=today + timedelta(days=4),
        )


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        api = LimitedTelegram(TOKEN)
        await api.start()
        clock = FixedClock(datetime(2026, 11, 26, 23, 0, tzinfo=MSK))  # quiet: record only
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            bot_token=TOKEN,
            telegram_api_url=api.url,
            database_path=Path(folder) / "bench.sqlite3",
            admin_ids="1",
            send_rate=RATE,
        )
        app = await create_app(settings, clock=clock)
        today = clock.now().astimezone(MSK).date()
        started = time.perf_counter()
        await app.db.run(lambda conn: seed(conn, clock.now().astimezone(UTC), today))
        seeded = time.perf_counter() - started
        print(f"seeded {DEPARTMENTS * PER_DEPARTMENT} open actions in {seeded:.1f} s")

        for label in ("first sweep (records)", "second sweep (nothing new)"):
            started = time.perf_counter()
            report = await app.sweeper.run_once()
            elapsed = time.perf_counter() - started
            print(f"{label:<28} {elapsed * 1000:7.1f} ms  ({report.recorded} new ledger rows)")

        # The 10,000 are settled first (Friday's reminders, grouped per person), then
        # 1,000 people get one fresh reminder each: the fan-out that is timed.
        clock.set(datetime(2026, 11, 27, 10, 0, tzinfo=MSK))
        started = time.perf_counter()
        settled: Counter[str] = Counter()
        while True:  # until every reminder due for the 10,000 has gone
            report = await app.sweeper.run_once()
            if not report.outcomes:
                break
            settled.update(report.outcomes)
            clock.set(clock.now() + timedelta(minutes=1))
        print(
            f"Friday's reminders for the 10,000: {dict(settled)} in {len(api.messages) - 1} "
            f"messages, {time.perf_counter() - started:.1f} s; 429 answers: {api.refused}"
        )
        await app.db.run(lambda conn: seed_fanout(conn, clock.now().astimezone(UTC), today))
        clock.set(clock.now() + timedelta(minutes=5))
        before, refused = len(api.messages), api.refused
        started = time.perf_counter()
        report = await app.sweeper.run_once()
        elapsed = time.perf_counter() - started
        sent = len(api.messages) - before
        texts = Counter((m["chat"]["id"], m.get("text")) for m in api.messages.values())
        duplicates = sum(count - 1 for count in texts.values() if count > 1)
        print(
            f"fan-out: {sent} messages {report.outcomes} in {elapsed:.1f} s = "
            f"{sent / elapsed:.1f} msg/s ({sent / elapsed / RATE:.0%} of {RATE}/s); "
            f"429 answers: {api.refused - refused}; duplicates in the whole run: {duplicates}"
        )
        await app.close()
        await api.stop()


if __name__ == "__main__":
    asyncio.run(main())
