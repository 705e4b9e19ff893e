"""Reads for summaries and exports: compact rows over a period (no per-answer scans for
/summary: closed audits carry their results)."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Select, Text, and_, cast, null, select, tuple_, type_coerce

from bot.domain.summaries import AuditFact, NcFact
from bot.storage.schema import (
    anonymous_answers,
    answers,
    audit_options,
    audits,
    departments,
    nonconformities,
    users,
)

_ANONYMOUS = select(audit_options.c.audit_id).where(audit_options.c.anonymous.is_(True))


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), zone).astimezone(UTC)


def audit_facts(conn: Connection, start: date, end: date) -> list[AuditFact]:
    query = (
        select(
            audits.c.status,
            departments.c.name.label("department"),
            audits.c.results,
        )
        .outerjoin(departments, departments.c.id == audits.c.department_id)
        .where(audits.c.start_date >= start, audits.c.start_date < end)
    )
    facts = []
    for row in conn.execute(query):
        results = row.results or {}
        facts.append(
            AuditFact(
                status=row.status,
                department=row.department or "",
                overall=results.get("overall"),
                by_clause=dict(results.get("by_clause") or {}),
            )
        )
    return facts


def nc_facts(
    conn: Connection, start: date, end: date, zone: ZoneInfo, department_id: int | None = None
) -> list[NcFact]:
    nc = nonconformities
    where = [
        nc.c.created_at >= _local_midnight(start, zone),
        nc.c.created_at < _local_midnight(end, zone),
    ]
    if department_id is not None:
        where.append(nc.c.department_id == department_id)
    query = select(nc.c.status, nc.c.severity, nc.c.due_date, nc.c.closed_at, nc.c.done_at).where(
        and_(*where)
    )
    return [
        NcFact(
            status=row.status,
            severity=row.severity,
            due_date=row.due_date,
            closed_on=row.closed_at.astimezone(zone).date() if row.closed_at else None,
            done_on=row.done_at.astimezone(zone).date() if row.done_at else None,
        )
        for row in conn.execute(query)
    ]


def monthly_nc_status(
    conn: Connection, months: list[date], zone: ZoneInfo
) -> dict[date, dict[str, int]]:
    """For each month start: NCs raised in that month, counted by their status now."""
    nc = nonconformities
    first = _local_midnight(months[0], zone)
    counts: dict[date, dict[str, int]] = {month: {} for month in months}
    for row in conn.execute(select(nc.c.created_at, nc.c.status).where(nc.c.created_at >= first)):
        local = row.created_at.astimezone(zone).date().replace(day=1)
        if local in counts:
            counts[local][row.status] = counts[local].get(row.status, 0) + 1
    return counts


def export_answers(
    conn: Connection, after: tuple[int, int, int] | None = None, limit: int | None = None
) -> Sequence[tuple[Any, ...]]:
    """Answers as `(audit id, respondent id, question, value, comment, evidence, time,
    answer id)`, in the order (audit, respondent, answer): the `limit` after the key
    `after` (a page; the key is a row's audit, respondent and answer ids), or every one.
    The audits' and respondents' names come from `export_audits` and `export_people`,
    read once, not once per answer.

    240,000 rows: the time comes as the driver gives it, naive UTC (SQLite: ISO text;
    PostgreSQL: a datetime) and the evidence as its JSON text (a string on every
    database, so it can key a cache; `evidence_items` reads it) instead of through
    SQLAlchemy's per-row converters, which took most of the export's time. The rows are
    fetched at once (one driver call, not one per row) as the driver's own tuples: no
    converter applies to these columns, and wrapping each in a SQLAlchemy Row was a fifth
    of the read."""
    query = (
        select(
            answers.c.audit_id,
            answers.c.user_id,
            answers.c.question_id,
            answers.c.value,
            answers.c.comment,
            cast(answers.c.evidence, Text),
            type_coerce(answers.c.answered_at, Text),
            answers.c.id,
        )
        # An anonymous audit's answers still under a name are drafts not yet submitted:
        # never exported with their respondent (issue 12).
        .where(answers.c.audit_id.not_in(_ANONYMOUS))
        .order_by(answers.c.audit_id, answers.c.user_id, answers.c.id)
    )
    if after is not None:
        query = query.where(tuple_(answers.c.audit_id, answers.c.user_id, answers.c.id) > after)
    if limit is not None:
        query = query.limit(limit)
    return _driver_rows(conn, query)


def export_anonymous_answers(conn: Connection) -> Sequence[tuple[Any, ...]]:
    """The submitted answers of anonymous audits, shaped as `export_answers`' rows: no
    respondent (None), the audit's opening for a time (issue 12). Few (anonymous audits
    only), so read in one go after the last page."""
    anonymous = (
        select(
            anonymous_answers.c.audit_id,
            null(),
            anonymous_answers.c.question_id,
            anonymous_answers.c.value,
            anonymous_answers.c.comment,
            cast(anonymous_answers.c.evidence, Text),
            type_coerce(audits.c.opened_at, Text),
        )
        .join(audits, audits.c.id == anonymous_answers.c.audit_id)
        .order_by(anonymous_answers.c.audit_id, anonymous_answers.c.id)
    )
    return _driver_rows(conn, anonymous)


def export_audits(
    conn: Connection, ids: Collection[int] | None = None
) -> dict[int, tuple[str, int, str | None]]:
    """Each audit's number, checklist and department (None: the whole school), by id: all
    of them, or those of `ids`."""
    query = select(
        audits.c.id, audits.c.number, audits.c.template_id, departments.c.name
    ).outerjoin(departments, departments.c.id == audits.c.department_id)
    if ids is not None:
        query = query.where(audits.c.id.in_(ids))
    return {id_: (number, template, name) for id_, number, template, name in conn.execute(query)}


def export_people(
    conn: Connection, ids: Collection[int] | None = None
) -> dict[int, tuple[str, str | None]]:
    """Each person's name and department, by id: everyone, or those of `ids`."""
    query = select(users.c.id, users.c.full_name, departments.c.name).outerjoin(
        departments, departments.c.id == users.c.department_id
    )
    if ids is not None:
        query = query.where(users.c.id.in_(ids))
    return {id_: (name, department) for id_, name, department in conn.execute(query)}


def _driver_rows(conn: Connection, query: Select[Any]) -> Sequence[tuple[Any, ...]]:
    result = conn.execute(query)
    try:
        rows: Sequence[tuple[Any, ...]] = result.cursor.fetchall()
        return rows
    finally:
        result.close()


def evidence_items(raw: Any) -> list[dict[str, Any]]:
    """The evidence of an exported answer (SQLite gives the JSON text)."""
    if not raw or raw == "[]":
        return []
    return list(json.loads(raw) if isinstance(raw, str) else raw)
