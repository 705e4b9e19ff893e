"""The reminder sweep reads on its own connection and asks each rule's window only
(issue 17): the read connection sees committed data while the writer works and refuses to
write; each rule still finds what is due and its query reads through an index."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, event, text
from sqlalchemy.exc import OperationalError

from bot.clock import FixedClock
from bot.config import Settings
from bot.domain.competence import RecordStatus, Requirement
from bot.domain.documents import DocType, VersionStatus
from bot.domain.objectives import Direction, Frequency, Kpi
from bot.domain.reminders import Due, Kind
from bot.domain.risks import RiskKind, RiskStatus
from bot.domain.roles import Role
from bot.domain.suppliers import SupplierStatus
from bot.scheduler import rules, sweep
from bot.services.templates import TemplateService
from bot.storage.acknowledgements import AckRepo
from bot.storage.competence import CompetenceRepo
from bot.storage.db import Database
from bot.storage.departments import DepartmentRepo
from bot.storage.documents import DocumentRepo
from bot.storage.notifications import LedgerRepo
from bot.storage.objectives import ObjectiveRepo
from bot.storage.risks import RiskRepo
from bot.storage.suppliers import SupplierRepo
from bot.storage.users import UserRepo
from tests.fakeapi import TgUser
from tests.flows import texts
from tests.harness import BotHarness
from tests.test_reminders import at, planned_action

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


async def test_a_read_does_not_wait_for_the_writer_and_cannot_write(tmp_path: Path) -> None:
    db = Database.sqlite(tmp_path / "qms.sqlite3")
    await db.migrate()
    await db.run(lambda c: DepartmentRepo(c).add("Кафедра", NOW))
    inside, release = threading.Event(), threading.Event()

    def long_write(conn: Connection) -> None:  # a unit of work that holds the writer
        conn.execute(text("DELETE FROM departments"))
        inside.set()
        release.wait(10)

    writing = asyncio.ensure_future(db.run(long_write))
    await asyncio.get_running_loop().run_in_executor(None, inside.wait, 10)
    count = "SELECT count(*) FROM departments"
    # The writer's unit has not returned, yet the read answers: with what is committed.
    seen = await asyncio.wait_for(db.read(lambda c: c.execute(text(count)).scalar()), 5)
    assert seen == 1
    release.set()
    await writing
    assert await db.read(lambda c: c.execute(text(count)).scalar()) == 0
    with pytest.raises(OperationalError, match="readonly"):
        await db.read(lambda c: c.execute(text("DELETE FROM departments")))
    await db.close()


TOKEN = "123456789:AAHfakeTokenForTestsOnly_abcdefghijk"


async def school(tmp_path: Path) -> tuple[Database, Settings, TemplateService]:
    path = tmp_path / "qms.sqlite3"
    db = Database.sqlite(path)
    await db.migrate()
    settings = Settings(_env_file=None, bot_token=TOKEN, database_path=path)  # type: ignore[call-arg]
    return db, settings, TemplateService(db, FixedClock(NOW))


def regulation_for_two_teachers(conn: Connection) -> tuple[int, int, int]:
    """A regulation in force for the teachers of one department: two teachers, and a
    teacher of another department it does not concern. Returns (version, ann, bob)."""
    users, departments, documents = UserRepo(conn), DepartmentRepo(conn), DocumentRepo(conn)
    owner = users.add(1, "Менеджер", None, "ru", None, NOW)
    users.set_roles(owner, {Role.MANAGER})
    maths, history = departments.add("Математика", NOW), departments.add("История", NOW)
    people = []
    for n, department in enumerate((maths, maths, history)):
        person = users.add(100 + n, f"Учитель {n}", None, "ru", department, NOW)
        users.set_roles(person, {Role.TEACHER})
        people.append(person)
    document = documents.add("П-001", "Положение", DocType.REGULATION, owner, NOW)
    version = documents.add_version(
        document, 1, {"file_id": "f"}, frozenset({Role.TEACHER}), frozenset({maths}), NOW
    )
    documents.move(version, VersionStatus.DRAFT, VersionStatus.APPROVED)
    documents.move(
        version, VersionStatus.APPROVED, VersionStatus.IN_FORCE,
        effective_on=NOW.date(), review_on=date(2027, 12, 1),
    )  # fmt: skip
    return version, people[0], people[1]


async def test_the_document_rule_is_worked_out_again_only_when_its_marks_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, settings, templates = await school(tmp_path)
    version, ann, bob = await db.run(regulation_for_two_teachers)
    worked = []
    real = rules._documents_found

    def counted(*args: Any) -> list[rules.Found]:
        worked.append(1)
        return real(*args)

    monkeypatch.setattr(rules, "_documents_found", counted)
    memo = rules.Memo()

    async def acks_due(moment: datetime = NOW) -> set[int | None]:
        due = await db.read(lambda c: rules.compute_due(c, moment, settings, templates, memo=memo))
        return {d.recipient_id for d in due.values() if d.kind is Kind.DOC_ACK}

    assert await acks_due() == {ann, bob} and len(worked) == 1
    assert await acks_due() == {ann, bob} and len(worked) == 1  # nothing changed: not read
    await db.run(lambda c: DocumentRepo(c).acknowledge(version, ann, NOW))
    assert await acks_due() == {bob} and len(worked) == 2  # an acknowledgement came
    await db.run(lambda c: UserRepo(c).update(bob, department_id=None))
    assert await acks_due() == set() and len(worked) == 3  # he left the department
    await db.run(lambda c: UserRepo(c).update(bob, department_id=1))
    await db.run(lambda c: UserRepo(c).set_roles(bob, {Role.HEAD}))
    assert await acks_due() == set() and len(worked) == 4  # back, as a head
    await db.run(lambda c: UserRepo(c).set_roles(bob, {Role.TEACHER}))
    assert await acks_due() == {bob} and len(worked) == 5
    assert await acks_due(NOW + timedelta(days=1)) == {bob} and len(worked) == 6  # a new day
    # And the memo's answer is the one worked out afresh.
    fresh = await db.read(lambda c: rules.compute_due(c, NOW, settings, templates))
    kept = await db.read(lambda c: rules.compute_due(c, NOW, settings, templates, memo=memo))
    assert fresh == kept
    await db.close()


def statements(conn: Connection, call: Callable[[], object]) -> list[tuple[str, Any]]:
    """The SQL statements `call` runs on `conn`, with their parameters."""
    seen: list[tuple[str, Any]] = []

    def listen(*args: Any) -> None:
        seen.append((args[2], args[3]))  # conn, cursor, statement, parameters, …

    event.listen(conn, "before_cursor_execute", listen)
    try:
        call()
    finally:
        event.remove(conn, "before_cursor_execute", listen)
    return seen


def plan_of(conn: Connection, table: str, call: Callable[[], object]) -> list[str]:
    """How SQLite reads `table` in each statement of `call` that names it."""
    found = []
    for statement, parameters in statements(conn, call):
        if f"FROM {table}" not in statement and f"JOIN {table}" not in statement:
            continue
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
        found += [row[3] for row in rows if f" {table}" in row[3]]
    return found


def register(conn: Connection) -> dict[str, int]:
    """Risks with actions (due soon, late, far off, done), reviews (come, not yet), a
    proposed risk, and providers (never evaluated, evaluated long ago, lately, excluded)."""
    users, repo, suppliers = UserRepo(conn), RiskRepo(conn), SupplierRepo(conn)
    manager = users.add(1, "Менеджер", None, "ru", None, NOW)
    users.set_roles(manager, {Role.MANAGER})
    owner = users.add(2, "Владелец", None, "ru", None, NOW)
    today = NOW.date()
    risk = repo.add(RiskKind.RISK, "Сбой журнала", None, manager, NOW, RiskStatus.ACTIVE)
    repo.update(risk, 0, NOW, owner_id=owner, review_on=today)
    later = repo.add(RiskKind.RISK, "Нехватка кадров", None, manager, NOW, RiskStatus.ACTIVE)
    repo.update(later, 0, NOW, owner_id=owner, review_on=today + timedelta(days=1))
    ids = {
        "soon": repo.add_action(risk, "Резервная копия", owner, today + timedelta(days=3), NOW),
        "late": repo.add_action(risk, "Инструкция", owner, today - timedelta(days=2), NOW),
        "far": repo.add_action(later, "Найм", owner, today + timedelta(days=40), NOW),
        "done": repo.add_action(later, "Приказ", owner, today - timedelta(days=5), NOW),
        "risk": risk, "later": later,
    }  # fmt: skip
    repo.complete(ids["done"], NOW)
    ids["proposed"] = repo.add(RiskKind.OPPORTUNITY, "Кружок", None, owner, NOW)
    new = suppliers.add("Столовая", "питание", owner, NOW)
    old = suppliers.add("Охрана", "охрана", None, NOW - timedelta(days=800))
    fresh = suppliers.add("Уборка", "уборка", owner, NOW - timedelta(days=800))
    gone = suppliers.add("Транспорт", "перевозки", owner, NOW - timedelta(days=800))
    marks = {"quality": 5}
    suppliers.add_evaluation(old, date(2025, 11, 30), marks, marks, 90, manager, NOW)
    suppliers.add_evaluation(fresh, date(2026, 3, 1), marks, marks, 90, manager, NOW)
    suppliers.update(gone, status=SupplierStatus.EXCLUDED.value)
    ids |= {"new": new, "old": old, "fresh": fresh, "gone": gone, "owner": owner}
    ids["manager"] = manager
    return ids


async def test_the_risk_and_provider_rules_find_what_is_due_by_their_windows(
    tmp_path: Path,
) -> None:
    db, settings, templates = await school(tmp_path)
    ids = await db.run(register)
    due = await db.read(lambda c: rules.compute_due(c, NOW, settings, templates))
    found = {(d.kind, d.object_id, d.recipient_id) for d in due.values()}
    owner, manager = ids["owner"], ids["manager"]
    assert {f for f in found if f[0] is not Kind.DIGEST} == {
        (Kind.RISK_ACTION_DUE, ids["soon"], owner),
        (Kind.RISK_ACTION_OVERDUE, ids["late"], owner),
        (Kind.RISK_REVIEW, ids["risk"], owner),  # not the one reviewed tomorrow
        (Kind.RISK_PROPOSED, ids["proposed"], manager),
        (Kind.SUPPLIER_EVALUATION, ids["new"], owner),  # due from the day it was added
        (Kind.SUPPLIER_EVALUATION, ids["old"], manager),  # a year and a day ago; no owner
    }

    def read_plans(conn: Connection) -> dict[str, list[str]]:
        repo, until = RiskRepo(conn), NOW.date() + timedelta(days=3)
        waited = datetime(2026, 11, 28, tzinfo=UTC)
        return {
            "actions": plan_of(conn, "risk_actions", lambda: repo.actions_due(until)),
            "reviews": plan_of(conn, "risks", lambda: repo.reviews_due(NOW.date())),
            "acks": plan_of(conn, "audit_acks", lambda: AckRepo(conn).waiting(waited)),
            "versions": plan_of(
                conn, "document_versions", lambda: DocumentRepo(conn).in_force_marks()
            ),
        }

    plans = await db.read(read_plans)
    # Each reads its window through its index, not the whole table.
    assert any("ix_risk_actions_open_due (done_at=? AND due_date<?)" in p
               for p in plans["actions"]), plans  # fmt: skip
    assert any("ix_risks_status_review (status=? AND review_on<?)" in p
               for p in plans["reviews"]), plans  # fmt: skip
    assert any("ix_audit_acks_waiting (acknowledged_at=? AND told_at<?)" in p
               for p in plans["acks"]), plans  # fmt: skip
    assert any("ix_document_versions_status (status=?)" in p for p in plans["versions"]), plans
    assert not any(p.startswith("SCAN") for plan in plans.values() for p in plan), plans
    await db.close()


def qualifications(conn: Connection) -> dict[str, int]:
    """Teachers' refresher courses (every 3 years): Ann's expires in 30 days, Bob's has
    expired, Cat's expired but she renewed it, Dan's is years off, Eve's is not confirmed."""
    users, repo = UserRepo(conn), CompetenceRepo(conn)
    manager = users.add(1, "Менеджер", None, "ru", None, NOW)
    users.set_roles(manager, {Role.MANAGER})
    course = Requirement(0, None, "КПК", frozenset({Role.TEACHER}), 36, True)
    requirement = repo.add_requirement(course, NOW)
    ids = {"manager": manager}
    for n, (name, days) in enumerate(
        (("ann", [date(2023, 12, 31)]), ("bob", [date(2023, 11, 1)]),
         ("cat", [date(2023, 11, 15), date(2026, 10, 1)]), ("dan", [date(2025, 1, 1)]),
         ("eve", [date(2023, 12, 31)]))
    ):  # fmt: skip
        person = ids[name] = users.add(200 + n, name, None, "ru", None, NOW)
        users.set_roles(person, {Role.TEACHER})
        for day in days:
            record = ids[f"{name}:{day.year}"] = repo.add_record(
                person, requirement, day, 72, [], NOW
            )
            if name != "eve":
                repo.review(record, RecordStatus.CONFIRMED, manager, NOW)
    return ids


async def test_the_competence_rule_reads_the_latest_records_expiring_in_its_window(
    tmp_path: Path,
) -> None:
    db, settings, templates = await school(tmp_path)
    ids = await db.run(qualifications)
    due = await db.read(lambda c: rules.compute_due(c, NOW, settings, templates))
    found = {(d.kind, d.object_id, d.recipient_id, d.slot) for d in due.values()}
    assert {f for f in found if f[0] is not Kind.DIGEST} == {
        (Kind.COMPETENCE_EXPIRING, ids["ann:2023"], ids["ann"], "2026-12-31:d30"),
        (Kind.COMPETENCE_EXPIRED, ids["bob:2023"], ids["manager"], "2026-11-01"),
    }
    cutoffs = {1: date(2024, 3, 4)}
    plans = await db.read(
        lambda c: plan_of(
            c, "competence_records", lambda: CompetenceRepo(c).latest_confirmed_by(cutoffs)
        )
    )
    assert any("ix_competence_records_due (requirement_id=? AND status=? AND completed_on<?)"
               in p for p in plans), plans  # fmt: skip
    assert not any(p.startswith("SCAN") for p in plans), plans
    await db.close()


async def test_the_breach_rule_measures_only_the_latest_ended_period(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, settings, templates = await school(tmp_path)
    today = datetime(2027, 5, 20, 9, tzinfo=UTC)

    def objective(conn: Connection) -> tuple[int, list[int]]:
        users, repo = UserRepo(conn), ObjectiveRepo(conn)
        owner = users.add(1, "Завуч", None, "ru", None, NOW)
        users.set_roles(owner, {Role.MANAGER})
        found = repo.add_objective(
            "Аудиты по плану", "Процесс", owner, date(2026, 9, 1), date(2027, 8, 31), NOW
        )
        kpis = [
            repo.add_kpi(Kpi(0, found, name, "%", Direction.HIGHER, 90, 80, Frequency.MONTH,
                             "audit_compliance"), NOW)
            for name in ("Соответствие", "Соответствие по плану")
        ]  # fmt: skip
        return owner, kpis

    owner, kpis = await db.run(objective)
    measured: list[tuple[str, date, date]] = []

    def measure(source: str, span: Any) -> float:
        measured.append((source, span.start, span.end))
        return 50.0  # past the threshold of 80 %

    monkeypatch.setattr(rules, "measure", measure)
    due = await db.read(lambda c: rules.compute_due(c, today, settings, templates))
    breaches = {(d.object_id, d.recipient_id, d.slot) for d in due.values()
                if d.kind is Kind.KPI_BREACH}  # fmt: skip
    assert breaches == {(kpi, owner, "2027-04") for kpi in kpis}
    # April once for both KPIs of the source; not September to March, nor May (not ended).
    assert measured == [("audit_compliance", date(2027, 4, 1), date(2027, 4, 30))]
    await db.close()


async def test_the_digest_is_worked_out_until_every_reader_has_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, settings, templates = await school(tmp_path)
    manager = await db.run(lambda c: register(c)["manager"])
    weekday, hour, minute = settings.digest_at
    monday = datetime(2026, 11, 30, tzinfo=settings.tz)
    moment = monday + timedelta(days=weekday, hours=hour, minutes=minute + 5)
    worked = []
    real = rules._digest

    def counted(*args: Any) -> dict[str, object]:
        worked.append(1)
        return real(*args)

    monkeypatch.setattr(rules, "_digest", counted)

    async def digests() -> list[Due]:
        due = await db.read(lambda c: rules.compute_due(c, moment, settings, templates))
        return [d for d in due.values() if d.kind is Kind.DIGEST]

    found = await digests()
    assert [d.recipient_id for d in found] == [manager] and len(worked) == 1
    await db.run(lambda c: LedgerRepo(c).record(found, moment))
    assert len(await digests()) == 1 and len(worked) == 2  # pending: still wanted
    row = await db.run(lambda c: LedgerRepo(c).claim(moment, {found[0].key}, 10))
    await db.run(lambda c: LedgerRepo(c).finish(row[0].id, "sent", moment))
    assert await digests() == [] and len(worked) == 2  # sent: nothing left to work out
    await db.close()


async def test_a_sweep_records_and_claims_in_small_units_and_sends_each_once(
    harness: BotHarness, manager: TgUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sweep, "UNIT", 1)  # one ledger row to a unit of work
    head, _ = await planned_action(harness, manager, date(2026, 11, 27))
    assert harness.app is not None
    app = harness.app
    calls: list[str] = []
    for name in ("record", "claim_some"):
        real = getattr(LedgerRepo, name)

        def counted(self: LedgerRepo, *args: Any, name: str = name, real: Any = real) -> Any:
            calls.append(name)
            return real(self, *args)

        monkeypatch.setattr(LedgerRepo, name, counted)
    harness.clock.set(at(30, 9, 5))  # Monday: three days overdue, and the weekly digest
    report = await app.sweeper.run_once()
    await app.idle()
    # The head's overdue action, the escalation, the digest, …: each recorded and sent once.
    assert report.recorded >= 3 and report.outcomes == {"sent": report.recorded}
    # A unit to record each, a unit to claim each and one that found none left, not one
    # for all of them.
    assert calls.count("record") == report.recorded
    assert calls.count("claim_some") == report.recorded + 1
    assert len(texts(head, "просрочено на 3 дня")) == 1
    assert len(texts(manager, "🚨 NC-2026-001 просрочено на 3 дня")) == 1
    again = await app.sweeper.run_once()
    assert again.recorded == 0 and not again.outcomes
    await app.idle()
    assert len(texts(head, "просрочено на 3 дня")) == 1
