"""Load benchmark: N respondents answer a 40-question questionnaire at the same time.

The bot runs as its own process (`python -m bot`, production settings) and talks HTTP to
the fake Bot API (tests/fakeapi.py) in this process, which also plays the respondents —
as with Telegram, the server's work is not the bot's. Every tap is timed, each person's
first (the bot's caches cold after its start) included, and shown apart as well. Prints
updates/s and p50/p95 latency per tap (from the tap to the next screen) and the bot
process's CPU per update (/proc/<pid>/stat: the figure that holds when the machine is
shared; wall rates swing 3-5x), then the same for a bare echo bot (bench/echo_bot.py) on
the same harness, and the ratios (targets: CPU <= 1.5x echo's, rate >= 65 % of echo's).

    python -m bench.questionnaire [--users 200] [--questions 40]
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import itertools
import os
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from bench.figures import record
from bench.sweep import seed_actions
from bot.clock import SystemClock
from bot.domain.audits import AuditDraft
from bot.domain.roles import Role
from bot.services.accounts import AccountService
from bot.services.audits import AuditService
from bot.services.templates import TemplateService
from bot.storage.db import Database
from bot.storage.departments import DepartmentRepo
from bot.storage.users import UserRepo
from tests.fakeapi import FakeTelegram, Msg

TOKEN = "123456789:AAHbenchTokenForLoadTestsOnly_abcdefg"
MANAGER_TG = 1
AUDITOR_TG = 2
FIRST_RESPONDENT_TG = 10_000
FIRST_HEAD_TG = 90_000
ROOT = Path(__file__).resolve().parent.parent
_callback_ids = itertools.count(1)
SWEPT_ACTIONS = 10_000


TICK = os.sysconf("SC_CLK_TCK")


def cpu_of(pid: int) -> float:
    """Seconds of CPU the process has used (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.95) - 1)]


@dataclass
class Figures:
    updates: int
    seconds: float
    latencies: list[float]
    cpu: float = 0.0  # the bot process's CPU seconds over the run
    first: list[float] = field(default_factory=list)  # each person's first tap

    @property
    def rate(self) -> float:
        return self.updates / self.seconds

    @property
    def cpu_per_update(self) -> float:
        return self.cpu / self.updates

    def line(self, name: str) -> str:
        p50, p95 = percentiles(self.latencies)
        text = (
            f"{name:<14} {self.updates:>6} updates in {self.seconds:6.2f} s = "
            f"{self.rate:7.1f} updates/s   p50 {p50 * 1000:6.1f} ms   p95 {p95 * 1000:6.1f} ms"
            f"   CPU {self.cpu_per_update * 1000:5.2f} ms/update"
        )
        if self.first:
            first50, first95 = percentiles(self.first)
            text += (
                f"\n{'':<14} each person's first tap: p50 {first50 * 1000:6.1f} ms"
                f"   p95 {first95 * 1000:6.1f} ms"
            )
        return text


def checklist_yaml(questions: int) -> bytes:
    lines = [
        "code: bench_forty",
        "version: 1",
        "language: ru",
        'title: "Нагрузочный чек-лист"',
        "sections:",
    ]
    for number in range(questions):
        if number % 10 == 0:
            lines += [f'  - title: "Раздел {number // 10 + 1}"', "    questions:"]
        lines += [
            f"      - id: b{number:02d}",
            f'        text: "Вопрос номер {number + 1}: всё ли в порядке с документом {number}?"',
            '        clause: "7.5.3"',
            "        type: yes_no",
            '        nc_trigger: "no"',
        ]
    return "\n".join(lines).encode()


def sender(tg_id: int) -> dict[str, object]:
    return {"id": tg_id, "is_bot": False, "first_name": f"U{tg_id}", "language_code": "ru"}


def latest(api: FakeTelegram, tg_id: int) -> Msg | None:
    mine = [m for (chat, _), m in api.messages.items() if chat == tg_id]
    return Msg(max(mine, key=lambda m: m["message_id"])) if mine else None


async def tap(api: FakeTelegram, tg_id: int, text: str) -> float:
    """Presses a button on the newest message; returns seconds until the bot answered."""
    message = latest(api, tg_id)
    assert message is not None
    data = message.button(text)["callback_data"]
    api.expect_output(tg_id)
    started = time.perf_counter()
    await api.push(
        {
            "callback_query": {
                "id": str(next(_callback_ids)),
                "from": sender(tg_id),
                "chat_instance": f"c{tg_id}",
                "message": message.raw,
                "data": data,
            }
        }
    )
    await api.wait_output(tg_id)
    return time.perf_counter() - started


async def drive(
    api: FakeTelegram,
    users: list[int],
    labels: list[str],
    pid: int,
    think: float = 0.0,
    screens: list[dict[str, object]] | None = None,
) -> Figures:
    """Every user taps the buttons `labels` in turn, every tap timed; with `think` seconds
    between a screen and the next tap (a person reading), the offered load is users/think
    taps a second. The bot process `pid`'s CPU is read around the run. `screens` gets the
    first user's second screen (a question with its buttons), the echo's to send back."""
    latencies: list[float] = []
    first: list[float] = []

    async def one(tg_id: int) -> None:
        if think:
            await asyncio.sleep(think * (tg_id % 100) / 100)  # people do not start in step
        for number, label in enumerate(labels):
            seconds = await tap(api, tg_id, label)
            latencies.append(seconds)
            if number == 0:
                first.append(seconds)
            if number == 1 and screens is not None and not screens:
                shown = latest(api, tg_id)
                assert shown is not None
                screens.append(copy.deepcopy(shown.raw))  # the server edits it in place
            if think:
                await asyncio.sleep(think)

    cpu = cpu_of(pid)
    started = time.perf_counter()
    await asyncio.gather(*(one(tg_id) for tg_id in users))
    seconds = time.perf_counter() - started
    return Figures(len(latencies), seconds, latencies, cpu_of(pid) - cpu, first)


async def seed(database: Path, users: int, questions: int, actions: int = 0) -> None:
    """A school with N teachers and an audit that starts today (the bot opens it); with
    `actions`, that many open corrective actions in 50 departments, 2,000 of them due in
    three days or overdue (as bench/sweep.py), so each sweep has reminders to send."""
    database.parent.mkdir(parents=True, exist_ok=True)
    db = Database.sqlite(database)
    await db.migrate()
    now = datetime.now(UTC)

    def people(conn: Connection) -> tuple[int, int, list[int]]:
        repo = UserRepo(conn)
        manager_id = repo.add(MANAGER_TG, "Manager", None, "ru", None, now)
        repo.set_roles(manager_id, {Role.MANAGER})
        auditor_id = repo.add(AUDITOR_TG, "Auditor", None, "ru", None, now)
        repo.set_roles(auditor_id, {Role.AUDITOR})
        respondent_ids = []
        for n in range(users):
            user_id = repo.add(FIRST_RESPONDENT_TG + n, f"Teacher {n}", None, "ru", None, now)
            repo.set_roles(user_id, {Role.TEACHER})
            respondent_ids.append(user_id)
        return manager_id, auditor_id, respondent_ids

    manager_id, auditor_id, respondent_ids = await db.run(people)
    if actions:
        await db.run(lambda conn: open_actions(conn, now, manager_id, actions))
    clock = SystemClock()
    templates = TemplateService(db, clock)
    manager = await AccountService(db, clock, frozenset()).get(manager_id)
    assert manager is not None
    template = await templates.import_yaml(manager, checklist_yaml(questions))
    audits = AuditService(db, clock, templates, ZoneInfo("Europe/Moscow"))
    today = audits.today()
    await audits.plan(
        manager,
        AuditDraft(
            title="Нагрузка",
            template_id=template.id,
            objectives=["risks"],
            scope="bench",
            criteria="bench",
            lead_auditor_id=auditor_id,
            respondent_ids=respondent_ids,
            start_date=today,
            deadline=today + timedelta(days=5),  # no "due today" reminder on top
        ),
    )
    await db.close()


def open_actions(conn: Connection, now: datetime, manager_id: int, total: int) -> None:
    users, departments = UserRepo(conn), DepartmentRepo(conn)
    heads = []
    for d in range(50):
        department = departments.add(f"Подразделение {d + 1}", now)
        head = users.add(FIRST_HEAD_TG + d, f"Head {d}", None, "ru", department, now)
        users.set_roles(head, {Role.HEAD})
        departments.set_head(department, head)
        heads.append((department, head))
    today = now.astimezone(ZoneInfo("Europe/Moscow")).date()
    seed_actions(conn, now, today, total, manager_id, heads)


async def start_process(
    api: FakeTelegram, module: str, database: Path, sweep_seconds: int = 60
) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": api.url,
        "DATABASE_PATH": str(database),
        "ADMIN_IDS": str(MANAGER_TG),
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
        # The audit opens (and its messages go) whatever the hour the bench runs at.
        "QUIET_HOURS": "0-0",
        "QUIET_WEEKENDS": "false",
        "SWEEP_SECONDS": str(sweep_seconds),
    }
    command = ["-m", module]
    if module == "bot" and os.environ.get("BENCH_PROFILE"):
        command = [os.environ["BENCH_PROFILE"]]  # a wrapper that profiles the bot process
    return await asyncio.create_subprocess_exec(
        sys.executable, *command, env=env, cwd=database.parent
    )


async def wait_for_screens(api: FakeTelegram, tg_ids: list[int], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while any(latest(api, tg_id) is None for tg_id in tg_ids):
        if time.monotonic() > deadline:
            raise TimeoutError("the bot did not show every respondent a screen")
        await asyncio.sleep(0.1)


async def wait_for_menus(api: FakeTelegram, tg_ids: list[int], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while any(api.chat_commands(tg_id) is None for tg_id in tg_ids):
        if time.monotonic() > deadline:
            raise TimeoutError("the bot did not set every respondent's menu")
        await asyncio.sleep(0.1)


async def stop_process(process: asyncio.subprocess.Process) -> None:
    process.terminate()
    await asyncio.wait_for(process.wait(), 30)


async def bench_questionnaire(
    users: int,
    questions: int,
    workdir: Path,
    think: float = 0.0,
    screens: list[dict[str, object]] | None = None,
    actions: int = 0,
) -> Figures:
    """With `actions` open corrective actions, the bot sweeps every 5 s while people tap."""
    database = workdir / "bench.sqlite3"
    await seed(database, users, questions, actions)
    api = FakeTelegram(TOKEN)
    await api.start()
    process = await start_process(api, "bot", database, 5 if actions else 60)
    tg_ids = [FIRST_RESPONDENT_TG + n for n in range(users)]
    try:
        await wait_for_screens(api, tg_ids)  # the bot's first sweep opened the audit
        # The first start of a new database sets everyone's command menu, 30 a second;
        # a restart finds them set. The taps are timed from when that is done.
        await wait_for_menus(api, tg_ids)
        if os.environ.get("BENCH_PROFILE"):
            process.send_signal(signal.SIGUSR1)  # the profiler forgets the start-up
        # Opening the questionnaire is each person's first tap since the bot started: its
        # caches are cold. Timed like the rest (it used to be left out).
        labels = ["Начать анкету"] + ["Да"] * questions
        figures = await drive(api, tg_ids, labels, process.pid, think, screens)
    finally:
        await stop_process(process)
        await api.stop()
    db = Database.sqlite(database)
    answered = await db.run(
        lambda conn: conn.exec_driver_sql(
            "SELECT count(*) FROM answers WHERE value = 'yes'"
        ).scalar()
    )
    await db.close()
    assert answered == users * questions, f"{answered} answers stored, not {users * questions}"
    return figures


async def bench_echo(users: int, taps: int, workdir: Path, screen: dict[str, object]) -> Figures:
    """The echo is shown the questionnaire's own question screen and sends it back."""
    api = FakeTelegram(TOKEN)
    await api.start()
    tg_ids = [FIRST_RESPONDENT_TG + n for n in range(users)]
    for tg_id in tg_ids:
        await api.api_sendMessage(
            {"chat_id": tg_id, "text": screen["text"], "reply_markup": screen["reply_markup"]}
        )
    process = await start_process(api, "bench.echo_bot", workdir / "echo.sqlite3")
    try:
        await asyncio.wait_for(api.polled.wait(), 60)  # the echo bot is up: start the clock
        figures = await drive(api, tg_ids, ["Да"] * taps, process.pid)
    finally:
        await stop_process(process)
        await api.stop()
    return figures


async def main(users: int, questions: int, think: float) -> None:
    with tempfile.TemporaryDirectory() as folder:
        screens: list[dict[str, object]] = []
        ours = await bench_questionnaire(users, questions, Path(folder), screens=screens)
        echo = await bench_echo(users, questions + 1, Path(folder), screens[0])
        paced = await bench_questionnaire(
            users, 10, Path(folder) / "paced", think, actions=SWEPT_ACTIONS
        )
    load = os.getloadavg()
    print(f"{users} respondents x {questions} questions (+ the opening tap), through the fake")
    print(f"Bot API over HTTP; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(ours.line("questionnaire"))
    print(echo.line("bare echo"))
    print(
        f"questionnaire CPU per update = {ours.cpu_per_update / echo.cpu_per_update:.2f}x "
        f"echo's (target <= 1.5x); throughput = {ours.rate / echo.rate:.0%} of echo's "
        "(target >= 65 %)"
    )
    print(
        f"as people answer (a tap every {think:g} s each, {users / think:.0f} taps/s offered), "
        f"the bot sweeping {SWEPT_ACTIONS:,} open actions every 5 s (target p95 < 50 ms):"
    )
    print(paced.line("questionnaire"))
    record(
        "questionnaire",
        cpu=ours.cpu_per_update, echo_cpu=echo.cpu_per_update, rate=ours.rate,
        echo_rate=echo.rate, p95=percentiles(ours.latencies)[1],
        first_p95=percentiles(ours.first)[1], paced_p95=percentiles(paced.latencies)[1],
        paced_p50=percentiles(paced.latencies)[0], users=users, think=think,
    )  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--questions", type=int, default=40)
    parser.add_argument("--think", type=float, default=3.0, help="seconds between taps")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.users, arguments.questions, arguments.think))
