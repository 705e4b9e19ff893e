"""Chaos benchmark: the real bot process under a flaky Telegram and repeated `kill -9`.

    python bench/chaos.py [--seconds 120] [--seed 1] [--calm 120] [--keep]

A school is seeded with the project's own services before the bot starts (a manager, an
auditor, an observer, 6 department heads, 50 teachers, one open audit of the tests' mini
checklist — one question of each type, question 2 needs a photo — with the 50 teachers as
respondents, and for every head: an NC assigned to him to plan, an action due today, one
or two overdue ones, a new NC the manager assigns during the run; two done actions wait
for verification). The fake Bot API (bot/sandbox/botapi.py) runs in this process; `python
-m bot` runs as a subprocess against it (TELEGRAM_TIMEOUT=5, SWEEP_SECONDS=5, no quiet
time). For `--seconds`:

- 30 % of the bot's calls (3 % of getUpdates: the polling loop has its own backoff) meet a
  seeded fault: 429 retry-after 1, 500, 502, a connection dropped before the call is read,
  dropped after it was done, or an answer stalled past the client timeout (6 s);
- every 3–6 s of serving (counted from the bot's first getUpdates; start-up takes seconds
  of CPU here) the bot is killed with SIGKILL and started again; 15 % of the kills hit it
  while it is still starting. A start that fails on its own (getMe or the first getUpdates
  refused) is counted as a start failure and restarted;
- people act as on a phone, only through the fake server, reading the screen the bot
  shows and waiting for it to change (up to 25 s, then they do what the screen asks again):
  50 respondents answer tap by tap (half type the two typed answers in one burst, most
  send an album of 3–5 photos for question 2, some go back from the review screen and
  change an answer, then submit); heads open their NC, plan it (the correction and three
  whys as one burst, the root cause, an action, a due date, confirm) and mark an overdue
  action done with an album; the manager assigns the new NCs; the sweeps fan out
  reminders.

Then the chaos stops, a clean bot runs until the people are done and the ledger has
nothing due (at most `--calm` s), and is stopped with SIGTERM (it must exit 0 within 15 s).
The database (read with the project's code) and the fake server's chats give one table:

- answers: "given" counts every tap or typed answer sent (retries included);
  "acknowledged" those the bot proved it took: a tap's message edited (or a new one sent)
  to the next question, or to the same question showing the tapped answer; a typed answer
  followed by the next screen (the next question, or the review after the last one), each
  within the person's wait for that action (until his next action). Per question that had
  an acknowledged answer: "lost" = no value stored; "wrong" = a stored value other than
  the last acknowledged one and other than any given after it. "Changed on the review
  screen" counts answers the person saw differently on the review than he had them
  acknowledged and gave again;
- photos: sent, acknowledged (the album's confirmation came), kept (an acknowledged photo's
  file id is in the stored evidence of the answer, or of the NC / its open done dialog);
- dialog texts (plan corrections, whys, actions, done notes), distinct texts: sent,
  acknowledged (the next prompt came: the first why question after the correction, the
  next why quoting it after a why, the due-date question after the action, the evidence
  confirmation for an album's caption), lost (acknowledged, yet neither in the stored NC
  nor in the person's stored dialog data), out of place (kept, but in another field);
- steps (plan confirmed, action done, questionnaire submitted, NC assigned): acknowledged
  by the screen, and lost when the database does not show them;
- reminders and event messages: each notification-ledger identity (kind, object,
  recipient, slot) against the messages that reached the recipient's chat (an event's text
  is rendered from its stored words and matched exactly; a reminder is matched by its kind's
  text and the object in its buttons): delivered 0×, 1×, 2× or more; with the ledger's
  status counts. A 0× whose status is "unknown" is the ledger's at-most-once promise (the
  send may have reached Telegram, so it is not repeated);
- apologies: bot messages or callback alerts starting "Извините" / "Sorry";
- unhandled exceptions: Tracebacks in the bot's output (each process's stdout/stderr);
- process deaths: exits we did not cause (SIGKILL, SIGTERM), other than clean one-line
  start failures, which are counted apart.

Exit code 0 only if every target line passes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import contextvars
import copy
import functools
import html
import itertools
import json
import os
import random
import re
import signal
import sqlite3
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from aiogram.filters.callback_data import CallbackData
from aiohttp import web
from sqlalchemy import select

from bot.app import create_app
from bot.callbacks import (
    QCB,
    AuditCB,
    NcCB,
    NcListCB,
    NcView,
    PlanNcAction,
    PlanNcCB,
    QAction,
    SnoozeCB,
)
from bot.config import Settings
from bot.domain.audits import AuditDraft, Objective
from bot.domain.checklists import AnswerType, EvidenceRule, Question
from bot.domain.reminders import EVENT_KINDS, Due, Kind
from bot.domain.roles import Role
from bot.domain.scoring import normalize_answer
from bot.i18n import create_i18n, po_path
from bot.sandbox.botapi import ApiError, FakeTelegram, Fault, html_to_text
from bot.sandbox.demo import SandboxClock
from bot.scheduler.messages import render
from bot.services.accounts import Profile
from bot.services.nonconformities import ReportDraft
from bot.storage.db import Database
from bot.storage.schema import (
    answers,
    audit_respondents,
    fsm_states,
    nonconformities,
    notifications,
    users,
)
from bot.views.answers import has_own_mark

ROOT = Path(__file__).resolve().parent.parent
MINI = ROOT / "tests" / "data" / "mini_checklist.yaml"
TOKEN = "123456789:AAHfakeTokenForTestsOnly_abcdefghijk"
BOT_ID = int(TOKEN.split(":")[0])
ZONE = ZoneInfo("Europe/Moscow")
MANAGER_TG, AUDITOR_TG, OBSERVER_TG = 1001, 1002, 1003
HEAD_TG, TEACHER_TG = 3000, 10_000
HEADS, TEACHERS = 6, 50

CLIENT_TIMEOUT = 5  # TELEGRAM_TIMEOUT: a stall just past it is quick
FAULT_SHARE = 0.30
POLL_FAULT_SHARE = 0.03
FAULTS = ("429", "500", "502", "drop_before", "drop_after", "stall_after")
POLL_FAULTS = ("429", "500", "502", "drop_before")  # the long poll never stalls on purpose
LIFE = (3.0, 6.0)  # seconds of serving between kills
KILL_STARTING = 0.15  # share of kills that hit a bot still starting
START_WAIT = 90.0  # a cold start on a busy 2-core machine
STOP_WAIT = 15.0  # SIGTERM must end the bot within this

REACTION_WAIT = 25.0  # a person waits this long for the screen to change, then acts again
QUIET = 2.0  # once the bot reacted: this long without news and the reaction is complete
MAX_STEPS = 150  # per person: a loop guard
START_FAILURES = (
    "Telegram is unreachable at",
    "Telegram refused BOT_TOKEN",
    "Another process is already getting",
)

REQUEST: contextvars.ContextVar[web.Request | None] = contextvars.ContextVar(
    "request", default=None
)


# -- texts: the bot's own words (locales/ru), as a phone shows them --------------------------


class Texts:
    """Patterns built from the bot's message catalogue: placeholders match anything (or the
    groups asked for), tags are dropped, entities unescaped, as the fake server stores
    texts."""

    def __init__(self) -> None:
        self.i18n = create_i18n("ru")

    def raw(self, key: str) -> str:
        return str(self.i18n.gettext(key, locale="ru"))

    def plain(self, key: str) -> str:
        return html_to_text(self.raw(key))

    def pattern(self, key: str, **groups: str) -> re.Pattern[str]:
        parts = []
        for part in re.split(r"(\{\w+\})", self.raw(key)):
            name = part[1:-1] if re.fullmatch(r"\{\w+\}", part) else None
            if name is None:
                parts.append(re.escape(html.unescape(re.sub(r"<[^>]+>", "", part))))
            elif name in groups:
                parts.append(f"(?P<{name}>{groups[name]})")
            else:
                parts.append(".*?")
        return re.compile("".join(parts), re.S)

    def nc_event_keys(self) -> list[str]:
        source = po_path("ru").read_text(encoding="utf-8")
        return sorted(set(re.findall(r'^msgid "(nc\.told\.[\w.]+)"', source, re.M)))


T = Texts()
NUM = r"\d+"
NC_NUMBER = r"NC-\d{4}-\d{3}"
WHERE = T.pattern("q.where", n=NUM, total=NUM)
YOUR_ANSWER = T.pattern("q.your_answer", answer=r"[^\n]*")
ATTACH_NOW = T.plain("q.attach_now")
EVIDENCE_SAVED = T.pattern("q.evidence_saved", n=NUM, count=NUM)
REVIEW = T.pattern("q.review_title", answered=NUM, total=NUM)
SUBMIT_CONFIRM = T.pattern("q.submit_confirm")
MISSING = T.pattern("q.missing_title")
SUBMITTED = T.pattern("q.submitted")
MINE_TITLE = T.pattern("audits.mine_title")
MINE_EMPTY = T.pattern("audits.mine_empty")
ASK_CORRECTION = T.pattern("nc.plan.ask_correction", number=NC_NUMBER)
ASK_FIRST_WHY = T.pattern("nc.plan.ask_first_why", n=NUM, total=NUM)
ASK_NEXT_WHY = T.pattern("nc.plan.ask_next_why", previous=r".+?", n=NUM, total=NUM)
ASK_ACTION = T.pattern("nc.plan.ask_action")
ASK_DUE = T.pattern("nc.plan.ask_due")
SUMMARY = T.pattern("nc.plan.summary")
CARD = T.pattern("nc.card.head", number=NC_NUMBER, status=r"[^\n]+")
ASK_DONE = T.pattern("nc.ask_done", number=NC_NUMBER)
DONE_SAVED = T.pattern("nc.done_evidence_saved", count=NUM)
DONE_NEEDS_NOTE = T.plain("nc.done_needs_note")
STALE = T.plain("stale.button")
DIALOG_LOST = T.plain("dialog.lost")
ACTIONS = T.pattern("actions.title")
ASK_RESPONSIBLE = T.pattern("nc.ask_responsible", number=NC_NUMBER)
STATUS = {status: T.plain(f"nc.status.{status}") for status in ("new", "assigned", "planned")}
STATUS["done"] = T.plain("nc.status.done")
SORRY = ("Извините", "Sorry")

# What the bot sends on its own, by ledger kind: the patterns its text starts with (every
# kind the bot knows: "reminder.<kind>" and "reminder.many.<kind>", or its own keys).
NOTICE_KEYS = {
    Kind.AUDIT_OPENED.value: ["audit.opened_notice"],
    Kind.NUDGE.value: ["audit.reminder"],
    Kind.SUBMITTED.value: ["q.auditor_told"],
    Kind.DIGEST.value: ["reminder.digest_title"],
    Kind.NC_EVENT.value: T.nc_event_keys(),
}
NOTICES: dict[str, list[re.Pattern[str]]] = {
    kind.value: [
        T.pattern(key)
        for key in NOTICE_KEYS.get(kind.value, [f"reminder.{kind}", f"reminder.many.{kind}"])
        if T.raw(key) != key
    ]
    for kind in Kind
}


EVENT_NAMES = frozenset(kind.value for kind in EVENT_KINDS)


def notice_kind(text: str) -> str | None:
    for kind, patterns in NOTICES.items():
        if any(p.match(text) for p in patterns):
            return kind
    return None


_CALLBACKS: dict[str, type[CallbackData]] = {
    cls.__prefix__: cls for cls in (QCB, NcCB, PlanNcCB, NcListCB, AuditCB, SnoozeCB)
}


@functools.lru_cache(maxsize=50_000)
def parse(data: str) -> CallbackData | None:
    cls = _CALLBACKS.get(data.split(":", 1)[0])
    if cls is None:
        return None
    try:
        return cls.unpack(data)
    except (ValueError, TypeError):
        return None


# -- the fake Telegram, keeping what each phone showed and when ------------------------------


@dataclass
class Shown:
    """A bot message as the phone showed it at one moment (sent, or after an edit)."""

    seq: int
    kind: str  # sent | edited | deleted
    chat: int
    message_id: int
    text: str
    buttons: list[tuple[str, str]]
    at: float
    notice: str | None = None  # the ledger kind of a message the bot sent on its own

    def find(self, wanted: Callable[[Any], bool]) -> str | None:
        """The callback data of the first button whose parsed data is `wanted`."""
        for _, data in self.buttons:
            parsed = parse(data)
            if parsed is not None and wanted(parsed):
                return data
        return None

    def object_ids(self) -> set[int]:
        """The NCs or audits its buttons point at; {0} for none (the digest)."""
        found: set[int] = set()
        for _, data in self.buttons:
            parsed = parse(data)
            if isinstance(parsed, NcCB | SnoozeCB):
                found.add(parsed.id)
            elif isinstance(parsed, QCB | AuditCB):
                found.add(parsed.audit)
        return found or {0}


class ChaosTelegram(FakeTelegram):
    def __init__(self, token: str) -> None:
        super().__init__(token)
        self.seq = 0
        self.shown: dict[int, list[Shown]] = defaultdict(list)
        self.latest: dict[int, dict[int, Shown]] = defaultdict(dict)
        self.alerts: dict[str, str] = {}  # callback query id -> alert text
        self.alert_log: list[tuple[int | None, str]] = []
        self.bells: dict[int, asyncio.Event] = {}
        self.run_index = 0  # the bot process now alive (set by the runner)
        self.deliveries: dict[int, set[int]] = defaultdict(set)  # update id -> processes
        self.pushed = 0
        # sendMessage requests that reached the server (whatever the fault), by notice:
        # (kind, object, chat) -> count.
        self.attempts: Counter[tuple[str, int, int]] = Counter()

    async def _handle(self, request: web.Request) -> web.Response:
        token = REQUEST.set(request)
        try:
            if request.match_info.get("method") == "sendMessage":
                await self._note_attempt(request)
            return await super()._handle(request)
        finally:
            REQUEST.reset(token)

    async def _note_attempt(self, request: web.Request) -> None:
        if request.content_type != "application/json":
            return
        body = await request.json()  # aiohttp keeps the body for the handler
        try:
            text = html_to_text(str(body.get("text") or ""))
        except ApiError:
            return
        kind = notice_kind(text)
        if kind is None or kind in EVENT_NAMES:
            return
        markup = body.get("reply_markup") or {}
        buttons = [
            ("", str(b.get("callback_data") or ""))
            for row in markup.get("inline_keyboard", [])
            for b in row
        ]
        shown = Shown(0, "sent", int(body["chat_id"]), 0, text, buttons, 0.0, kind)
        for obj in shown.object_ids():
            self.attempts[(kind, obj, shown.chat)] += 1

    def ring(self, chat_id: int) -> None:
        bell = self.bells.pop(chat_id, None)
        if bell is not None:
            bell.set()

    async def wait_chat(self, chat_id: int, after: int, seconds: float) -> int:
        """Waits at most `seconds` for news in the chat; returns the latest event number."""
        if seconds > 0:
            bell = self.bells.setdefault(chat_id, asyncio.Event())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(bell.wait(), seconds)
        return self.seq

    def _logged(self, kind: str, chat_id: int, message_id: int) -> None:
        super()._logged(kind, chat_id, message_id)
        self.seq += 1
        message = self.messages.get((chat_id, message_id)) or {}
        text = str(message.get("text") or message.get("caption") or "")
        markup = message.get("reply_markup") or {}
        buttons = [
            (str(b.get("text")), str(b.get("callback_data") or ""))
            for row in markup.get("inline_keyboard", [])
            for b in row
        ]
        shown = Shown(self.seq, kind, chat_id, message_id, text, buttons, time.monotonic())
        if kind == "sent":
            shown.notice = notice_kind(text)
        self.shown[chat_id].append(shown)
        self.latest[chat_id][message_id] = shown
        self.ring(chat_id)

    async def api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        result = await super().api_answerCallbackQuery(params)
        query_id = str(params["callback_query_id"])
        chat = self.query_chats.get(query_id)
        if params.get("text"):
            self.alerts[query_id] = str(params["text"])
            self.alert_log.append((chat, str(params["text"])))
        if chat is not None:
            self.seq += 1
            self.ring(chat)
        return result

    async def api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        updates = await super().api_getUpdates(params)
        request = REQUEST.get()
        transport = request.transport if request is not None else None
        if updates and transport is not None and not transport.is_closing():
            for update in updates:
                self.deliveries[int(update["update_id"])].add(self.run_index)
        return updates

    async def push_many(self, updates: list[dict[str, Any]]) -> list[int]:
        self.pushed += len(updates)
        return await super().push_many(updates)


class Chaos:
    """The policy the fake server asks about every call."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.enabled = True
        self.calls = 0
        self.injected: Counter[str] = Counter()

    def __call__(self, method: str) -> ApiError | Fault | None:
        if not self.enabled:
            return None
        self.calls += 1
        polling = method == "getUpdates"
        if self.rng.random() >= (POLL_FAULT_SHARE if polling else FAULT_SHARE):
            return None
        kind = self.rng.choice(POLL_FAULTS if polling else FAULTS)
        self.injected[kind] += 1
        if kind == "429":
            return ApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1})
        if kind == "500":
            return ApiError(500, "Internal Server Error")
        if kind == "502":
            return ApiError(502, "Bad Gateway")
        if kind == "stall_after":
            return Fault("stall_after", seconds=CLIENT_TIMEOUT + 1)
        return Fault(kind)  # type: ignore[arg-type]  # drop_before or drop_after


# -- the school, seeded before the bot starts ---------------------------------------------------


@dataclass
class NcSeed:
    id: int
    number: str
    head_tg: int
    head_id: int


@dataclass
class World:
    audit_id: int
    audit_number: str
    questions: list[Question]
    to_plan: dict[int, NcSeed]  # head tg -> his assigned NC
    to_finish: dict[int, NcSeed]  # head tg -> his overdue action to mark done
    to_assign: dict[int, NcSeed]  # head tg -> the new NC the manager gives him
    today: date


async def seed(database: Path) -> World:
    clock = SandboxClock()
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token=TOKEN,
        telegram_api_url="http://127.0.0.1:9",  # never called while seeding
        database_path=database,
        admin_ids=str(MANAGER_TG),
    )
    app = await create_app(settings, clock=clock)
    try:
        return await _seed(app.dispatcher, clock)
    finally:
        await app.close()  # releases the database and its process lock


async def _seed(d: Any, clock: SandboxClock) -> World:
    accounts, departments, invites = d["accounts"], d["departments"], d["invites"]
    templates, audits, ncs = d["templates"], d["audits"], d["ncs"]
    manager = await accounts.ensure_admin(Profile(MANAGER_TG, "Мария Иванова", None, "ru"))
    today = audits.today()

    async def join(roles: set[Role], department: int | None, tg_id: int, name: str) -> Any:
        token, _ = await invites.create(manager, frozenset(roles), department, 1)
        joined = await accounts.join(token, Profile(tg_id, name, None, "ru"))
        assert joined.user is not None, joined
        return joined.user

    auditor = await join({Role.AUDITOR}, None, AUDITOR_TG, "Светлана Белова")
    await join({Role.OBSERVER}, None, OBSERVER_TG, "Николай Орлов")
    department_ids, heads = [], []
    for k in range(HEADS):
        department_id = (await departments.add(manager, f"Методическое объединение {k + 1}")).id
        head = await join({Role.HEAD}, department_id, HEAD_TG + k, f"Руководитель {k + 1}")
        await departments.set_head(manager, department_id, head.id)
        department_ids.append(department_id)
        heads.append(head)
    teachers = []
    for k in range(TEACHERS):
        department_id = department_ids[k % HEADS]
        teachers.append(await join({Role.TEACHER}, department_id, TEACHER_TG + k, f"Учитель {k}"))
    accounts.forget()
    heads = [await accounts.by_tg_id(HEAD_TG + k) for k in range(HEADS)]

    info = await templates.import_yaml(manager, MINI.read_bytes())
    checklist = await templates.checklist(info.id)
    audit = await audits.plan(
        manager,
        AuditDraft(
            title="Уроки и документы",
            template_id=info.id,
            objectives=[Objective.LEGAL.value],
            scope="Все методические объединения",
            criteria="ГОСТ Р ИСО 9001-2015",
            lead_auditor_id=auditor.id,
            respondent_ids=[t.id for t in teachers],
            start_date=today,
            deadline=today + timedelta(days=2),  # a "due in 2 days" reminder on top
        ),
    )
    await audits.open_due()

    async def nc(k: int, text: str) -> Any:
        draft = ReportDraft(department_id=department_ids[k], description=text)
        return await ncs.report(manager, draft)

    def held(days_ago: int) -> None:
        clock.held = datetime.now(UTC) - timedelta(days=days_ago)

    world = World(audit.id, audit.number, list(checklist.questions), {}, {}, {}, today)
    for k, head in enumerate(heads):
        tg = HEAD_TG + k
        assigned = await ncs.assign(
            manager, (await nc(k, f"Нет журнала инструктажей в кабинете {k + 10}")).id, head.id
        )
        world.to_plan[tg] = NcSeed(assigned.id, assigned.number, tg, head.id)
        due = await ncs.assign(
            manager, (await nc(k, f"Не обновлён информационный стенд МО {k + 1}")).id, head.id
        )
        await ncs.plan(
            head, due.id, None, ["Не было графика обновления стенда"],
            "Обновлять стенд по графику", today,
        )  # fmt: skip
        for n in range(2 if k < 2 else 1):  # two heads get their overdue actions grouped
            held(8)
            late = await ncs.assign(
                manager,
                (await nc(k, f"Не проведено открытое занятие по плану ({k}.{n})")).id,
                head.id,
            )
            await ncs.plan(
                head, late.id, None, ["Работу не внесли в план четверти"],
                "Внести работу в план четверти", today - timedelta(days=5),
            )  # fmt: skip
            clock.held = None
            if n == 0:
                world.to_finish[tg] = NcSeed(late.id, late.number, tg, head.id)
        if k in (2, 3):  # done three days ago, waiting for verification
            held(6)
            done = await ncs.assign(
                manager, (await nc(k, f"Не заполнен журнал посещений ({k})")).id, head.id
            )
            await ncs.plan(
                head, done.id, None, ["Нет ответственного за журнал"],
                "Назначить ответственного за журнал", today,
            )  # fmt: skip
            held(3)
            await ncs.done(head, done.id, "Ответственный назначен приказом", [])
            clock.held = None
        fresh = await nc(k, f"Сломан проектор в кабинете {k + 10}")
        world.to_assign[tg] = NcSeed(fresh.id, fresh.number, tg, head.id)
    return world


# -- the bot processes ------------------------------------------------------------------------


@dataclass
class Run:
    index: int
    process: asyncio.subprocess.Process
    out: Path
    err: Path
    started: float
    ready_at: float | None = None
    signalled: str | None = None  # "kill" or "term": what we did to it
    returncode: int | None = None
    outcome: str = ""  # killed | start failure | death | stopped
    stop_seconds: float | None = None


def _open_log(path: Path) -> IO[bytes]:
    return path.open("wb")


class Runner:
    def __init__(self, api: ChaosTelegram, env: dict[str, str], folder: Path, rng: random.Random):
        self.api = api
        self.env = env
        self.folder = folder
        self.rng = rng
        self.runs: list[Run] = []

    async def start(self) -> Run:
        index = len(self.runs) + 1
        out, err = self.folder / f"run-{index:02d}.out", self.folder / f"run-{index:02d}.err"
        self.api.polled.clear()
        self.api.run_index = index
        out_file, err_file = _open_log(out), _open_log(err)
        try:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", env=self.env, cwd=self.folder,
                stdout=out_file, stderr=err_file,
            )  # fmt: skip
        finally:
            out_file.close()
            err_file.close()
        run = Run(index, process, out, err, time.monotonic())
        self.runs.append(run)
        return run

    async def _exited(self, run: Run, seconds: float) -> bool:
        try:
            await asyncio.wait_for(asyncio.shield(run.process.wait()), max(0.0, seconds))
        except TimeoutError:
            return False
        return True

    async def wait_ready(self, run: Run, seconds: float = START_WAIT) -> bool:
        ready = asyncio.ensure_future(self.api.polled.wait())
        ended = asyncio.ensure_future(run.process.wait())
        await asyncio.wait({ready, ended}, timeout=seconds, return_when="FIRST_COMPLETED")
        ready.cancel()
        ended.cancel()
        if self.api.polled.is_set() and run.process.returncode is None:
            run.ready_at = time.monotonic()
            return True
        return False

    async def kill(self, run: Run) -> None:
        if run.process.returncode is None:
            run.signalled = "kill"
            with contextlib.suppress(ProcessLookupError):
                run.process.send_signal(signal.SIGKILL)
        await run.process.wait()
        self.settle(run)

    def settle(self, run: Run) -> None:
        """Names how a finished process ended."""
        run.returncode = run.process.returncode
        if run.signalled == "kill":
            run.outcome = "killed"
        elif run.signalled == "term":
            run.outcome = "stopped"
        else:
            errors = run.err.read_text(errors="replace")
            last = (errors.strip().splitlines() or [""])[-1]
            clean = "Traceback" not in errors and last.startswith(START_FAILURES)
            run.outcome = "start failure" if run.returncode == 1 and clean else "death"

    async def chaos(self, until: float) -> None:
        loop = asyncio.get_running_loop()
        while loop.time() < until:
            run = await self.start()
            if self.rng.random() < KILL_STARTING:
                delay = self.rng.uniform(0.5, 7.0)
            elif await self.wait_ready(run):
                delay = self.rng.uniform(*LIFE)
            else:
                delay = 0.0
            if not await self._exited(run, min(delay, until - loop.time())):
                await self.kill(run)
            else:
                self.settle(run)
                await asyncio.sleep(0.5)

    async def clean(self) -> Run:
        """A bot without chaos (a start failure is retried)."""
        for _ in range(5):
            run = await self.start()
            if await self.wait_ready(run):
                return run
            if run.process.returncode is None:
                await self.kill(run)
            else:
                self.settle(run)
        raise RuntimeError("the bot did not start without chaos")

    async def stop(self, run: Run) -> None:
        started = time.monotonic()
        run.signalled = "term"
        run.process.send_signal(signal.SIGTERM)
        if not await self._exited(run, STOP_WAIT):
            run.signalled = "kill"
            run.process.kill()
            await run.process.wait()
            run.outcome = "did not stop"
            run.returncode = run.process.returncode
            return
        run.stop_seconds = time.monotonic() - started
        self.settle(run)


# -- people -----------------------------------------------------------------------------------


@dataclass
class AnswerItem:
    person: int
    index: int
    value: str  # as it is stored
    acked: bool = False


@dataclass
class PhotoItem:
    person: int
    file_id: str
    target: tuple[str, int]  # ("answer", question index) or ("done", NC id)
    attempt: int = 0  # which start of the done dialog it belongs to
    acked: bool = False


@dataclass
class TextItem:
    person: int
    nc_id: int
    role: str  # correction | why | action | note
    text: str
    attempt: int = 0  # which start of its dialog (pressing "plan" / "done" again restarts)
    acked: bool = False


@dataclass
class StepItem:
    person: int
    step: str  # submitted | planned | done | assigned
    object_id: int
    acked: bool = False


Item = AnswerItem | PhotoItem | TextItem | StepItem
Check = Callable[[list[Shown]], set[int]]


def no_ack(_: list[Shown]) -> set[int]:
    return set()


@dataclass
class Action:
    mark: int
    items: Sequence[Item]
    check: Check
    query: str | None = None
    closed: bool = False


@dataclass
class Book:
    """Everything the people did, for the final count."""

    answers: list[AnswerItem] = field(default_factory=list)
    answer_actions: int = 0
    photos: list[PhotoItem] = field(default_factory=list)
    texts: list[TextItem] = field(default_factory=list)
    steps: list[StepItem] = field(default_factory=list)
    review_changes: list[str] = field(default_factory=list)
    unfinished: list[str] = field(default_factory=list)
    # (person, "plan" | "done", NC id) -> how many times he started that dialog
    attempts: Counter[tuple[int, str, int]] = field(default_factory=Counter)
    starts: Counter[tuple[int, str, int]] = field(default_factory=Counter)  # button presses
    stale_alerts: int = 0


class Bench:
    def __init__(self, api: ChaosTelegram, world: World, seed: int) -> None:
        self.api = api
        self.world = world
        self.seed = seed
        self.book = Book()
        self.until: float | None = None  # people stop then (set when the calm phase starts)
        self.callbacks = itertools.count(1)
        self.albums = itertools.count(1)
        self.started = time.monotonic()

    def over(self) -> bool:
        return self.until is not None and asyncio.get_running_loop().time() > self.until


class Person:
    role = "person"
    screens_with_notices = False

    def __init__(self, bench: Bench, tg_id: int, name: str) -> None:
        self.bench = bench
        self.api = bench.api
        self.tg = tg_id
        self.name = name
        self.rng = random.Random(f"{bench.seed}:{tg_id}")
        self.actions: list[Action] = []
        self.done = False
        self.steps = 0
        self.alert: str | None = None  # the last tap was answered with this alert
        self.log: list[str] = []

    @property
    def sender(self) -> dict[str, Any]:
        return {"id": self.tg, "is_bot": False, "first_name": self.name, "language_code": "ru"}

    def since(self, mark: int) -> list[Shown]:
        events = self.api.shown.get(self.tg, [])
        found = []
        for shown in reversed(events):
            if shown.seq <= mark:
                break
            found.append(shown)
        found.reverse()
        return found

    def screen(self) -> Shown | None:
        """What the phone shows now: the message changed last (a notice the bot sent on its
        own counts only for those who start from one)."""
        best = None
        for shown in self.api.latest.get(self.tg, {}).values():
            if shown.kind == "deleted" or (shown.notice and not self.screens_with_notices):
                continue
            if best is None or shown.seq > best.seq:
                best = shown
        return best

    def _close(self, upto: int | None) -> None:
        """Settles the last action: what its window (until the next action) acknowledged."""
        if not self.actions or self.actions[-1].closed:
            return
        action = self.actions[-1]
        events = [e for e in self.since(action.mark) if upto is None or e.seq <= upto]
        for index in action.check(events):
            action.items[index].acked = True
        action.closed = True

    def finish(self) -> None:
        self._close(None)

    async def _push(
        self,
        updates: list[dict[str, Any]],
        items: Sequence[Item],
        check: Check,
        query: str | None = None,
        what: str = "",
    ) -> Action:
        mark = self.api.seq
        self._close(mark)
        action = Action(mark, items, check, query)
        self.actions.append(action)
        self.note(f"#{mark} {what}")
        await self.api.push_many(updates)
        return action

    def note(self, line: str) -> None:
        self.log.append(f"{time.monotonic() - self.bench.started:7.1f}  {line}")

    async def react(self, action: Action, enough: Callable[[list[Shown]], bool] | None) -> bool:
        """Waits, as a person does, until the bot's reaction is complete (`enough`), or it
        went quiet after reacting, or it did not react at all; True when enough."""
        loop = asyncio.get_running_loop()
        limit = loop.time() + REACTION_WAIT
        while True:
            events = self.since(action.mark)
            if enough is not None and enough(events):
                return True
            alert = action.query is not None and action.query in self.api.alerts
            if events or alert:
                last = events[-1].at if events else time.monotonic()
                limit = min(limit, loop.time() + QUIET - (time.monotonic() - last))
            left = limit - loop.time()
            if left <= 0 or self.bench.over():
                return False
            await self.api.wait_chat(self.tg, action.mark, left)

    def everything(self, action: Action) -> Callable[[list[Shown]], bool]:
        return lambda events: len(action.check(events)) == len(action.items)

    async def tap(
        self, shown: Shown, data: str, items: Sequence[Item] = (), check: Check = no_ack
    ) -> Action:
        message = self.api.messages.get((self.tg, shown.message_id)) or {}
        query_id = f"cq{next(self.bench.callbacks)}"
        update = {
            "callback_query": {
                "id": query_id,
                "from": self.sender,
                "chat_instance": f"ci{self.tg}",
                "message": copy.deepcopy(message),
                "data": data,
            }
        }
        pressed = next((text for text, d in shown.buttons if d == data), data)
        action = await self._push([update], items, check, query_id, f"tap {pressed!r}")
        enough = self.everything(action) if items else (lambda events: bool(events))
        await self.react(action, enough)
        self.alert = self.api.alerts.get(query_id)
        if self.alert:
            self.note(f"alert: {self.alert}")
            self.bench.book.stale_alerts += self.alert == STALE
        return action

    def _text(self, text: str) -> dict[str, Any]:
        body: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            body["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
        return {"message": self.api.user_message(self.tg, self.sender, **body)}

    async def say(
        self, texts: Sequence[str], items: Sequence[Item] = (), check: Check = no_ack
    ) -> Action:
        updates = [self._text(t) for t in texts]
        action = await self._push(updates, items, check, what=f"say {list(texts)!r}")
        enough = self.everything(action) if items else (lambda events: bool(events))
        await self.react(action, enough)
        return action

    async def command(self, text: str) -> Action:
        return await self.say([text])

    async def photos(
        self,
        count: int,
        target: tuple[str, int],
        caption: str | None = None,
        extra: Sequence[Item] = (),
        confirmation: re.Pattern[str] = EVIDENCE_SAVED,
        attempt: int = 0,
    ) -> Action:
        group = f"album{self.tg}-{next(self.bench.albums)}" if count > 1 else None
        updates, items = [], []
        for n in range(count):
            photo = self.api.new_file(f"photo {self.tg} {n}".encode(), "photo.jpg", "photo")
            body: dict[str, Any] = {"photo": [{**photo, "width": 800, "height": 600}]}
            if group:
                body["media_group_id"] = group
            if caption and n == 0:
                body["caption"] = caption
            updates.append({"message": self.api.user_message(self.tg, self.sender, **body)})
            items.append(PhotoItem(self.tg, photo["file_id"], target, attempt))
        self.bench.book.photos += items
        all_items: list[Item] = [*items, *extra]

        def check(events: list[Shown]) -> set[int]:
            seen = any(e.kind == "sent" and confirmation.match(e.text) for e in events)
            return set(range(len(all_items))) if seen else set()

        what = f"{count} photos {caption or ''}"
        action = await self._push(updates, all_items, check, what=what)
        await self.react(action, self.everything(action))
        return action

    async def think(self) -> None:
        await asyncio.sleep(self.rng.uniform(0.3, 1.2))

    async def run(self) -> None:
        try:
            await self.begin()
            while not self.done and not self.bench.over() and self.steps < MAX_STEPS:
                self.steps += 1
                await self.step()
                await self.think()
        finally:
            if not self.done:
                self.bench.book.unfinished.append(f"{self.role} {self.tg}")

    def transcript(self) -> list[str]:
        """What he did and what his phone showed, in order (for --keep)."""
        lines = [f"== {self.role} {self.tg} ({'done' if self.done else 'NOT done'})", *self.log]
        for shown in self.api.shown.get(self.tg, []):
            text = shown.text.replace("\n", " | ")[:150]
            buttons = [label for label, _ in shown.buttons][:8]
            lines.append(f"  #{shown.seq} {shown.kind} m{shown.message_id}: {text} {buttons}")
        return lines

    async def begin(self) -> None:
        await asyncio.sleep(self.rng.uniform(2, 15))

    async def step(self) -> None:
        raise NotImplementedError


def label(question: Question, value: str | None) -> str:
    """An answer as the bot shows it (views/answers.py's format_value, as plain text)."""
    if value is None:
        return T.plain("answer.none")
    if question.type in (AnswerType.YES_NO, AnswerType.YES_NO_NA):
        return T.plain(f"answer.{value}")
    if question.type is AnswerType.SCALE:
        return f"⭐ {value}/5"
    return value


def review_line(index: int, question: Question, value: str | None) -> str:
    """How the review screen starts this answer's line (views/questionnaire.py: an answer whose
    label carries its own mark, "✅ Да" or "⭐ 4/5", gets no "✅ " of its own)."""
    mark = "" if has_own_mark(question) else "✅ "
    return f"{index + 1}. {mark}{label(question, value)}"


TYPED = (AnswerType.NUMBER, AnswerType.TEXT)


class Respondent(Person):
    role = "respondent"
    screens_with_notices = True  # the audit's notice carries the button that starts

    def __init__(self, bench: Bench, tg_id: int, name: str) -> None:
        super().__init__(bench, tg_id, name)
        self.questions = bench.world.questions
        self.audit = bench.world.audit_id
        self.plan = [self.pick(q) for q in self.questions]
        self.burst = self.rng.random() < 0.5  # the two typed answers in one batch
        self.burst_sent = False
        self.album = self.rng.randint(3, 5) if self.rng.random() < 0.7 else 1
        buttons = [i for i, q in enumerate(self.questions) if q.type not in TYPED]
        self.revisit = self.rng.choice(buttons) if self.rng.random() < 0.3 else None
        self.fixes: Counter[int] = Counter()

    def pick(self, question: Question, other_than: str | None = None) -> str:
        kind = question.type
        if kind is AnswerType.YES_NO:
            values = ["yes", "no"]
        elif kind is AnswerType.YES_NO_NA:
            values = ["yes", "no", "na"]
        elif kind is AnswerType.SCALE:
            values = ["1", "2", "3", "4", "5"]
        elif kind is AnswerType.CHOICE:
            values = list(question.options or [])
        elif kind is AnswerType.NUMBER:
            values = [str(self.rng.randint(0, 12))]
        else:
            values = [f"Предложение {self.tg}-{self.rng.randint(100, 999)}"]
        value = self.rng.choice([v for v in values if v != other_than] or values)
        stored = normalize_answer(question, value)
        assert stored is not None, (question.id, value)
        return stored

    def data_for(self, index: int) -> Callable[[Any], bool]:
        question, value = self.questions[index], self.plan[index]
        wanted = value
        if question.type is AnswerType.CHOICE:
            wanted = str((question.options or []).index(value))

        def match(cb: Any) -> bool:
            return (
                isinstance(cb, QCB) and cb.action is QAction.ANSWER and cb.q == index
                and cb.v == wanted and cb.audit == self.audit
            )  # fmt: skip

        return match

    def button(self, action: QAction, q: int | None = None) -> Callable[[Any], bool]:
        return lambda cb: isinstance(cb, QCB) and cb.action is action and (q is None or cb.q == q)

    async def begin(self) -> None:
        await asyncio.sleep(self.rng.uniform(0, 15))
        loop = asyncio.get_running_loop()
        limit = loop.time() + 35  # the audit's notice should come; else he looks himself
        while self.screen() is None and loop.time() < limit and not self.bench.over():
            await self.api.wait_chat(self.tg, self.api.seq, limit - loop.time())

    def shown_answer(self, text: str) -> str | None:
        found = YOUR_ANSWER.search(text)
        return found["answer"].strip() if found else None

    async def step(self) -> None:
        screen = self.screen()
        if screen is None or self.alert:  # a refused or stale button: look again
            self.alert = None
            await self.command("/audits")
            return
        text = screen.text
        if SUBMITTED.match(text):
            self.done = True
            return
        if (where := WHERE.search(text)) and screen.find(lambda cb: isinstance(cb, QCB)):
            await self.question(screen, int(where["n"]) - 1)
        elif EVIDENCE_SAVED.match(text) and (
            data := screen.find(self.button(QAction.EVIDENCE_DONE))
        ):
            await self.tap(screen, data)
        elif REVIEW.search(text):
            await self.review(screen)
        elif SUBMIT_CONFIRM.match(text) and (data := screen.find(self.button(QAction.SUBMIT_SURE))):
            step = StepItem(self.tg, "submitted", self.audit)
            self.bench.book.steps.append(step)
            await self.tap(screen, data, [step], self.submitted)
        elif MISSING.match(text) and (data := screen.find(self.button(QAction.SHOW))):
            await self.tap(screen, data)
        elif data := screen.find(self.button(QAction.OPEN)):
            await self.tap(screen, data)  # the notice, a reminder or the /audits list
        elif MINE_TITLE.match(text) or MINE_EMPTY.match(text):
            self.done = True  # nothing left to answer (submitted)
        else:
            await self.command("/audits")

    @staticmethod
    def submitted(events: list[Shown]) -> set[int]:
        return {0} if any(SUBMITTED.match(e.text) for e in events) else set()

    async def question(self, screen: Shown, index: int) -> None:
        question, text = self.questions[index], screen.text
        shown = self.shown_answer(text)
        if question.type in TYPED:
            if shown == label(question, self.plan[index]):
                await self.to_review(screen)
                return
            indexes = [index]
            following = self.questions[index + 1] if index + 1 < len(self.questions) else None
            if self.burst and not self.burst_sent and following and following.type in TYPED:
                indexes.append(index + 1)
                self.burst_sent = True
            items = [AnswerItem(self.tg, i, self.plan[i]) for i in indexes]
            self.bench.book.answers += items
            self.bench.book.answer_actions += len(items)
            await self.say([self.plan[i] for i in indexes], items, self.typed_check(indexes))
            return
        if question.evidence is EvidenceRule.REQUIRED and ATTACH_NOW in text:
            await self.photos(self.album, ("answer", index))
            return
        if shown == label(question, self.plan[index]):
            await self.to_review(screen)
            return
        data = screen.find(self.data_for(index))
        if data is None:
            await self.command("/audits")
            return
        item = AnswerItem(self.tg, index, self.plan[index])
        self.bench.book.answers.append(item)
        self.bench.book.answer_actions += 1
        await self.tap(screen, data, [item], self.tap_check(index, self.plan[index]))

    async def to_review(self, screen: Shown) -> None:
        data = screen.find(self.button(QAction.REVIEW))
        if data is None:
            await self.command("/audits")
        else:
            await self.tap(screen, data)

    def tap_check(self, index: int, value: str) -> Check:
        question = self.questions[index]
        last = index == len(self.questions) - 1

        def check(events: list[Shown]) -> set[int]:
            for e in events:
                where = WHERE.search(e.text)
                if where and int(where["n"]) == index + 2:
                    return {0}
                shows = self.shown_answer(e.text) == label(question, value)
                if where and int(where["n"]) == index + 1 and shows:
                    return {0}
                if last and self.review_shows(e.text, index, value):
                    return {0}
            return set()

        return check

    def review_shows(self, text: str, index: int, value: str) -> bool:
        """Whether `text` is the review screen listing this answer for question `index`."""
        expected = review_line(index, self.questions[index], value)
        return bool(REVIEW.search(text)) and any(
            line.startswith(expected) for line in text.splitlines()
        )

    def typed_check(self, indexes: list[int]) -> Check:
        total = len(self.questions)
        values = [self.plan[i] for i in indexes]

        def check(events: list[Shown]) -> set[int]:
            acked = set()
            for k, index in enumerate(indexes):
                for e in events:
                    if e.kind != "sent":
                        continue
                    where = WHERE.search(e.text)
                    if (where and int(where["n"]) == index + 2) or (
                        index == total - 1 and self.review_shows(e.text, index, values[k])
                    ):
                        acked.add(k)
                        break
            return acked

        return check

    async def review(self, screen: Shown) -> None:
        lines = screen.text.splitlines()
        for index, question in enumerate(self.questions):
            expected = review_line(index, question, self.plan[index])
            if any(line.startswith(expected) for line in lines) or self.fixes[index] >= 3:
                continue
            given = [a for a in self.bench.book.answers if a.person == self.tg]
            if any(a.index == index and a.value == self.plan[index] and a.acked for a in given):
                line = next((x for x in lines if x.startswith(f"{index + 1}. ")), "?")
                change = f"{self.tg} question {index + 1}: acknowledged {self.plan[index]!r}, "
                self.bench.book.review_changes.append(change + f"review shows {line[:60]!r}")
                self.note(f"review shows a changed answer: {line}")
            self.fixes[index] += 1
            data = screen.find(self.button(QAction.SHOW, index))
            if data is not None:
                await self.tap(screen, data)
                return
        if self.revisit is not None:
            index, self.revisit = self.revisit, None
            self.plan[index] = self.pick(self.questions[index], other_than=self.plan[index])
            data = screen.find(self.button(QAction.SHOW, index))
            if data is not None:
                await self.tap(screen, data)
                return
        data = screen.find(self.button(QAction.SUBMIT))
        if data is None:
            await self.command("/audits")
        else:
            await self.tap(screen, data)


@dataclass
class Task:
    kind: str  # plan | done
    nc: NcSeed
    finished: bool = False


class Head(Person):
    role = "head"

    def __init__(self, bench: Bench, tg_id: int, name: str) -> None:
        super().__init__(bench, tg_id, name)
        world = bench.world
        self.tasks = [
            Task("plan", world.to_plan[tg_id]),
            Task("done", world.to_finish[tg_id]),
            Task("plan", world.to_assign[tg_id]),
        ]
        self.plans: dict[int, dict[str, Any]] = {}
        for task in self.tasks:
            number = task.nc.number
            whys = [f"Причина {n} по {number}" for n in range(1, self.rng.randint(3, 4) + 1)]
            self.plans[task.nc.id] = {
                "correction": f"Исправлено сразу по {number}",
                "whys": whys,
                "action": f"Ввести проверку по {number}",
                "due": world.today + timedelta(days=self.rng.randint(2, 10)),
                "note": f"Сделано по {number}, акт подписан",
            }
        self.dialog_nc: int | None = None  # the NC whose plan dialog the screens belong to
        self.waits = 0

    def nc_button(self, view: NcView, nc_id: int, arg: str = "") -> Callable[[Any], bool]:
        return lambda cb: (
            isinstance(cb, NcCB) and cb.action is view and cb.id == nc_id and cb.arg == arg
        )

    def plan_button(self, action: PlanNcAction) -> Callable[[Any], bool]:
        return lambda cb: isinstance(cb, PlanNcCB) and cb.action is action

    async def step(self) -> None:
        task = next((t for t in self.tasks if not t.finished), None)
        if task is None:
            self.done = True
            return
        screen = self.screen()
        if self.alert == DONE_NEEDS_NOTE:
            self.alert = None
            await self.say([self.plans[task.nc.id]["note"]])
            return
        if screen is None or self.alert:  # a stale button: start again from the list
            self.alert, self.dialog_nc = None, None
            await self.command("/actions")
            return
        text, nc = screen.text, task.nc
        if card := CARD.match(text):
            await self.card(screen, task, card["number"], card["status"])
        elif ACTIONS.match(text):
            data = screen.find(self.nc_button(NcView.OPEN, nc.id))
            if data is not None:
                await self.tap(screen, data)
            elif task.kind == "done":
                task.finished = True  # gone from his list: it was marked done
            else:
                await self.wait_for_it()  # the manager has not assigned it yet
        elif task.kind == "plan":
            await self.planning(screen, task)
        elif (ask := ASK_DONE.match(text)) and ask["number"] == nc.number:
            plan = self.plans[nc.id]
            attempt = self.bench.book.attempts[(self.tg, "done", nc.id)]
            note = TextItem(self.tg, nc.id, "note", plan["note"], attempt)
            self.bench.book.texts.append(note)
            count = self.rng.randint(3, 5)
            await self.photos(count, ("done", nc.id), plan["note"], [note], DONE_SAVED, attempt)
        elif DONE_SAVED.match(text) and (
            data := screen.find(self.nc_button(NcView.DONE, nc.id, "finish"))
        ):
            step = StepItem(self.tg, "done", nc.id)
            self.bench.book.steps.append(step)
            await self.tap(screen, data, [step], self.card_check(nc, "done"))
        else:
            await self.command("/actions")

    async def command(self, text: str) -> Action:
        task = next((t for t in self.tasks if not t.finished), None)
        if task is not None and text == "/actions":  # it ends any open dialog
            self.bench.book.attempts[(self.tg, task.kind, task.nc.id)] += 1
        return await super().command(text)

    async def wait_for_it(self) -> None:
        self.waits += 1
        await asyncio.sleep(5)
        await self.command("/actions")

    def card_check(self, nc: NcSeed, status: str) -> Check:
        def check(events: list[Shown]) -> set[int]:
            for e in events:
                card = CARD.match(e.text)
                if card and card["number"] == nc.number and card["status"] == STATUS[status]:
                    return {0}
            return set()

        return check

    async def card(self, screen: Shown, task: Task, number: str, status: str) -> None:
        nc = task.nc
        if number != nc.number:
            await self.command("/actions")
            return
        if task.kind == "plan":
            if status not in (STATUS["new"], STATUS["assigned"]):
                task.finished = True
                self.dialog_nc = None
            elif data := screen.find(self.nc_button(NcView.PLAN, nc.id)):
                self.bench.book.attempts[(self.tg, "plan", nc.id)] += 1
                self.bench.book.starts[(self.tg, "plan", nc.id)] += 1
                await self.tap(screen, data)
            else:
                await self.wait_for_it()
        elif status == STATUS["done"]:
            task.finished = True
        elif data := screen.find(self.nc_button(NcView.DONE, nc.id)):
            self.bench.book.attempts[(self.tg, "done", nc.id)] += 1
            self.bench.book.starts[(self.tg, "done", nc.id)] += 1
            await self.tap(screen, data)
        else:
            await self.command("/actions")

    async def planning(self, screen: Shown, task: Task) -> None:
        text, nc = screen.text, task.nc
        plan = self.plans[nc.id]
        if (ask := ASK_CORRECTION.match(text)) and ask["number"] == nc.number:
            self.dialog_nc = nc.id
            await self.texts(
                nc.id, [("correction", plan["correction"])] + [("why", w) for w in plan["whys"][:3]]
            )
            return
        if self.dialog_nc != nc.id:
            await self.command("/actions")
            return
        if ASK_FIRST_WHY.match(text):
            await self.texts(nc.id, [("why", w) for w in plan["whys"]])
        elif ask_next := ASK_NEXT_WHY.match(text):
            whys = plan["whys"]
            previous = ask_next["previous"]
            rest = whys[whys.index(previous) + 1 :] if previous in whys else []
            if rest:
                await self.texts(nc.id, [("why", w) for w in rest])
            elif data := screen.find(self.plan_button(PlanNcAction.ROOT_FOUND)):
                await self.tap(screen, data)
            else:
                await self.command("/actions")
        elif ASK_ACTION.match(text):
            await self.texts(nc.id, [("action", plan["action"])])
        elif ASK_DUE.match(text):
            await self.say([plan["due"].strftime("%d.%m.%Y")])
        elif SUMMARY.match(text) and (data := screen.find(self.plan_button(PlanNcAction.CONFIRM))):
            step = StepItem(self.tg, "planned", nc.id)
            self.bench.book.steps.append(step)
            await self.tap(screen, data, [step], self.card_check(nc, "planned"))
        else:
            await self.command("/actions")

    async def texts(self, nc_id: int, texts: list[tuple[str, str]]) -> None:
        attempt = self.bench.book.attempts[(self.tg, "plan", nc_id)]
        items = [TextItem(self.tg, nc_id, role, text, attempt) for role, text in texts]
        self.bench.book.texts += items

        def check(events: list[Shown]) -> set[int]:
            acked = set()
            sent = [e for e in events if e.kind == "sent"]
            for k, item in enumerate(items):
                for e in sent:
                    if item.role == "correction" and ASK_FIRST_WHY.match(e.text):
                        acked.add(k)
                    elif item.role == "why" and (m := ASK_NEXT_WHY.match(e.text)):
                        if m["previous"] == item.text:
                            acked.add(k)
                    elif item.role == "why" and k == len(items) - 1 and ASK_ACTION.match(e.text):
                        acked.add(k)  # the fifth why: the action is asked next
                    elif item.role == "action" and ASK_DUE.match(e.text):
                        acked.add(k)
            return acked

        await self.say([text for _, text in texts], items, check)


class Manager(Person):
    role = "manager"

    def __init__(self, bench: Bench, tg_id: int, name: str) -> None:
        super().__init__(bench, tg_id, name)
        self.todo = {seed.id: seed for seed in bench.world.to_assign.values()}

    async def begin(self) -> None:
        await asyncio.sleep(self.rng.uniform(3, 8))

    async def step(self) -> None:
        if not self.todo:
            self.done = True
            return
        screen = self.screen()
        if screen is None or self.alert:
            self.alert = None
            await self.command("/actions")
            return
        text = screen.text
        by_number = {seed.number: seed for seed in self.todo.values()}
        card, ask = CARD.match(text), ASK_RESPONSIBLE.match(text)
        if card and card["number"] in by_number:
            seed = by_number[card["number"]]
            data = screen.find(
                lambda cb: (
                    isinstance(cb, NcCB)
                    and cb.action is NcView.ASSIGN
                    and cb.id == seed.id
                    and not cb.arg
                )
            )
            if card["status"] != STATUS["new"]:
                del self.todo[seed.id]
                await self.command("/actions")
            elif data is not None:
                await self.tap(screen, data)
            else:
                await self.command("/actions")
        elif ask and ask["number"] in by_number:
            seed = by_number[ask["number"]]
            data = screen.find(
                lambda cb: (
                    isinstance(cb, NcCB)
                    and cb.action is NcView.ASSIGN
                    and cb.id == seed.id
                    and cb.arg == str(seed.head_id)
                )
            )
            if data is None:
                await self.command("/actions")
                return
            step = StepItem(self.tg, "assigned", seed.id)
            self.bench.book.steps.append(step)

            wanted = (seed.number, STATUS["assigned"])

            def check(events: list[Shown]) -> set[int]:
                for e in events:
                    found = CARD.match(e.text)
                    if found and (found["number"], found["status"]) == wanted:
                        return {0}
                return set()

            await self.tap(screen, data, [step], check)
        elif ACTIONS.match(text):
            data = screen.find(lambda cb: isinstance(cb, NcCB) and cb.id in self.todo)
            if data is not None:
                await self.tap(screen, data)
            else:
                self.done = True  # none of them is new any more
        else:
            await self.command("/actions")


# -- the final count ---------------------------------------------------------------------------


@dataclass
class Stored:
    users: dict[int, int]  # user id -> tg id
    answers: dict[tuple[int, str], tuple[str | None, list[dict[str, Any]]]]  # (tg, qid)
    submitted: set[int]  # tg ids
    ncs: dict[int, dict[str, Any]]
    dialogs: dict[int, tuple[str | None, dict[str, Any]]]  # tg -> (state, data)
    ledger: list[dict[str, Any]]


async def read_database(database: Path, audit_id: int) -> Stored:
    db = Database.sqlite(database)

    def work(conn: Any) -> Stored:
        tg_of = {row.id: row.tg_id for row in conn.execute(select(users.c.id, users.c.tg_id))}
        stored_answers = {
            (tg_of[row.user_id], row.question_id): (row.value, list(row.evidence or []))
            for row in conn.execute(select(answers).where(answers.c.audit_id == audit_id))
        }
        submitted = {
            tg_of[row.user_id]
            for row in conn.execute(
                select(audit_respondents).where(audit_respondents.c.audit_id == audit_id)
            )
            if row.submitted_at is not None
        }
        ncs = {row.id: dict(row._mapping) for row in conn.execute(select(nonconformities))}
        dialogs = {}
        for row in conn.execute(select(fsm_states)):
            parts = row.key.split(":")
            if len(parts) > 1 and parts[1].lstrip("-").isdigit():
                dialogs[int(parts[1])] = (row.state, json.loads(row.data or "{}"))
        ledger = [dict(row._mapping) for row in conn.execute(select(notifications))]
        return Stored(tg_of, stored_answers, submitted, ncs, dialogs, ledger)

    try:
        return await db.run(work)
    finally:
        await db.close()


def ledger_due(database: Path) -> int:
    """Notifications the bot still has to settle now (claimed, sending, or pending and due)."""
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5)
    try:
        rows = connection.execute(
            "SELECT status, next_attempt_at FROM notifications"
            " WHERE status IN ('pending', 'claimed', 'sending')"
        ).fetchall()
    finally:
        connection.close()
    now = datetime.now(UTC).replace(tzinfo=None)
    return sum(
        1 for status, at in rows if status != "pending" or datetime.fromisoformat(str(at)) <= now
    )


@dataclass
class Figures:
    rows: list[tuple[str, str]] = field(default_factory=list)
    targets: list[tuple[str, bool, str]] = field(default_factory=list)

    def add(self, name: str, value: object) -> None:
        self.rows.append((name, str(value)))

    def target(self, name: str, ok: bool, detail: str) -> None:
        self.targets.append((name, ok, detail))


def count_answers(book: Book, stored: Stored, questions: list[Question]) -> tuple[int, int, int]:
    """Questions with an acknowledged answer, how many of them were lost, how many wrong."""
    by_question: dict[tuple[int, int], list[AnswerItem]] = defaultdict(list)
    for item in book.answers:  # in the order they were given
        by_question[(item.person, item.index)].append(item)
    acked_questions = lost = wrong = 0
    for (person, index), items in by_question.items():
        acked = [k for k, item in enumerate(items) if item.acked]
        if not acked:
            continue
        acked_questions += 1
        last = acked[-1]
        value, _ = stored.answers.get((person, questions[index].id), (None, []))
        if value is None:
            lost += 1
        elif value != items[last].value and value not in {i.value for i in items[last + 1 :]}:
            wrong += 1
    return acked_questions, lost, wrong


def photo_kept(item: PhotoItem, stored: Stored, questions: list[Question]) -> bool:
    kind, target = item.target
    if kind == "answer":
        _, evidence = stored.answers.get((item.person, questions[target].id), (None, []))
        files = {e.get("file_id") for e in evidence}
    else:
        files = {e.get("file_id") for e in stored.ncs[target]["done_evidence"] or []}
        _, data = stored.dialogs.get(item.person, (None, {}))
        if data.get("nc") == target:
            files |= {e.get("file_id") for e in data.get("evidence", [])}
    return item.file_id in files


def stray_answers(book: Book, stored: Stored, questions: list[Question]) -> list[str]:
    """Stored answers whose value the person never gave to that question (a typed answer
    taken for another question: a redelivered update, or one typed at a stale screen)."""
    given: dict[tuple[int, str], set[str]] = defaultdict(set)
    for item in book.answers:
        given[(item.person, questions[item.index].id)].add(item.value)
    return [
        f"{person} {question}: {value!r}, given {sorted(given[(person, question)])}"
        for (person, question), (value, _) in sorted(stored.answers.items())
        if value is not None and value not in given[(person, question)]
    ]


def stray_texts(book: Book, stored: Stored) -> list[str]:
    """Texts kept in a plan or done field they were never given to (the correction kept as
    a why, a why as the action): a redelivered update, or a prompt the person never saw."""
    given: dict[tuple[int, str], set[str]] = defaultdict(set)
    owners: dict[int, int] = {}
    for item in book.texts:
        given[(item.nc_id, item.role)].add(item.text)
        owners[item.nc_id] = item.person
    found = []
    for nc_id, person in sorted(owners.items()):
        nc = stored.ncs[nc_id]
        fields: list[tuple[str, Any]] = []
        if given[(nc_id, "why")] or given[(nc_id, "correction")]:
            fields += [("correction", nc["correction"]), ("action", nc["corrective_action"])]
            fields += [("why", why) for why in nc["root_cause"] or []]
        if given[(nc_id, "note")]:
            fields.append(("note", nc["done_note"]))
        _, data = stored.dialogs.get(person, (None, {}))
        if data.get("nc") == nc_id:
            fields += [
                (role, data.get(key))
                for role, key in (
                    ("correction", "correction"),
                    ("action", "action"),
                    ("note", "note"),
                )
            ]
            fields += [("why", why) for why in data.get("whys", [])]  # fmt: skip
        for role, text in fields:
            if text and text not in given[(nc_id, role)] and nc_id in owners:
                found.append(f"NC {nc_id} {role}: {text!r}")
    return found


def duplicate_files(stored: Stored) -> int:
    """Evidence lists holding one file more than once (answers, done actions, dialogs)."""
    lists = [evidence for _, evidence in stored.answers.values()]
    lists += [nc["done_evidence"] or [] for nc in stored.ncs.values()]
    lists += [data.get("evidence", []) for _, data in stored.dialogs.values()]
    return sum(len(files) - len({e.get("file_id") for e in files}) for files in lists)


def text_place(item: TextItem, stored: Stored) -> str:
    """Where a dialog text is kept: "right", "elsewhere" or "nowhere"."""
    nc = stored.ncs[item.nc_id]
    fields = {
        "correction": [nc["correction"]],
        "why": list(nc["root_cause"] or []),
        "action": [nc["corrective_action"]],
        "note": [nc["done_note"]],
    }
    _, data = stored.dialogs.get(item.person, (None, {}))
    if data.get("nc") == item.nc_id:
        fields["correction"].append(data.get("correction"))
        fields["why"] += list(data.get("whys", []))
        fields["action"].append(data.get("action"))
        fields["note"].append(data.get("note"))
    if item.text in fields[item.role]:
        return "right"
    if any(item.text in values for values in fields.values()):
        return "elsewhere"
    return "nowhere"


def step_kept(item: StepItem, stored: Stored) -> bool:
    if item.step == "submitted":
        return item.person in stored.submitted
    status = stored.ncs[item.object_id]["status"]
    if item.step == "planned":
        return status in ("planned", "done", "verified", "closed")
    if item.step == "done":
        return status in ("done", "verified", "closed")
    return status != "new"  # assigned


@dataclass
class Deliveries:
    """Ledger identities by how often they reached the recipient's chat."""

    families: dict[str, Counter[str]]  # reminders / events -> "0", "1", "2+"
    zero_status: Counter[str]  # the ledger status of those delivered 0 times
    never_tried: int  # of those: reminders no sendMessage for which ever reached Telegram
    unmatched: int  # notices in the chats that match no identity


def count_deliveries(api: ChaosTelegram, stored: Stored) -> Deliveries:
    tg_of = stored.users
    result = Deliveries({"reminders": Counter(), "events": Counter()}, Counter(), 0, 0)
    reminder_groups: dict[tuple[str, int, int], list[dict[str, Any]]] = defaultdict(list)
    event_groups: dict[tuple[int, str], list[dict[str, Any]]] = defaultdict(list)
    for row in stored.ledger:
        recipient = tg_of.get(row["recipient_id"], 0)
        if row["kind"] in EVENT_NAMES:  # its words are stored: render it as the bot did
            due = Due(Kind(row["kind"]), row["object_id"], row["recipient_id"], row["slot"],
                      dict(row["params"] or {}))  # fmt: skip
            text, _ = render(due, "ru", T.i18n)
            event_groups[(recipient, html_to_text(text))].append(row)
        else:
            reminder_groups[(row["kind"], row["object_id"], recipient)].append(row)
    reminder_messages: Counter[tuple[str, int, int]] = Counter()
    event_messages: Counter[tuple[int, str]] = Counter()
    for chat, events in api.shown.items():
        for shown in events:
            if shown.kind != "sent" or shown.notice is None:
                continue
            if shown.notice in EVENT_NAMES:
                if (chat, shown.text) in event_groups:
                    event_messages[(chat, shown.text)] += 1
                else:
                    result.unmatched += 1
                continue
            keys = [(shown.notice, obj, chat) for obj in shown.object_ids()]
            keys = [key for key in keys if key in reminder_groups]
            result.unmatched += not keys
            for key in keys:
                reminder_messages[key] += 1

    def tally(family: str, rows: list[dict[str, Any]], messages: int, tries: int | None) -> None:
        counts = result.families[family]
        if messages >= len(rows):
            twice = min(len(rows), messages - len(rows))
            counts["1"] += len(rows) - twice
            counts["2+"] += twice
            return
        counts["1"] += messages
        counts["0"] += len(rows) - messages
        unsent = sorted(rows, key=lambda r: r["status"] == "sent")[: len(rows) - messages]
        result.zero_status.update(row["status"] for row in unsent)
        if tries == 0:
            result.never_tried += len(unsent)

    for key, rows in reminder_groups.items():
        tally("reminders", rows, reminder_messages[key], api.attempts[key])
    for key, rows in event_groups.items():
        tally("events", rows, event_messages[key], None)
    return result


def tracebacks(runs: list[Run]) -> Counter[str]:
    """Distinct logged exceptions with a traceback (a chain of causes is one): the log
    line that reported it, and the exception it ended with. A second traceback in one
    record that is not a cause of the first (an uncaught crash) is counted on its own."""
    found: Counter[str] = Counter()
    stamp = re.compile(r"^\d{4}-\d\d-\d\d [\d:,]+ \w+ ")
    chained = ("During handling of the above exception", "The above exception was the direct")
    for run in runs:
        for path in (run.out, run.err):
            records: list[list[str]] = []
            previous, traced = "", False
            for line in path.read_text(errors="replace").splitlines():
                start = line.startswith("Traceback (most recent")
                if (
                    stamp.match(line)
                    or not records
                    or (start and traced and not previous.startswith(chained))
                ):
                    records.append([])
                    traced = False
                records[-1].append(line)
                traced = traced or start
                if line.strip():
                    previous = line
            for record in records:
                if not any(line.startswith("Traceback (most recent") for line in record):
                    continue
                head = record[0]
                if head.startswith("Traceback"):
                    head = "(outside the log)"
                head = re.sub(r"\[update \S+ user \S+\]: ", "", stamp.sub("", head))
                last = next((line for line in reversed(record) if line.strip()), "?")
                head = re.sub(r"\d+", "N", head)  # one line per kind, not per album or id
                found[f"{head[:100]} -> {last.strip()[:120]}"] += 1
    return found


def handled_twice(runs: list[Run]) -> int:
    seen: dict[int, set[int]] = defaultdict(set)
    for run in runs:
        for path in (run.out, run.err):
            for match in re.finditer(
                r"Update id=(\d+) is handled", path.read_text(errors="replace")
            ):
                seen[int(match[1])].add(run.index)
    return sum(1 for processes in seen.values() if len(processes) > 1)


def apologies(api: ChaosTelegram) -> list[str]:
    seen: dict[tuple[int, int], str] = {}
    for chat, events in api.shown.items():
        for shown in events:
            if shown.text.startswith(SORRY):
                seen[(chat, shown.message_id)] = shown.text
    return [*seen.values(), *(text for _, text in api.alert_log if text.startswith(SORRY))]


def report(
    args: argparse.Namespace,
    bench: Bench,
    runner: Runner,
    chaos: Chaos,
    stored: Stored,
    final: Run,
) -> Figures:
    api, book, questions = bench.api, bench.book, bench.world.questions
    f = Figures()
    outcomes = Counter(run.outcome for run in runner.runs)
    deaths = [run for run in runner.runs if run.outcome in ("death", "did not stop")]
    lives = [run.ready_at - run.started for run in runner.runs if run.ready_at]
    f.add("bot processes started", len(runner.runs))
    f.add("  killed by the benchmark (SIGKILL)", outcomes["killed"])
    f.add("  clean start failures (restarted)", outcomes["start failure"])
    f.add("  median start, s (spawn to first getUpdates)", f"{sorted(lives)[len(lives) // 2]:.1f}")
    stop = (
        f"exit {final.returncode} in {final.stop_seconds:.1f} s"
        if final.stop_seconds
        else final.outcome
    )
    f.add("  final SIGTERM", stop)
    f.add("Bot API calls / faults injected", f"{chaos.calls} / {sum(chaos.injected.values())}")
    f.add("  by kind", ", ".join(f"{k} {v}" for k, v in sorted(chaos.injected.items())))
    redelivered = sum(1 for runs in api.deliveries.values() if len(runs) > 1)
    f.add("updates pushed / fetched by 2+ processes", f"{api.pushed} / {redelivered}")
    f.add("  logged as handled by 2+ processes", handled_twice(runner.runs))

    acked_answers = [a for a in book.answers if a.acked]
    questioned, lost, wrong = count_answers(book, stored, questions)
    f.add("answers given (taps and typed, retries included)", book.answer_actions)
    f.add("  acknowledged", len(acked_answers))
    f.add("  questions with an acknowledged answer", questioned)
    f.add("  lost (acknowledged, no value stored)", lost)
    f.add("  wrong (stored value not the last acknowledged)", wrong)
    strays = stray_answers(book, stored, questions)
    f.add("  stored values never given to their question", len(strays))
    for line in strays[:5]:
        f.add("   ", line)
    f.add("  changed on the review screen, given again", len(book.review_changes))
    for line in book.review_changes:
        f.add("   ", line)

    def current(person: int, dialog: str, nc_id: int, attempt: int) -> bool:
        """Whether an item belongs to the last start of its dialog (an earlier one was
        given up by the person: he started the dialog again or left it with /actions)."""
        return attempt >= book.attempts[(person, dialog, nc_id)]

    acked_photos = [p for p in book.photos if p.acked]
    mine = [
        p
        for p in acked_photos
        if p.target[0] == "answer" or current(p.person, "done", p.target[1], p.attempt)
    ]
    kept = [p for p in mine if photo_kept(p, stored, questions)]
    f.add(
        "photos sent / acknowledged / kept",
        f"{len(book.photos)} / {len(acked_photos)} / {len(kept)}",
    )
    photos_lost = len(mine) - len(kept)
    f.add("  acknowledged photos lost", photos_lost)
    f.add("  acknowledged, then given up by restarting the dialog", len(acked_photos) - len(mine))
    f.add("  the same photo stored twice (a redelivered update)", duplicate_files(stored))

    distinct: dict[tuple[int, int, str, str], bool] = {}  # -> acknowledged
    live: set[tuple[int, int, str, str]] = set()  # acknowledged in the dialog's last start
    for item in book.texts:
        key = (item.person, item.nc_id, item.role, item.text)
        distinct[key] = distinct.get(key, False) or item.acked
        dialog = "done" if item.role == "note" else "plan"
        if item.acked and current(item.person, dialog, item.nc_id, item.attempt):
            live.add(key)
    places = Counter(
        text_place(TextItem(p, nc, role, text), stored)
        for (p, nc, role, text), acked in distinct.items()
        if acked
    )
    nowhere = {
        key
        for key, acked in distinct.items()
        if acked and text_place(TextItem(*key), stored) == "nowhere"
    }
    lost_texts = len(nowhere & live)
    abandoned = {"nowhere": len(nowhere - live)}
    f.add("dialog texts sent (messages / distinct)", f"{len(book.texts)} / {len(distinct)}")
    f.add("  acknowledged (distinct)", sum(distinct.values()))
    f.add("  lost (acknowledged, stored nowhere)", lost_texts)
    f.add("  out of place (kept only in another field)", places["elsewhere"])
    misplaced = stray_texts(book, stored)
    f.add("  stored in a step they were not given to", len(misplaced))
    for line in misplaced[:5]:
        f.add("   ", line)
    f.add("  acknowledged, then given up by restarting the dialog", abandoned["nowhere"])
    restarts = sum(max(0, n - 1) for n in book.starts.values())
    f.add("dialogs started again (plan / done pressed again)", restarts)
    lost_dialogs = sum(
        1 for events in api.shown.values() for e in events if e.text.startswith(DIALOG_LOST)
    )
    f.add("  'dialog lost' messages from the bot", lost_dialogs)
    f.add("  stale-button alerts", book.stale_alerts)

    steps = Counter(s.step for s in book.steps if s.acked)
    steps_lost = Counter(s.step for s in book.steps if s.acked and not step_kept(s, stored))
    f.add(
        "steps acknowledged (lost)",
        ", ".join(f"{k} {v} ({steps_lost[k]})" for k, v in sorted(steps.items())) or "none",
    )
    f.add("people who did not finish", ", ".join(book.unfinished) or "none")

    deliveries = count_deliveries(api, stored)
    families = deliveries.families
    for family, tally in families.items():
        f.add(
            f"{family}: identities delivered 0× / 1× / 2+×",
            f"{tally['0']} / {tally['1']} / {tally['2+']}",
        )
    f.add("  ledger status of those delivered 0×", dict(deliveries.zero_status) or "none")
    f.add("  of them reminders never sent to Telegram at all", deliveries.never_tried)
    f.add("  notices matching no ledger identity", deliveries.unmatched)
    statuses = Counter(row["status"] for row in stored.ledger)
    f.add("ledger statuses", ", ".join(f"{k} {v}" for k, v in sorted(statuses.items())))

    sorry = apologies(api)
    f.add("apologies seen", len(sorry))
    for text in sorted(set(sorry)):
        f.add("  ", text[:90])
    traces = tracebacks(runner.runs)
    f.add("unhandled exceptions (Tracebacks)", sum(traces.values()))
    for line, count in traces.most_common():
        f.add(f"  {count}×", line)
    f.add("process deaths", len(deaths))
    for run in deaths:
        last = (run.err.read_text(errors="replace").strip().splitlines() or ["?"])[-1]
        f.add(f"  run {run.index} exit {run.returncode}", last[:100])

    twice = families["reminders"]["2+"] + families["events"]["2+"]
    f.target(
        "0 acknowledged answers or photos lost",
        lost + wrong + photos_lost == 0,
        f"{lost} answers lost, {wrong} wrong, {photos_lost} photos lost",
    )
    f.target("0 dialog texts lost", lost_texts == 0, f"{lost_texts} lost")
    f.target("0 reminders twice", twice == 0, f"{twice} identities delivered 2+ times")
    f.target("0 apologies caused by Telegram faults", not sorry, f"{len(sorry)} apologies")
    f.target("0 tracebacks", not traces, f"{sum(traces.values())} tracebacks")
    stopped = final.outcome == "stopped" and final.returncode == 0
    f.target(
        "0 process deaths, SIGTERM exits 0 within 15 s",
        not deaths and stopped,
        f"{len(deaths)} deaths; final stop: {stop}",
    )
    return f


def print_table(args: argparse.Namespace, figures: Figures) -> None:
    width = max(len(name) for name, _ in figures.rows)
    title = (
        f"chaos: {args.seconds:g} s of faults on {FAULT_SHARE:.0%} of Bot API calls and kill -9 "
        f"every {LIFE[0]:g}–{LIFE[1]:g} s, seed {args.seed}"
    )
    print(title)
    print("-" * len(title))
    for name, value in figures.rows:
        print(f"{name:<{width}}  {value}")
    print("targets:")
    for name, ok, detail in figures.targets:
        print(f"  {'PASS' if ok else 'FAIL'}  {name:<48} ({detail})")


# -- the whole run ------------------------------------------------------------------------------


def environment(api: ChaosTelegram, folder: Path, database: Path) -> dict[str, str]:
    today = datetime.now(ZONE)
    weekday = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][today.weekday()]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "ADMIN_", "TELEGRAM_"))}
    env.update(
        BOT_TOKEN=TOKEN,
        ADMIN_IDS=str(MANAGER_TG),
        TELEGRAM_API_URL=api.url,
        TELEGRAM_TIMEOUT=str(CLIENT_TIMEOUT),
        DATABASE_PATH=str(database),
        BACKUP_DIR=str(folder / "backups"),
        BACKUP_TIME=f"{(today.hour + 12) % 24:02d}:00",  # never during the run
        DIGEST_TIME=f"{weekday} 00:00",  # this week's digest is due: two more reminders
        SWEEP_SECONDS="5",
        QUIET_HOURS="0-0",
        QUIET_WEEKENDS="false",
        SEND_RATE="30",
        LOG_FORMAT="text",
        LOG_LEVEL="INFO",
        PYTHONPATH=str(ROOT),
    )
    return env


async def run_bench(args: argparse.Namespace, folder: Path) -> int:
    database = folder / "qms.sqlite3"
    world = await seed(database)
    api = ChaosTelegram(TOKEN)
    await api.start()
    chaos = Chaos(random.Random(args.seed))
    api.chaos = chaos
    runner = Runner(api, environment(api, folder, database), folder, random.Random(args.seed + 1))
    bench = Bench(api, world, args.seed)
    people: list[Person] = [Manager(bench, MANAGER_TG, "Мария")]
    people += [Head(bench, HEAD_TG + k, f"Руководитель {k + 1}") for k in range(HEADS)]
    people += [Respondent(bench, TEACHER_TG + k, f"Учитель {k}") for k in range(TEACHERS)]
    loop = asyncio.get_running_loop()
    tasks = [asyncio.create_task(person.run(), name=f"person-{person.tg}") for person in people]
    started = loop.time()
    print(f"working in {folder}; {args.seconds:g} s of chaos, then at most {args.calm:g} s calm")
    await runner.chaos(started + args.seconds)
    chaos.enabled = False
    final = await runner.clean()
    bench.until = loop.time() + args.calm
    await asyncio.wait(tasks, timeout=args.calm + REACTION_WAIT)
    for _ in range(int(args.calm) + 1):  # until nothing in the ledger is due, at most --calm
        if loop.time() > bench.until or not await asyncio.to_thread(ledger_due, database):
            break
        await asyncio.sleep(1)
    await asyncio.sleep(3)  # a last sweep's messages, an album's confirmation
    await runner.stop(final)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for person in people:
        person.finish()
    await api.stop()
    if args.keep:
        lines = [line for person in people for line in person.transcript()]
        (folder / "people.txt").write_text("\n".join(lines), encoding="utf-8")
    stored = await read_database(database, world.audit_id)
    figures = report(args, bench, runner, chaos, stored, final)
    print_table(args, figures)
    return 0 if all(ok for _, ok, _ in figures.targets) else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120, help="seconds of chaos")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--calm", type=float, default=120, help="at most this long to catch up")
    parser.add_argument("--keep", action="store_true", help="keep the folder with the logs")
    args = parser.parse_args()
    if args.keep:
        folder = Path(tempfile.mkdtemp(prefix="qms-chaos-"))
        code = asyncio.run(run_bench(args, folder))
    else:
        with tempfile.TemporaryDirectory(prefix="qms-chaos-") as name:
            code = asyncio.run(run_bench(args, Path(name)))
    raise SystemExit(code)


if __name__ == "__main__":
    main()
