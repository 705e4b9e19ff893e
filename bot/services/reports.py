"""Summaries, charts and exports: the state of the QMS in seconds, as text, picture or file.

Reading happens in one unit of work on the database thread; rendering (XLSX, DOCX, PNG)
runs in a worker thread so the bot keeps answering meanwhile.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from datetime import UTC, date, datetime, timedelta
from typing import IO, Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from bot.clock import Clock, SchoolDay
from bot.domain import numbers
from bot.domain.audits import Audit, AuditStatus, evidence_pieces
from bot.domain.checklists import AnswerType, Checklist, Question
from bot.domain.documents import VersionStatus
from bot.domain.findings import FindingKind, plain_description
from bot.domain.models import User
from bot.domain.nonconformities import NcFilter, NcStatus, Nonconformity, Viewer
from bot.domain.roles import Role
from bot.domain.scoring import is_nonconforming, score
from bot.domain.summaries import Period, Summary, period_bounds, previous_bounds, summarize
from bot.reports.model import (
    AckRow,
    ActionRow,
    AnswerStream,
    AuditNote,
    AuditReport,
    AuditRow,
    Fact,
    Finding,
    NcRow,
    Who,
)
from bot.services.errors import Refused
from bot.services.files import FileService
from bot.services.templates import TemplateService
from bot.storage.acknowledgements import AckRepo
from bot.storage.answers import AnswerRepo
from bot.storage.audits import AuditRepo
from bot.storage.db import Database
from bot.storage.documents import DocumentRepo
from bot.storage.findings import FindingRepo
from bot.storage.nonconformities import NcRepo
from bot.storage.programme import ProgrammeRepo
from bot.storage.summaries import (
    audit_facts,
    evidence_items,
    export_anonymous_answers,
    export_answers,
    export_audits,
    export_people,
    monthly_nc_status,
    nc_facts,
)
from bot.storage.users import UserRepo

Gettext = Callable[[str], str]
ALL = Viewer(user_id=0, roles=frozenset({Role.MANAGER}), department_id=None)
EXPORT_LIMIT = 1_000_000
EXPORT_PAGE = 2000  # answers read in one unit of work: what a tap may wait behind


NOTE_KINDS = (FindingKind.OBSERVATION, FindingKind.IMPROVEMENT, FindingKind.STRENGTH)


class ReportService(SchoolDay):
    def __init__(
        self,
        db: Database,
        clock: Clock,
        tz: ZoneInfo,
        templates: TemplateService,
        year_start: tuple[int, int] = (9, 1),
        files: FileService | None = None,
        photos_max: int = 3,
    ):
        self.db = db
        self.clock = clock
        self.tz = tz
        self.templates = templates
        self.year_start = year_start  # SCHOOL_YEAR_START: the school year of /summary
        # The school's file store, for the answers' photos in the DOCX report (none
        # without it); REPORT_PHOTOS_MAX of them per finding.
        self.files = files
        self.photos_max = photos_max

    async def summary(self, period: Period) -> Summary:
        today = self.today()
        start, end = period_bounds(period, today, self.year_start)
        before_start, before_end = previous_bounds(period, start, self.year_start)

        def work(conn: Connection) -> Summary:
            return summarize(
                start,
                end,
                today,
                audit_facts(conn, start, end),
                nc_facts(conn, start, end, self.tz),
                audit_facts(conn, before_start, before_end),
                nc_facts(conn, before_start, before_end, self.tz),
            )

        return await self.db.run(work)

    async def nc_months(self, count: int = 6) -> tuple[list[date], dict[date, dict[str, int]]]:
        first = self.today().replace(day=1)
        months = [first]
        while len(months) < count:
            months.insert(0, (months[0] - timedelta(days=1)).replace(day=1))
        counts = await self.db.run(lambda conn: monthly_nc_status(conn, months, self.tz))
        return months, counts

    async def overdue(self, user: User) -> list[Nonconformity]:
        """Overdue actions: all for a manager, his department's for a head."""
        today = self.today()
        items = await self.db.run(lambda conn: NcRepo(conn).open_overdue(today))
        if user.has(Role.MANAGER):
            return items
        return [
            nc
            for nc in items
            if nc.department_id == user.department_id or nc.responsible_id == user.id
        ]

    # -- files ---------------------------------------------------------------------------

    async def workbook(
        self, gettext: Gettext, translate: Callable[[str, str], str], target: IO[bytes]
    ) -> None:
        """Writes the XLSX export to `target` (a file, so that the export is never whole in
        memory). `translate(kind, value)` gives display texts for statuses etc."""
        from bot.reports.xlsx import write_workbook

        today = self.today()
        checklists: dict[int, Checklist] = {}

        def checklist(conn: Connection, template_id: int) -> Checklist:
            if template_id not in checklists:
                checklists[template_id] = self.templates.checklist_in(conn, template_id)
            return checklists[template_id]

        def work(
            conn: Connection,
        ) -> tuple[list[AuditRow], list[NcRow], list[ActionRow], _Names]:
            repo = AuditRepo(conn)
            audit_rows = []
            for audit in repo.in_years():
                people = repo.respondents(audit.id)
                results = audit.results or {}
                audit_rows.append(
                    AuditRow(
                        number=audit.number,
                        title=audit.title,
                        department=audit.department_name or gettext("report.whole_school"),
                        template=audit.template_title,
                        status=translate("audit", audit.status.value),
                        lead_auditor=audit.lead_auditor_name,
                        start_date=audit.start_date,
                        deadline=audit.deadline,
                        respondents=len(people),
                        submitted=sum(1 for p in people if p.submitted_at),
                        compliance=results.get("overall"),
                        closed_at=audit.closed_at.astimezone(self.tz) if audit.closed_at else None,
                    )
                )
            ncs, _ = NcRepo(conn).page(ALL, NcFilter(), today, 0, EXPORT_LIMIT)
            nc_rows = [self._nc_row(nc, today, gettext, translate) for nc in reversed(ncs)]
            action_rows = [
                ActionRow(
                    nc_number=nc.number,
                    responsible=nc.responsible_name or "",
                    correction=nc.correction or "",
                    root_cause=" → ".join(nc.root_cause),
                    corrective_action=nc.corrective_action or "",
                    due_date=nc.due_date,
                    status=translate("nc", nc.status.value),
                    done_at=nc.done_at.astimezone(self.tz) if nc.done_at else None,
                    effective=nc.effective,
                    verifier=nc.verifier_name or "",
                    verification_note=nc.verification_note or "",
                )
                for nc in reversed(ncs)
                if nc.corrective_action
            ]
            return audit_rows, nc_rows, action_rows, _Names(conn)

        audits, ncs, actions, names = await self.db.run(work)
        loop = asyncio.get_running_loop()
        facts = _Facts(checklist, translate, gettext("number.locale"))
        anonymous, photo = gettext("audit.anonymous_name"), gettext("report.photo")
        zone = self.tz

        def ask(after: tuple[int, int, int] | None) -> Future[Page]:
            def page(conn: Connection) -> Page:
                return _answer_rows(conn, facts, names, after)

            return asyncio.run_coroutine_threadsafe(self.db.run(page), loop)

        def rows() -> Iterator[tuple[Any, ...]]:
            """The answers a page (one short unit of work) at a time, asked for from the
            writer's thread, the next page read while this one is written: the memory
            stays that of two pages, and a tap waits at most for one page, not for the
            whole export."""
            coming = ask(None)
            while True:
                found, after = coming.result()
                if after is not None:
                    coming = ask(after)
                yield from found
                if after is None:
                    return

        def who(key: tuple[int, int | None]) -> Who:
            audit, user = key
            number, _, department = names.audits.get(audit, ("", 0, None))
            if user is None:  # an anonymous audit's: in no one's name, the audit's department
                return number, anonymous, department or ""
            name, department = names.people.get(user, ("", None))
            return number, name, department or ""

        def files(raw: Any) -> str:
            items = evidence_items(raw)
            return file_names(items, photo) if items else ""

        stream = AnswerStream(
            rows=rows(),
            who=who,
            fact=lambda known: known,  # the key is the fact itself
            evidence=lambda raw: evidence_pieces(evidence_items(raw)),
            answered_at=_local_times(zone),
            evidence_files=files,
        )
        await asyncio.to_thread(write_workbook, target, audits, stream, ncs, actions, gettext)

    def _nc_row(
        self, nc: Nonconformity, today: date, gettext: Gettext, translate: Callable[[str, str], str]
    ) -> NcRow:
        late = (today - nc.due_date).days if nc.is_overdue(today) and nc.due_date else None
        return NcRow(
            number=nc.number,
            source=translate("source", nc.source.value),
            status=translate("nc", nc.status.value),
            severity=translate("severity", nc.severity.value) if nc.severity else "",
            department=nc.department_name or "",
            clause=nc.clause or "",
            description=plain_description(nc.description, nc.finding, nc.audit_number, gettext),
            reporter=nc.reporter_name or "",
            responsible=nc.responsible_name or "",
            created_at=nc.created_at.astimezone(self.tz),
            due_date=nc.due_date,
            closed_at=nc.closed_at.astimezone(self.tz) if nc.closed_at else None,
            days_overdue=late,
            audit_number=nc.audit_number or "",
        )

    async def audit_report(
        self, audit: Audit, gettext: Gettext, translate: Callable[[str, str], str]
    ) -> bytes:
        """The DOCX report of one audit (ISO 19011 6.5)."""
        from bot.reports.docx import build_audit_report

        if audit.status is not AuditStatus.CLOSED:
            raise Refused("audits.not_closed")
        today = self.today()

        locale = gettext("number.locale")
        shots: list[list[dict[str, Any]]] = []  # each finding's photos, as recorded

        def work(conn: Connection) -> AuditReport:
            shots.clear()
            checklist = self.templates.checklist_in(conn, audit.template_id)
            people = AuditRepo(conn).respondents(audit.id)
            submitted = {p.user_id for p in people if p.submitted_at}
            records = [
                r for r in AnswerRepo(conn).all_for_audit(audit.id) if r.user_id in submitted
            ]
            if ProgrammeRepo(conn).options(audit.id).anonymous:  # issue 12: no respondent
                records = ProgrammeRepo(conn).anonymous_answers(audit.id)
            findings = []
            photos = documents = 0
            for index, question in enumerate(checklist.questions):
                given = [r for r in records if r.question_id == question.id and r.value is not None]
                values: dict[str, int] = {}
                for record in given:
                    shown = shown_answer(question, record.value or "", translate, locale)
                    values[shown] = values.get(shown, 0) + 1
                summary = "; ".join(f"{value} — {count}" for value, count in values.items())
                items = [item for r in given for item in r.evidence]
                names = [str(i.get("name") or gettext("report.docx.file")) for i in items
                         if i.get("kind") != "photo"]  # fmt: skip
                shot = sum(1 for i in items if i.get("kind") == "photo")
                shots.append([i for i in items if i.get("kind") == "photo"])
                photos, documents = photos + shot, documents + len(names)
                if shot:
                    names.append(gettext("report.docx.photos").format(count=shot))
                findings.append(
                    Finding(
                        number=index + 1,
                        clause=question.clause,
                        question=question.text,
                        summary=summary or gettext("report.none"),
                        evidence=sum(evidence_pieces(r.evidence) for r in given),
                        nonconforming=any(is_nonconforming(question, r.value or "") for r in given),
                        comments=[
                            r.comment.strip() for r in given if r.comment and r.comment.strip()
                        ],
                        files=names,
                    )
                )
            raised = NcRepo(conn).of_audit(audit.id)
            results = audit.results or {}
            numbers = {q.id: n for n, q in enumerate(checklist.questions, 1)}
            notes = [
                AuditNote(
                    kind=gettext(f"findings.kind.{f.kind.value}"),
                    question=numbers.get(f.question_id or ""),
                    text=f.text or "",
                    code=f.kind.value,
                )
                for f in FindingRepo(conn).of_audit(audit.id)
                if f.kind in NOTE_KINDS
            ]
            methods = [
                gettext("report.docx.method.questionnaire").format(
                    count=len(submitted), questions=checklist.question_count
                )
            ]
            if documents:
                methods.append(gettext("report.docx.method.documents").format(count=documents))
            if photos or any(n.code == FindingKind.OBSERVATION.value for n in notes):
                methods.append(gettext("report.docx.method.observation").format(count=photos))
            directors = [u.full_name for u in UserRepo(conn).active() if u.has(Role.OBSERVER)]
            return AuditReport(
                number=audit.number,
                title=audit.title,
                department=audit.department_name or gettext("report.whole_school"),
                objectives=[translate("objective", o) for o in audit.objectives],
                scope=audit.scope,
                criteria=audit.criteria,
                lead_auditor=audit.lead_auditor_name,
                participants=[p.full_name for p in people],
                start_date=audit.start_date,
                deadline=audit.deadline,
                closed_at=audit.closed_at.astimezone(self.tz) if audit.closed_at else None,
                template=checklist.title,
                template_version=checklist.version,
                overall=results.get("overall"),
                by_section=dict(results.get("by_section") or {}),
                by_clause=dict(results.get("by_clause") or {}),
                findings=findings,
                ncs=[self._nc_row(nc, today, gettext, translate) for nc in raised],
                conclusion=audit.conclusion or "",
                notes=notes,
                acknowledgements=[
                    AckRow(
                        name=ack.full_name,
                        role=gettext(f"acks.role.{ack.role.value}"),
                        told_at=ack.told_at.astimezone(self.tz),
                        acknowledged_at=(
                            ack.acknowledged_at.astimezone(self.tz) if ack.acknowledged_at else None
                        ),
                    )
                    for ack in AckRepo(conn).of_audit(audit.id)
                ],
                issued_on=audit.closed_at.astimezone(self.tz).date() if audit.closed_at else None,
                director=directors[0] if len(directors) == 1 else "",
                methods=methods,
                locations=[audit.department_name or gettext("report.whole_school")],
                documents=criteria_documents(conn, checklist, gettext),
            )

        report = await self.db.run(work)
        if self.files is not None and self.photos_max > 0:
            findings = [
                dataclasses.replace(f, photos=await self._photos(items))
                for f, items in zip(report.findings, shots, strict=True)
            ]
            report = dataclasses.replace(report, findings=findings)
        return await asyncio.to_thread(build_audit_report, report, gettext)

    async def _photos(self, items: list[dict[str, Any]]) -> list[bytes]:
        """Up to photos_max of the photos, each once, read from the school's file store; one
        not there (kept before the store, or lost) is left out without a word."""
        assert self.files is not None
        found: list[bytes] = []
        for item in {str(i.get("sha256") or i.get("file_id")): i for i in items}.values():
            if len(found) >= self.photos_max:
                break
            content = await self.files.content(item)
            if content:
                found.append(content)
        return found


def nc_status_series(
    months: list[date], counts: dict[date, dict[str, int]]
) -> dict[str, list[int]]:
    """Per status, the count for each month (statuses that never occur are left out)."""
    series = {}
    for status in NcStatus:
        values = [counts[month].get(status.value, 0) for month in months]
        if any(values):
            series[status.value] = values
    return series


# A page of export rows (`AnswerStream` keys) and the key of the next (None: the last page).
Page = tuple[list[tuple[Any, ...]], tuple[int, int, int] | None]


def file_names(items: list[dict[str, Any]], photo: str) -> str:
    """The evidence of an answer by name: a document's file name, photos numbered (the
    card's "answers by question" sends them on request)."""
    names, photos = [], 0
    for item in items:
        if item.get("kind") == "photo":
            photos += 1
            names.append(f"{photo} {photos}")
        else:
            names.append(str(item.get("name") or item.get("kind") or "?"))
    return "; ".join(names)


def shown_answer(
    question: Question, value: str, translate: Callable[[str, str], str], locale: str
) -> str:
    """An answer as the files write it: a number in the reader's signs («2,5»), a choice
    or yes/no as translated."""
    if question.type is AnswerType.NUMBER:
        return numbers.typed(value, locale)
    return translate("answer", value)


class _Facts(dict[tuple[int, str, str | None], Fact | None]):
    """What each (checklist, question, value) of the export shows: the section, the
    question's number and text, the answer as written, its score and nonconformity; None
    for no value or a question no longer in its checklist (not exported). 240,000 answers
    repeat a few hundred of them, so each is worked out on first sight, kept across pages
    (`conn`: the current page's unit of work)."""

    def __init__(
        self,
        checklist: Callable[[Connection, int], Checklist],
        translate: Callable[[str, str], str],
        locale: str,
    ) -> None:
        super().__init__()
        self.checklist, self.translate, self.locale = checklist, translate, locale
        self.conn: Connection | None = None

    def __missing__(self, key: tuple[int, str, str | None]) -> Fact | None:
        template_id, question_id, value = key
        found: Fact | None = None
        if value is not None and self.conn is not None:
            number = 0
            for section in self.checklist(self.conn, template_id).sections:
                for question in section.questions:
                    number += 1
                    if question.id == question_id:
                        shown = shown_answer(question, value, self.translate, self.locale)
                        found = (
                            section.title, number, question.clause, question.text, shown,
                            score(question, value), is_nonconforming(question, value),
                        )  # fmt: skip
        self[key] = found
        return found


def _local_times(zone: ZoneInfo) -> Callable[[Any], datetime]:
    """An exported answer's moment (as `export_answers` gives it, UTC: ISO text or a
    datetime) as the school's wall time, naive as the XLSX writes it. Moments are nearly
    all different, and the time zone's conversion was most of such a cell's cost: the
    offset is looked up once per UTC hour instead, exactly (an hour with a change of
    offset inside it is converted moment by moment)."""
    offsets: dict[Any, timedelta | None] = {}
    parse = datetime.fromisoformat

    def exact(moment: datetime) -> datetime:
        return moment.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None)

    def offset(moment: datetime) -> timedelta | None:
        start = moment.replace(minute=0, second=0, microsecond=0, tzinfo=UTC)
        first = start.astimezone(zone).utcoffset()
        last = (start + timedelta(hours=1, microseconds=-1)).astimezone(zone).utcoffset()
        return first if first == last else None

    def local(raw: Any) -> datetime:
        if isinstance(raw, str):
            moment, hour = parse(raw), raw[:13]
        else:
            moment, hour = raw, raw.replace(minute=0, second=0, microsecond=0)
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
        try:
            found = offsets[hour]
        except KeyError:
            found = offsets[hour] = offset(moment)
        return exact(moment) if found is None else moment + found

    return local


class _Names:
    """The export's audits (number, checklist, department) and people (name, department)
    by id, read once instead of joined to each of 240,000 answers; one that appears while
    the export runs (a newcomer's first answers) is read with the page that brings it."""

    def __init__(self, conn: Connection) -> None:
        self.audits = export_audits(conn)
        self.templates = {id_: template for id_, (_, template, _) in self.audits.items()}
        self.people = export_people(conn)

    def complete(self, conn: Connection, records: Sequence[tuple[Any, ...]]) -> None:
        if audits := {record[0] for record in records} - self.audits.keys():
            found = export_audits(conn, audits)
            self.audits.update(found)
            self.templates.update((id_, template) for id_, (_, template, _) in found.items())
        if people := {record[1] for record in records} - self.people.keys() - {None}:
            self.people.update(export_people(conn, people))


def _answer_rows(
    conn: Connection, facts: _Facts, names: _Names, after: tuple[int, int, int] | None
) -> Page:
    """One page of answers as `AnswerStream` rows, and the key to ask for the next (None
    after the last; the last page also holds the anonymous audits' answers, in no one's
    name). A row keeps who answered (audit and person ids, named by `_Names`), its fact
    (`_Facts`) and the raw comment, evidence and time, for the writer to turn into cells
    once per distinct value: here a row is two lookups and one tuple."""
    facts.conn = conn
    records = export_answers(conn, after, EXPORT_PAGE)
    last = len(records) < EXPORT_PAGE
    if last:
        records = [*records, *export_anonymous_answers(conn)]
    names.complete(conn, records)
    templates = names.templates
    rows = [
        ((audit, user), known, comment, evidence, at, evidence)
        for audit, user, question, value, comment, evidence, at, *_ in records
        if (known := facts[templates[audit], question, value]) is not None
    ]
    if last:
        return rows, None
    return rows, (records[-1][0], records[-1][1], records[-1][7])


def criteria_documents(conn: Connection, checklist: Checklist, gettext: Gettext) -> list[str]:
    """The documents the questions check (issue 14.5): code, title and the version in force,
    in the order the questions name them."""
    repo = DocumentRepo(conn)
    found = []
    for code in dict.fromkeys(q.document for q in checklist.questions if q.document):
        document = repo.by_code(code)
        if document is None:  # renamed or never registered: the code as the checklist has it
            found.append(code)
            continue
        current = next(
            (v for v in repo.versions(document.id) if v.status is VersionStatus.IN_FORCE), None
        )
        version = (
            gettext("report.docx.document_version").format(number=current.number)
            if current
            else gettext("report.docx.document_not_in_force")
        )
        found.append(f"{document.code} «{document.title}», {version}")
    return found
