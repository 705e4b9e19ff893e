"""The management review pack («Анализ СМК со стороны руководства») as an editable DOCX,
laid out as ISO 9001:2015 9.3.2 a–f with every input it lists, then the decisions (9.3.3)
and the director's «Утверждаю». Each input is filled from the bot's data for the period; an
input whose source the bot does not hold yet says so plainly ("no data yet").

The pack itself (and the providers of inputs from other features) is in review_pack.py.
"""

from __future__ import annotations

from io import BytesIO

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

from bot.reports.docx import _bullets, _line, _page_setup, _text
from bot.reports.docx import _table as _cells
from bot.reports.model import Gettext, format_percent
from bot.reports.review_pack import ActionLine, ReviewPack


def _table(
    doc: DocumentObject, columns: list[tuple[str, float]], rows: list[tuple[str, ...]]
) -> None:
    """The audit report's table, with the column widths also on the grid, which LibreOffice
    reads (Word reads the cells')."""
    table = _cells(doc, columns, rows)
    for column, (_, width) in zip(table.columns, columns, strict=True):
        column.width = Cm(width)
    for row in table.rows:  # numbers and dates fit their narrow columns on one line
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(9.5)


def build_review_pack(pack: ReviewPack, gettext: Gettext) -> bytes:
    doc = Document()
    _page_setup(doc, gettext("report.docx.language"))
    review = pack.review
    title = gettext("reviews.docx.title")
    doc.core_properties.title = title
    approve = doc.add_paragraph()
    approve.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    approve.add_run(gettext("reviews.docx.approve")).bold = True
    approve.add_run("\n" + gettext("reviews.docx.director").format(name=_text(pack.director)))
    if review.approved_at is not None:
        approve.add_run("\n" + review.approved_at.strftime("%d.%m.%Y"))
    else:
        approve.add_run("\n«___» ____________ 20__")
    doc.add_heading(title, level=0)
    period = f"{review.period_start:%d.%m.%Y}–{review.period_end:%d.%m.%Y}"
    _line(doc, gettext("reviews.docx.period"), period)
    _line(doc, gettext("reviews.docx.held_on"), f"{review.held_on:%d.%m.%Y}")
    _line(doc, gettext("reviews.docx.participants"), review.participants)
    none, no_data = gettext("report.none"), gettext("reviews.docx.no_data")

    def percent(value: float | None) -> str:
        return format_percent(value, gettext)

    def seam(name: str) -> None:
        lines = pack.sections.get(name)
        if lines is None:
            doc.add_paragraph(gettext(f"reviews.docx.seam.{name}"))
        else:
            _bullets(doc, lines, none)

    def actions(items: list[ActionLine]) -> None:
        if not items:
            doc.add_paragraph(none)
            return
        columns = [(gettext("reviews.docx.col.decision"), 5.5),
                   (gettext("reviews.docx.col.number"), 2.8),
                   (gettext("reviews.docx.col.responsible"), 3.2),
                   (gettext("reviews.docx.col.due"), 2.4),
                   (gettext("reviews.docx.col.status"), 2.6)]  # fmt: skip
        rows: list[tuple[str, ...]] = [
            (
                f"{gettext(f'reviews.kind.{a.kind}')}: {a.text}",
                a.number,
                a.responsible,
                a.due.strftime("%d.%m.%Y") if a.due else "—",
                gettext(f"nc.status.{a.status}")
                + (f" · {gettext('reviews.docx.overdue')}" if a.overdue else ""),
            )
            for a in items
        ]
        _table(doc, columns, rows)

    doc.add_heading(gettext("reviews.docx.a"), level=1)
    actions(pack.previous)

    doc.add_heading(gettext("reviews.docx.b"), level=1)
    _line(doc, gettext("reviews.docx.external"), review.external_issues or none)
    _line(doc, gettext("reviews.docx.internal"), review.internal_issues or none)

    doc.add_heading(gettext("reviews.docx.c"), level=1)
    doc.add_heading(gettext("reviews.docx.c1"), level=2)
    seam("surveys")

    doc.add_heading(gettext("reviews.docx.c2"), level=2)
    if pack.objectives:
        columns = [(gettext("reviews.docx.col.objective"), 8.5),
                   (gettext("reviews.docx.col.owner"), 4.0),
                   (gettext("reviews.docx.col.status"), 4.0)]  # fmt: skip
        _table(doc, columns, pack.objectives)
    else:
        doc.add_paragraph(no_data)

    doc.add_heading(gettext("reviews.docx.c3"), level=2)
    if not pack.kpis:
        doc.add_paragraph(no_data)
    for kpi in pack.kpis:
        paragraph = doc.add_paragraph()
        paragraph.add_run(_text(f"{kpi.name} ({kpi.objective})")).bold = True
        _line(doc, gettext("reviews.docx.values"), kpi.values)
        _line(doc, gettext("reviews.docx.limits"),
              gettext("reviews.docx.limits_text").format(target=kpi.target,
                                                          threshold=kpi.threshold))  # fmt: skip
        _line(doc, gettext("reviews.docx.standing"), kpi.standing)
        if kpi.chart:
            doc.add_picture(BytesIO(kpi.chart), width=Cm(12))

    summary = pack.summary
    doc.add_heading(gettext("reviews.docx.c4"), level=2)
    if summary is None or not summary.ncs:
        doc.add_paragraph(no_data)
    else:
        _line(doc, gettext("reviews.docx.ncs_raised"), str(summary.ncs))
        by_status = ", ".join(
            f"{gettext(f'nc.status.{s}')}: {n}" for s, n in sorted(summary.nc_status.items())
        )
        _line(doc, gettext("reviews.docx.ncs_by_status"), by_status)
        counted = summary.on_time + summary.overdue
        share = round(100 * summary.on_time / counted, 1) if counted else None
        _line(doc, gettext("reviews.docx.on_time"),
              f"{percent(share)} ({summary.on_time} / {counted})")  # fmt: skip

    doc.add_heading(gettext("reviews.docx.c5"), level=2)
    if summary is None or summary.compliance is None:
        doc.add_paragraph(no_data)
    else:
        _line(doc, gettext("reviews.docx.compliance"), percent(summary.compliance))
        _bullets(doc, [f"{name}: {percent(v)}" for name, v in summary.by_department.items()],
                 none)  # fmt: skip
    _line(doc, gettext("reviews.docx.reminders"), str(pack.reminders_sent))
    seam("documents")

    doc.add_heading(gettext("reviews.docx.c6"), level=2)
    if pack.audits:
        columns = [(gettext("reviews.docx.col.number"), 2.8),
                   (gettext("reviews.docx.col.audit"), 5.5),
                   (gettext("reviews.docx.col.department"), 3.5),
                   (gettext("reviews.docx.col.status"), 2.6),
                   (gettext("reviews.docx.col.result"), 2.1)]  # fmt: skip
        _table(doc, columns, list(pack.audits))
    else:
        doc.add_paragraph(no_data)

    doc.add_heading(gettext("reviews.docx.c7"), level=2)
    seam("suppliers")

    doc.add_heading(gettext("reviews.docx.d"), level=1)
    _line(doc, gettext("reviews.docx.competence"), percent(pack.competence_share))
    _line(doc, gettext("reviews.docx.competence_expired"), str(pack.competence_expired))

    doc.add_heading(gettext("reviews.docx.e"), level=1)
    seam("risks")

    doc.add_heading(gettext("reviews.docx.f"), level=1)
    _bullets(doc, pack.improvements, none)

    doc.add_heading(gettext("reviews.docx.outputs"), level=1)
    if pack.decisions:
        actions(pack.decisions)
    else:
        doc.add_paragraph(gettext("reviews.docx.outputs_later"))

    output = BytesIO()
    doc.save(output)
    return output.getvalue()
