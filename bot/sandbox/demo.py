"""The demo lyceum the sandbox starts with: people, departments, audits and nonconformities.

Everything is made through the bot's own services, as the people would have made it over
the last six weeks: the seed holds the sandbox clock at each past moment while it acts, so
dates, deadlines, overdue actions and the event log all look current whenever it runs.
It writes only to the database of the app it is given (the sandbox's own file).
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from bot.domain.audits import AuditDraft, Objective
from bot.domain.checklists import AnswerType, Checklist, Question
from bot.domain.dates import local_today
from bot.domain.models import User
from bot.domain.nonconformities import Severity, Source
from bot.domain.objectives import DecisionKind
from bot.domain.risks import RiskKind
from bot.domain.roles import Role
from bot.domain.scoring import evidence_required, is_nonconforming
from bot.services.accounts import Profile
from bot.services.nonconformities import ReportDraft
from bot.storage.users import UserRepo

if TYPE_CHECKING:
    from bot.app import App
    from bot.sandbox.botapi import FakeTelegram


class SandboxClock:
    """The system clock, which the demo seed may hold at a moment in the past."""

    def __init__(self) -> None:
        self.held: datetime | None = None

    def now(self) -> datetime:
        return self.held or datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Persona:
    """A Telegram user the sandbox page plays."""

    key: str  # manager, head, teacher, teacher_en, auditor, director, stranger
    tg_id: int
    first_name: str
    last_name: str | None
    language_code: str
    username: str | None = None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name


@dataclass(frozen=True, slots=True)
class Personas:
    manager: Persona
    head: Persona
    teacher: Persona
    teacher_en: Persona
    auditor: Persona
    stranger: Persona
    director: Persona | None = None  # the school's director (observer): reads, changes nothing

    @property
    def all(self) -> list[Persona]:
        return [
            self.manager,
            self.head,
            self.teacher,
            self.teacher_en,
            self.auditor,
            *([self.director] if self.director else []),
            self.stranger,
        ]

    def by_tg_id(self, tg_id: int) -> Persona | None:
        return next((p for p in self.all if p.tg_id == tg_id), None)


MATH = "МО учителей математики"
PRIMARY = "МО начальных классов"
SCIENCE = "МО естественных наук"
FACILITIES = "Хозяйственная часть"
COUNCIL = "Методический совет"
DEPARTMENTS = (MATH, PRIMARY, SCIENCE, FACILITIES, COUNCIL)

MANAGER_ID = 7_000_001

# tg id, first name, last name, username, language, department, roles, heads the department
STAFF: tuple[tuple[int, str, str, str | None, str, str | None, set[Role], bool], ...] = (
    (MANAGER_ID, "Мария", "Иванова", "m_ivanova", "ru", COUNCIL, {Role.MANAGER}, False),
    (7_000_002, "Николай", "Орлов", "director_orlov", "ru", None, {Role.OBSERVER}, False),
    (7_000_003, "Татьяна", "Гусева", None, "ru", COUNCIL, {Role.AUDITOR}, True),
    (7_000_004, "Светлана", "Белова", "s_belova", "ru", COUNCIL, {Role.AUDITOR}, False),
    (7_000_005, "Елена", "Кузнецова", "e_kuznetsova", "ru", MATH, {Role.TEACHER}, True),
    (7_000_006, "Ольга", "Смирнова", None, "ru", MATH, {Role.TEACHER}, False),
    (7_000_007, "Андрей", "Волков", "volkov_math", "ru", MATH, {Role.TEACHER}, False),
    (7_000_008, "Наталья", "Лебедева", None, "ru", MATH, {Role.TEACHER}, False),
    (7_000_009, "Ирина", "Морозова", None, "ru", PRIMARY, {Role.TEACHER}, True),
    (7_000_010, "Анна", "Соколова", None, "ru", PRIMARY, {Role.TEACHER}, False),
    (7_000_011, "Юлия", "Попова", None, "ru", PRIMARY, {Role.TEACHER}, False),
    (7_000_012, "Дмитрий", "Новиков", None, "ru", SCIENCE, {Role.TEACHER}, True),
    (7_000_013, "Emily", "Parker", "emily_parker", "en", SCIENCE, {Role.TEACHER}, False),
    (7_000_014, "Ксения", "Фёдорова", None, "ru", SCIENCE, {Role.TEACHER}, False),
    (7_000_015, "Игорь", "Васильев", None, "ru", FACILITIES, {Role.HEAD}, True),
)


def _persona(key: str, tg_id: int) -> Persona:
    row = next(r for r in STAFF if r[0] == tg_id)
    return Persona(key, tg_id, row[1], row[2], row[4], row[3])


PERSONAS = Personas(
    manager=_persona("manager", MANAGER_ID),
    head=_persona("head", 7_000_005),
    teacher=_persona("teacher", 7_000_006),
    teacher_en=_persona("teacher_en", 7_000_013),
    auditor=_persona("auditor", 7_000_004),
    stranger=Persona("stranger", 7_000_999, "Алексей", "Гостев", "ru", "guest_alex"),
    director=_persona("director", 7_000_002),
)

OPEN_AUDIT_TITLE = "Учебный процесс в МО учителей математики"


async def is_empty(app: App) -> bool:
    """Whether nobody is registered yet (a fresh sandbox database)."""
    _, total = await app.db.run(lambda conn: UserRepo(conn).page(0, 1))
    return total == 0


def demo_png(
    width: int = 320, height: int = 220, tint: tuple[int, int, int] = (70, 120, 200)
) -> bytes:
    """A small picture of a page with lines, made without any imaging library."""
    rows = []
    for y in range(height):
        row = bytearray([0])
        for x in range(width):
            inside = 20 <= x < width - 20 and 14 <= y < height - 14
            line = inside and (y - 40) % 18 < 3 and 40 <= x < width - 40 - (y * 7) % 60
            if line:
                pixel = tint
            elif inside:
                pixel = (250, 250, 246)
            else:
                pixel = (205, 214, 224)
            row += bytes(pixel)
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 6))
        + chunk(b"IEND", b"")
    )


class _Seeder:
    def __init__(self, app: App, api: FakeTelegram | None) -> None:
        self.app = app
        self.api = api
        clock = app.clock
        if not isinstance(clock, SandboxClock):
            raise TypeError("the demo seed needs an app built with the sandbox clock")
        self.clock = clock
        self.today = local_today(datetime.now(UTC), app.settings.tz)
        self.d = app.dispatcher
        self.people: dict[int, User] = {}
        self.departments: dict[str, int] = {}
        self.files = 0

    # -- time ------------------------------------------------------------------------------
    def day(self, offset: int) -> date:
        return self.today + timedelta(days=offset)

    @contextmanager
    def at(self, days_ago: int, hour: int, minute: int = 0) -> Iterator[None]:
        local = datetime.combine(self.day(-days_ago), time(hour, minute), self.app.settings.tz)
        self.clock.held = min(local.astimezone(UTC), datetime.now(UTC))
        try:
            yield
        finally:
            self.clock.held = None

    # -- people ----------------------------------------------------------------------------
    def user(self, tg_id: int) -> User:
        return self.people[tg_id]

    async def refresh(self) -> None:
        self.d["accounts"].forget()
        found = await self.app.db.run(lambda conn: UserRepo(conn).active())
        self.people = {u.tg_id: u for u in found}

    def photo(self, name: str) -> dict[str, Any]:
        self.files += 1
        tints = [(70, 120, 200), (60, 150, 90), (190, 110, 60)]
        content = demo_png(tint=tints[self.files % len(tints)])
        if self.api is not None:
            entry = self.api.new_file(content, name, "photo")
            return {"file_id": entry["file_id"], "kind": "photo", "group": None}
        return {"file_id": f"demo-photo-{self.files}", "kind": "photo", "group": None}

    async def school(self) -> None:
        manager_row = STAFF[0]
        with self.at(45, 9):
            accounts, departments = self.d["accounts"], self.d["departments"]
            manager = await accounts.ensure_admin(
                Profile(MANAGER_ID, f"{manager_row[1]} {manager_row[2]}", manager_row[3], "ru")
            )
            for name in DEPARTMENTS:
                self.departments[name] = (await departments.add(manager, name)).id
            now = self.clock.now()

            def staff(conn: Connection) -> None:
                repo = UserRepo(conn)
                for tg_id, first, last, username, language, dept, roles, _ in STAFF:
                    department = self.departments[dept] if dept else None
                    if tg_id == MANAGER_ID:
                        repo.update(manager.id, department_id=department)
                        continue
                    user_id = repo.add(
                        tg_id, f"{first} {last}", username, language, department, now
                    )
                    repo.set_roles(user_id, roles)

            await self.app.db.run(staff)
            await self.refresh()
            for tg_id, *_, dept, _roles, heads in STAFF:
                if heads and dept:
                    await departments.set_head(manager, self.departments[dept], self.user(tg_id).id)
            await self.refresh()

    # -- audits ----------------------------------------------------------------------------
    async def template_id(self, code: str, language: str = "ru") -> int:
        for info in await self.d["templates"].latest():
            if info.code == code and info.language == language:
                return info.id
        raise LookupError(f"no shipped template {code} ({language})")

    async def plan(
        self,
        title: str,
        department: str,
        template: str,
        auditor: int,
        respondents: list[int],
        start: int,
        deadline: int,
        objectives: list[Objective],
    ) -> int:
        checklist_id = await self.template_id(template)
        info = await self.d["templates"].info(checklist_id)
        draft = AuditDraft(
            title=title,
            department_id=self.departments[department],
            template_id=checklist_id,
            objectives=[o.value for o in objectives],
            scope=f"{department}: {info.title.lower()}",
            criteria="ГОСТ Р ИСО 9001-2015, ФГОС, локальные акты лицея",
            lead_auditor_id=self.user(auditor).id,
            respondent_ids=[self.user(tg_id).id for tg_id in respondents],
            start_date=self.day(start),
            deadline=self.day(deadline),
        )
        audit = await self.d["audits"].plan(self.user(MANAGER_ID), draft)
        return audit.id

    def value_for(self, question: Question, bad: bool, turn: int) -> str:
        """A conforming answer, or one that hits the question's trigger when `bad`."""
        kind = question.type
        if kind is AnswerType.TEXT:
            samples = [
                "Нужно больше времени на взаимопосещение уроков",
                "Обновить проекторы в кабинетах",
                "Всё устраивает",
            ]
            return samples[turn % len(samples)]
        candidates = {
            AnswerType.YES_NO: ["yes", "no"],
            AnswerType.YES_NO_NA: ["yes", "na", "no"],
            AnswerType.SCALE: ["4", "5", "3", "2", "1"][turn % 2 :],
            AnswerType.NUMBER: ["0", "1", "2", "3"],
            AnswerType.CHOICE: list(question.options or []),
        }[kind]
        for value in candidates:
            if is_nonconforming(question, value) == bad:
                return value
        return candidates[0]

    async def answer(
        self,
        tg_id: int,
        audit_id: int,
        checklist: Checklist,
        bad: set[int],
        upto: int | None = None,
        submit: bool = False,
    ) -> None:
        service = self.d["questionnaires"]
        person = self.user(tg_id)
        for index, question in enumerate(checklist.questions[:upto]):
            value = self.value_for(question, index in bad, index + tg_id)
            await service.answer(person, audit_id, index, value)
            if index in bad:
                await service.comment(person, audit_id, index, "Исправим до конца четверти")
            if evidence_required(question, value):
                await service.add_evidence(person, audit_id, index, self.photo(f"q{index + 1}.png"))
        if submit:
            _, missing = await service.submit(person, audit_id)
            assert not missing, missing

    # -- nonconformities -------------------------------------------------------------------
    async def report(self, tg_id: int, department: str | None, text: str, **extra: Any) -> int:
        """A report; one of a department with a head is assigned to the head at once."""
        department_id = self.departments[department] if department else None
        draft = ReportDraft(department_id=department_id, description=text, **extra)
        return (await self.d["ncs"].report(self.user(tg_id), draft)).id

    async def run(self) -> None:
        audits, ncs, q = self.d["audits"], self.d["ncs"], self.d["questionnaires"]
        templates = self.d["templates"]
        await self.school()
        await self.past_review()
        manager, auditor = self.user(MANAGER_ID), self.user(PERSONAS.auditor.tg_id)
        head, teacher = self.user(PERSONAS.head.tg_id), self.user(PERSONAS.teacher.tg_id)
        primary_head, facilities = self.user(7_000_009), self.user(7_000_015)

        # A parents' complaint: handled by the head of mathematics and closed.
        with self.at(35, 11, 0):
            complaint = await self.report(
                MANAGER_ID, MATH,
                "Жалоба родителей 7 «Б»: домашние задания появляются в электронном журнале "
                "после 20:00",
                source=Source.COMPLAINT, external_ref="Обращение № 47 родительского комитета",
            )  # fmt: skip
            await ncs.classify(manager, complaint, Severity.MINOR, "8.2.1")
            await ncs.assign(manager, complaint, head.id)
        with self.at(34, 16, 20):
            await ncs.plan(
                head, complaint, "Домашние задания 7 «Б» выложены заново",
                ["Задания вносят после последнего урока", "Нет правила о сроке публикации"],
                "Утвердить правило: домашнее задание публикуется в день урока до 17:00",
                self.day(-28),
            )  # fmt: skip

        # The audit of the primary school's records: planned, answered, closed.
        with self.at(30, 10, 15):
            closed = await self.plan(
                "Документация учителей начальных классов",
                PRIMARY,
                "documented_information",
                PERSONAS.auditor.tg_id,
                [primary_head.tg_id, 7_000_010, 7_000_011],
                start=-28,
                deadline=-21,
                objectives=[Objective.LEGAL, Objective.SUPERVISORY, Objective.RISKS],
            )
        with self.at(28, 8, 5):
            await audits.open_due()
        checklist = await templates.checklist((await audits.get(closed)).template_id)
        with self.at(27, 15, 30):
            await self.answer(primary_head.tg_id, closed, checklist, {4}, submit=True)
        with self.at(26, 12, 10):
            await ncs.done(
                head, complaint, "Правило утверждено на заседании МО, протокол № 3",
                [self.photo("protocol.png")],
            )  # fmt: skip
        with self.at(26, 15, 30):
            await self.answer(7_000_010, closed, checklist, set(), submit=True)

        with self.at(25, 13, 5):
            shelves = await self.report(
                7_000_010, FACILITIES,
                "В библиотеке не закреплены к стене стеллажи у читального зала",
                evidence=[self.photo("shelves.png")], suggested_severity=Severity.MAJOR,
            )  # fmt: skip
        with self.at(24, 9, 0):
            await ncs.classify(manager, shelves, Severity.MAJOR, "7.1.4")
            await ncs.assign(manager, shelves, facilities.id)
        with self.at(24, 15, 30):
            await self.answer(7_000_011, closed, checklist, {2, 11}, submit=True)
        with self.at(23, 11, 30):
            await ncs.plan(
                facilities, shelves, None,
                ["Стеллажи поставили при ремонте без крепления", "Нет проверки после ремонта"],
                "Закрепить стеллажи; добавить пункт о креплении мебели в акт приёмки ремонта",
                self.day(-5),
            )  # fmt: skip

        with self.at(22, 10, 0):
            order = await self.report(
                MANAGER_ID, PRIMARY,
                "На сайте лицея нет актуальной редакции положения о ВСОКО",
                source=Source.SUPERVISORY_ORDER, external_ref="Предписание № 12-ПР",
            )  # fmt: skip
            await ncs.classify(manager, order, Severity.MAJOR, "7.5.3")
            await ncs.assign(manager, order, primary_head.id)
        with self.at(21, 15, 0):
            await ncs.plan(
                primary_head, order, None,
                ["Нет ответственного за раздел сайта"],
                "Назначить ответственного за раздел «Документы» и разместить положение",
                self.day(-8),
            )  # fmt: skip

        with self.at(20, 10, 30):
            await ncs.effective(auditor, complaint, "Жалоб больше не поступало")
            curriculum = await self.report(
                PERSONAS.auditor.tg_id, MATH,
                "КТП по алгебре 8 класса не скорректирован после карантина: отставание 4 часа",
            )  # fmt: skip

        with self.at(19, 14, 0):
            finished = await audits.close(
                auditor,
                closed,
                "Документация учителей начальных классов в целом ведётся в соответствии с "
                "требованиями. Замечания: не у всех педагогов актуализированы планы "
                "самообразования; журнал инструктажей требует внимания.",
            )
            # The results go to the director, the head and the team, as on closing in chat.
            await self.d["notices"].audit_results(finished, await audits.acks(closed))
            found = await self.d["findings"].overview(auditor, closed)
            from_audit = await self.d["findings"].raise_nc(auditor, closed, found.facts[0].index)
        with self.at(18, 9, 15):
            await ncs.classify(manager, curriculum, Severity.MINOR, "8.5.1")
            await ncs.assign(manager, curriculum, head.id)
            await ncs.classify(manager, from_audit.id, Severity.MINOR)
            await ncs.assign(manager, from_audit.id, primary_head.id)
        with self.at(17, 14, 45):
            await ncs.plan(
                head, curriculum, None,
                ["Корректировку КТП не проверяют после отмены уроков"],
                "Скорректировать КТП; проверять прохождение программы на заседании МО ежемесячно",
                self.day(-4),
            )  # fmt: skip

        with self.at(15, 12, 0):
            cooler = await self.report(7_000_007, FACILITIES, "В учительской нет кулера с водой")
        with self.at(14, 10, 20):
            await ncs.reject(
                manager, cooler, "Не относится к СМК: это хозяйственная заявка, передана завхозу"
            )

        with self.at(12, 11, 10):
            lighting = await self.report(
                7_000_008, FACILITIES, "В кабинете 214 не работает аварийное освещение",
                evidence=[self.photo("lighting.png")],
            )  # fmt: skip
        with self.at(11, 9, 30):
            await ncs.classify(manager, lighting, Severity.MAJOR, "7.1.4")
            await ncs.assign(manager, lighting, facilities.id)
        with self.at(10, 16, 0):
            await ncs.plan(
                facilities, lighting, "Заменён аккумулятор светильника",
                ["Аккумуляторы не проверяли", "Нет графика проверки аварийного освещения"],
                "Ввести ежемесячную проверку аварийного освещения по журналу",
                self.day(9),
            )  # fmt: skip

        with self.at(9, 13, 0):
            await ncs.done(
                primary_head, order, "Положение размещено, ответственный назначен",
                [self.photo("site.png")],
            )  # fmt: skip
        with self.at(7, 10, 0):
            await ncs.verify(manager, order)

        # The open audit of the mathematics department: half answered.
        with self.at(6, 11, 0):
            running = await self.plan(
                OPEN_AUDIT_TITLE,
                MATH,
                "teaching_process",
                PERSONAS.auditor.tg_id,
                [head.tg_id, teacher.tg_id, 7_000_007, 7_000_008],
                start=-3,
                deadline=7,
                objectives=[Objective.STRATEGY, Objective.LEGAL, Objective.RISKS],
            )
        with self.at(4, 15, 0):
            await ncs.done(
                facilities, shelves, "Стеллажи закреплены анкерами, акт приёмки дополнен",
                [self.photo("shelves_fixed.png")],
            )  # fmt: skip
        with self.at(3, 8, 5):
            await audits.open_due()
        checklist = await templates.checklist((await audits.get(running)).template_id)
        with self.at(2, 17, 40):
            await self.answer(7_000_007, running, checklist, {2, 4}, submit=True)
            await self.answer(7_000_008, running, checklist, {8}, upto=12)
        with self.at(1, 16, 40):
            await self.report(  # the whole school's: it waits for the manager to assign it
                PERSONAS.teacher_en.tg_id, None,
                "The projector in the assembly hall does not turn on, so school events "
                "with presentations cannot be held.",
                suggested_severity=Severity.MINOR, evidence=[self.photo("projector.png")],
            )  # fmt: skip
        with self.at(1, 19, 15):
            await self.answer(head.tg_id, running, checklist, set(), upto=7)
            await q.comment(head, running, 3, "Конспекты — в электронном виде")

        # Coming next: the facilities audit, planned today.
        await self.plan(
            "Инфраструктура и безопасность кабинетов",
            FACILITIES,
            "infrastructure",
            7_000_003,
            [facilities.tg_id, 7_000_012],
            start=5,
            deadline=12,
            objectives=[Objective.LEGAL, Objective.RISKS],
        )
        await self.objectives()

    async def past_review(self) -> None:
        """Issue 15: last school year's management review, approved by the director, its
        decisions followed as actions (one of them overdue by now)."""
        reviews = self.d["reviews"]
        manager, director = self.user(MANAGER_ID), self.user(7_000_002)
        facilities = self.user(7_000_015)
        with self.at(40, 10, 0):
            review = await reviews.create(
                manager, reviews.years()[1], "Новый ФГОС ООО; изменения в порядке ГИА",
                "Два новых педагога в МО математики; ремонт кабинетов второго этажа",
                "Н. Орлов (директор), М. Иванова (менеджер по качеству), руководители МО",
            )  # fmt: skip
            await reviews.add_decision(
                manager, review.id, DecisionKind.IMPROVEMENT,
                "Обучить двух педагогов по программе внутреннего аудитора", manager.id,
                self.day(25),
            )  # fmt: skip
            await reviews.add_decision(
                manager, review.id, DecisionKind.RESOURCES,
                "Закупить интерактивную панель для кабинета 214", facilities.id, self.day(-6),
            )  # fmt: skip
            await reviews.send(manager, review.id)
        with self.at(39, 9, 30):
            await reviews.approve(director, review.id)

    async def objectives(self) -> None:
        """Issue 15: two quality objectives: a KPI the head of mathematics reports each term,
        two the bot computes."""
        objectives = self.d["objectives"]
        manager, head = self.user(MANAGER_ID), self.user(PERSONAS.head.tg_id)
        with self.at(36, 10, 0):
            results = await objectives.add_objective(
                manager, "Повысить качество подготовки по математике",
                "Политика: качество образовательных результатов", head.id,
            )  # fmt: skip
            reported = await objectives.add_kpi(manager, results.id, {
                "name": "Доля обучающихся 9-х классов на «4» и «5» по математике",
                "unit": "%", "direction": "higher", "target": 60, "threshold": 50,
                "frequency": "term", "source": "reported",
            })  # fmt: skip
            system = await objectives.add_objective(
                manager, "Результативная система менеджмента качества",
                "Процесс «Внутренние аудиты и корректирующие действия»", manager.id,
            )  # fmt: skip
            for name, source, frequency, target, threshold in (
                ("Средний % соответствия по аудитам", "audit_compliance", "month", 85, 75),
                ("Действия, выполненные в срок", "actions_on_time", "term", 90, 70),
            ):
                await objectives.add_kpi(manager, system.id, {
                    "name": name, "unit": "%", "direction": "higher", "target": target,
                    "threshold": threshold, "frequency": frequency, "source": source,
                })  # fmt: skip
        _, series = await objectives.series(reported.id)
        for (slot, _value), figure in zip(series.points, (57.4, 61.2, 63.0, 64.5), strict=False):
            if slot.end < self.today:
                await objectives.enter_value(
                    head, reported.id, slot.key, figure, "По итогам четверти", []
                )
        await self.registers()

    async def registers(self) -> None:
        """Issue 16: the risk register, a provider evaluated, a parents' survey running."""
        risks, suppliers, surveys = self.d["risks"], self.d["suppliers"], self.d["surveys"]
        manager, facilities = self.user(MANAGER_ID), self.user(7_000_015)
        with self.at(20, 10, 0):
            risk = await risks.propose(
                facilities, RiskKind.RISK, "Задержка поставки учебников к 1 сентября",
                self.departments[FACILITIES],
            )  # fmt: skip
            risk = await risks.decide(manager, risk.id, risk.revision, accept=True)
            risk = await risks.change(manager, risk.id, risk.revision, likelihood=4, impact=4,
                                      treatment="reduce", owner_id=facilities.id)  # fmt: skip
            await risks.add_action(
                manager, risk.id, "Договор с резервным поставщиком учебников", facilities.id,
                self.day(-2),
            )  # fmt: skip
        with self.at(2, 12, 0):
            await risks.propose(
                self.user(PERSONAS.teacher.tg_id), RiskKind.OPPORTUNITY,
                "Грант на оснащение кабинета физики", self.departments[SCIENCE],
            )  # fmt: skip
        with self.at(30, 11, 0):
            caterer = await suppliers.add(manager, "ООО «Школьное питание»", "питание")
            await suppliers.change(manager, caterer.id, owner_id=facilities.id)
            await suppliers.evaluate(
                facilities, caterer.id,
                {"quality": 4, "timeliness": 5, "compliance": 4, "responsiveness": 3},
            )  # fmt: skip
            await suppliers.add(manager, "ИП Соколов (подвоз обучающихся)", "подвоз")
        with self.at(5, 9, 0):
            survey = await surveys.create(manager, "parents", self.day(10), "5А, 6")
        marks = [
            (5, 4, 5, 2, 0),
            (4, 4, 4, 3, 1),
            (5, 5, 4, 2, 0),
            (3, 4, 4, 1, 2),
            (4, 3, 5, 2, 1),
        ]
        for number, (a, b, c, d, e) in enumerate(marks):
            with self.at(4 - number % 3, 19, number):
                await surveys.submit(
                    survey.groups[0].token, 8_000_000 + number,
                    {"teaching": a, "information": b, "safety": c, "catering": d, "recommend": e},
                    "Горячие обеды бывают холодными" if number == 1 else None,
                )  # fmt: skip


async def seed(app: App, api: FakeTelegram | None = None) -> Personas:
    """Seeds the demo lyceum into the app's (empty) database and returns the personas the
    page plays. With `api`, the photos the staff attached exist on that local server, so
    the bot can show them. Finishes with one reminder sweep: the notices the people would
    have got by now (an audit opened, an action overdue) are in their chats."""
    if not await is_empty(app):
        raise RuntimeError("the demo seeds an empty sandbox database only")
    await _Seeder(app, api).run()
    await app.sweeper.run_once()
    return PERSONAS
