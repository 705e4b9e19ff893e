"""Where the features built in parallel feed each other (issues 13–16): the lists behind
/summary's "now" figures of objectives, documents, surveys, risks and providers, the KPI
sources "acknowledgements" and "parent_satisfaction", and the management review pack's
sections "surveys", "suppliers", "risks" and "documents".

Each seam was left by its own feature; this module only fills them, reading the features'
own repositories, and is wired in app assembly (`wire_review_and_kpis`, `add_to_board`).
"""

from __future__ import annotations

import builtins
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from bot.domain import numbers
from bot.domain.dates import format_date
from bot.domain.documents import Version
from bot.domain.objectives import Status
from bot.domain.risks import Level, RiskKind, RiskStatus
from bot.domain.surveys import QuestionType, load_templates, results, shown, template_for
from bot.reports.model import Gettext, format_percent
from bot.reports.review_pack import SectionProvider, register_section
from bot.services import kpi_sources
from bot.services.documents import DocumentService, audience_of, outstanding
from bot.services.kpi_sources import Span
from bot.services.now import NowBoard, NowLine
from bot.services.objectives import ObjectiveService, awaited_values, load_cards
from bot.services.risks import RiskService
from bot.services.suppliers import SupplierService
from bot.services.surveys import SurveyService
from bot.storage.db import Database
from bot.storage.documents import DocumentRepo
from bot.storage.nonconformities import NcRepo
from bot.storage.risks import RiskRepo
from bot.storage.suppliers import SupplierRepo
from bot.storage.surveys import SurveyRepo
from bot.storage.users import UserRepo

PARENTS = "parents"  # the shipped parents' survey template
LEVELS = tuple(Level)

# -- KPI sources -----------------------------------------------------------------------------


def acknowledgements(span: Span) -> float | None:
    """Percent of the acknowledgements due that are done, at the period's end (or today while
    it runs): each version in force by then, each active person it concerns. None when no
    document in force concerns anyone."""
    day = min(span.end, span.today)
    repo = DocumentRepo(span.conn)
    versions = [v for v in repo.in_force() if v.effective_on is None or v.effective_on <= day]
    people = UserRepo(span.conn).active()
    until = datetime.combine(day, time.max, span.tz)
    done = {(a.version_id, a.user_id) for a in repo.acks([v.id for v in versions]) if a.at <= until}
    due = [(v.id, p.id) for v in versions for p in audience_of(v, people)]
    if not due:
        return None
    return round(100 * sum(pair in done for pair in due) / len(due), 1)


def parent_satisfaction(span: Span) -> float | None:
    """The mean score (1–5 scale, not a percent) of the scale answers to the parents'
    surveys that opened in the period; None when no such survey had a response."""
    templates = load_templates()
    if PARENTS not in templates:
        return None
    scale = {
        q.id for q in template_for(templates, PARENTS, "ru").questions
        if q.type is QuestionType.SCALE
    }  # fmt: skip
    repo = SurveyRepo(span.conn)
    values: list[int] = []
    for survey in repo.list():
        if survey.template != PARENTS or not span.start <= survey.opens_on <= span.end:
            continue
        for _, answers, _ in repo.responses(survey.id):
            values += [v for k, v in answers.items() if k in scale and isinstance(v, int)]
    return round(sum(values) / len(values), 2) if values else None


# -- the management review pack's sections ---------------------------------------------------


def surveys_section(minimum: int) -> SectionProvider:
    """Customer satisfaction (9.3.2 c 1): each survey opened in the period, its responses and
    the mean of each scale question; a survey under SURVEY_MIN_GROUP responses says only
    that it is too few to show (nobody's answers may be told)."""

    def section(
        conn: Connection, start: date, end: date, gettext: Gettext
    ) -> builtins.list[str] | None:
        repo, templates = SurveyRepo(conn), load_templates()
        language = gettext("report.docx.language")[:2]
        lines: builtins.list[str] = []
        for survey in repo.list():
            if not start <= survey.opens_on <= end or survey.template not in templates:
                continue
            template = template_for(templates, survey.template, language)
            period = f"{format_date(survey.opens_on)}–{format_date(survey.closes_on)}"
            head = gettext("integration.review.survey").format(
                title=template.title, period=period, count=survey.responses
            )
            if not shown(survey.responses, minimum):
                lines.append(f"{head} {gettext('integration.review.survey_hidden')}")
                continue
            answers = [a for _, a, _ in repo.responses(survey.id)]
            locale = gettext("number.locale")
            means = [
                gettext("integration.review.mean").format(
                    question=r.question.text,
                    mean=numbers.decimal(r.average, locale),
                )
                for r in results(template, answers)
                if r.average is not None
            ]
            lines.append(f"{head} {'; '.join(means)}".strip())
        return lines or None

    return section


def suppliers_section(
    conn: Connection, start: date, end: date, gettext: Gettext
) -> builtins.list[str] | None:
    """Performance of external providers (9.3.2 c 7): each one's last evaluation, its status
    and the NCs raised against it."""
    repo, ncs = SupplierRepo(conn), NcRepo(conn)
    lines = []
    for supplier in repo.list():
        evaluated = (
            gettext("integration.review.evaluated").format(
                score=supplier.last_score, date=format_date(supplier.last_evaluated)
            )
            if supplier.last_evaluated is not None and supplier.last_score is not None
            else gettext("integration.review.not_evaluated")
        )
        numbers = [nc.number for i in repo.nc_ids(supplier.id) if (nc := ncs.get(i)) is not None]
        lines.append(
            gettext("integration.review.supplier").format(
                name=supplier.name,
                status=gettext(f"suppliers.status.{supplier.status.value}"),
                evaluated=evaluated,
                ncs=", ".join(numbers) or gettext("report.none"),
            )
        )
    return lines or None


def risks_section(
    conn: Connection, start: date, end: date, gettext: Gettext
) -> builtins.list[str] | None:
    """Effectiveness of actions for risks and opportunities (9.3.2 e): the register's risks
    by level before and after treatment, and their actions done and overdue."""
    found = [r for r in RiskRepo(conn).list((RiskStatus.ACTIVE,)) if r.kind is RiskKind.RISK]
    scored = [r for r in found if r.level is not None]
    if not scored:
        return None

    def by_level(levels: builtins.list[Level | None]) -> str:
        return ", ".join(
            f"{gettext(f'risks.level.{level.value}')}: {levels.count(level)}" for level in LEVELS
        )

    treated = [r for r in scored if r.residual_level is not None]
    actions = [a for r in found for a in r.actions]
    done = sum(a.done_at is not None for a in actions)
    overdue = sum(a.is_overdue(end) for a in actions)
    return [
        gettext("integration.review.risks_before").format(
            count=len(scored), levels=by_level([r.level for r in scored])
        ),
        gettext("integration.review.risks_after").format(
            count=len(treated), levels=by_level([r.residual_level for r in treated])
        ),
        gettext("integration.review.risk_actions").format(
            count=len(actions), done=done, overdue=overdue
        ),
    ]


def documents_section(tz: ZoneInfo) -> SectionProvider:
    """Documents in force, the share of their acknowledgements done, those outstanding and
    the reviews overdue."""

    def section(
        conn: Connection, start: date, end: date, gettext: Gettext
    ) -> builtins.list[str] | None:
        versions = DocumentRepo(conn).in_force()
        if not versions:
            return None
        # `end`: the period's last day or today, whichever is first (as the pack passes it)
        share = acknowledgements(Span(conn, start, end, end, tz))
        return _documents_lines(versions, len(outstanding(conn)), share, end, gettext)

    return section


def _documents_lines(
    versions: builtins.list[Version], missing: int, share: float | None, day: date,
    gettext: Gettext,
) -> builtins.list[str]:  # fmt: skip
    return [
        gettext("integration.review.documents").format(
            count=len(versions), share=format_percent(share, gettext)
        ),
        gettext("integration.review.acks_missing").format(count=missing),
        gettext("integration.review.reviews_overdue").format(
            count=sum(v.review_on is not None and v.review_on < day for v in versions)
        ),
    ]


def wire_review_and_kpis(survey_min_group: int, tz: ZoneInfo) -> None:
    """Fill the review pack's sections and the two KPI seams (idempotent)."""
    register_section("surveys", surveys_section(survey_min_group))
    register_section("suppliers", suppliers_section)
    register_section("risks", risks_section)
    register_section("documents", documents_section(tz))
    kpi_sources.register("acknowledgements", acknowledgements)
    kpi_sources.register("parent_satisfaction", parent_satisfaction)


# -- /summary's "now" ------------------------------------------------------------------------


def add_to_board(
    board: NowBoard,
    db: Database,
    tz: ZoneInfo,
    objectives: ObjectiveService,
    documents: DocumentService,
    surveys: SurveyService,
    risks: RiskService,
    suppliers: SupplierService,
) -> None:
    """Each feature's now_counts() as a provider, each figure with the list behind it: its
    lines open the feature's own card (objective, document, survey, risk, provider)."""

    async def at_risk(today: date) -> list[NowLine]:
        terms = objectives.terms()

        def work(conn: Connection) -> list[NowLine]:
            return [
                NowLine(
                    f"now.line.objective.{c.status.value}",
                    {
                        "number": c.objective.title[:30],
                        "title": c.objective.title,
                        "owner": c.owner,
                    },
                    "objective",
                    c.objective.id,
                )
                for c in load_cards(conn, today, terms, tz)
                if c.status in (Status.AT_RISK, Status.MISSED)
            ]

        return await db.run(work)

    async def awaited(today: date) -> list[NowLine]:
        terms = objectives.terms()

        def work(conn: Connection) -> list[NowLine]:
            users = UserRepo(conn)
            lines = []
            for item in awaited_values(conn, today, terms):
                owner = users.get(item.objective.owner_id)
                lines.append(
                    NowLine(
                        "now.line.awaited",
                        {
                            "number": item.objective.title[:30],
                            "kpi": item.kpi.name,
                            "period": item.slot.name,
                            "owner": owner.full_name if owner else "—",
                        },
                        "objective",
                        item.objective.id,
                    )
                )
            return lines

        return await db.run(work)

    async def unread(today: date) -> list[NowLine]:
        def work(conn: Connection) -> list[NowLine]:
            names = {d.id: d for d in DocumentRepo(conn).list()}
            return [
                NowLine(
                    "now.line.unread",
                    {
                        "number": names[v.document_id].code,
                        "title": names[v.document_id].title,
                        "name": person.full_name,
                    },
                    "document",
                    v.document_id,
                )
                for v, person in outstanding(conn)
            ]

        return await db.run(work)

    async def reviews_overdue(today: date) -> list[NowLine]:
        def work(conn: Connection) -> list[NowLine]:
            repo = DocumentRepo(conn)
            names = {d.id: d for d in repo.list()}
            return [
                NowLine(
                    "now.line.review_overdue",
                    {
                        "number": names[v.document_id].code,
                        "title": names[v.document_id].title,
                        "review": format_date(v.review_on),
                    },
                    "document",
                    v.document_id,
                )
                for v in repo.in_force()
                if v.review_on is not None and v.review_on < today
            ]

        return await db.run(work)

    async def open_surveys(today: date) -> list[NowLine]:
        templates = surveys.templates()
        lines = []
        for survey in await surveys.list():
            if not surveys.is_open(survey):
                continue
            title = (
                template_for(templates, survey.template, "ru").title
                if survey.template in templates
                else survey.template
            )
            lines.append(
                NowLine(
                    "now.line.survey",
                    {
                        "number": title[:30],
                        "title": title,
                        "count": survey.responses,
                        "closes": format_date(survey.closes_on),
                    },
                    "survey",
                    survey.id,
                )
            )
        return lines

    async def untreated(today: date) -> list[NowLine]:
        found = await db.run(lambda conn: RiskRepo(conn).list((RiskStatus.ACTIVE,)))
        return [
            NowLine(
                f"now.line.risk.{r.level.value if r.level else 'high'}",
                {"number": r.number, "title": r.title, "score": r.score or 0},
                "risk",
                r.id,
            )
            for r in found
            if r.needs_treatment()
        ]

    async def risk_actions(today: date) -> list[NowLine]:
        found = await db.run(lambda conn: RiskRepo(conn).list((RiskStatus.ACTIVE,)))
        return [
            NowLine(
                "now.line.risk_action",
                {"number": r.number, "text": a.text, "days": (today - a.due_date).days},
                "risk",
                r.id,
            )
            for r in found
            for a in r.actions
            if a.is_overdue(today)
        ]

    async def evaluations(today: date) -> list[NowLine]:
        return [
            NowLine(
                "now.line.evaluation",
                {"number": s.name[:30], "name": s.name, "due": format_date(s.evaluation_due)},
                "supplier",
                s.id,
            )
            for s in await suppliers.list()
            if s.evaluation_due is not None and s.evaluation_due <= today
        ]

    board.add(
        objectives.now_counts,
        {"objectives.now.at_risk": at_risk, "objectives.now.awaited": awaited},
    )
    board.add(
        documents.now_counts,
        {"documents.now.outstanding": unread, "documents.now.overdue_reviews": reviews_overdue},
    )
    board.add(surveys.now_counts, {"surveys.now.open": open_surveys})
    board.add(
        risks.now_counts,
        {"risks.now.untreated": untreated, "risks.now.overdue_actions": risk_actions},
    )
    board.add(suppliers.now_counts, {"suppliers.now.overdue": evaluations})
