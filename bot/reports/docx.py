"""The audit report as an editable Word document, laid out as ISO 19011:2018 §6.5 asks.

Sections, in order: objectives; scope with the auditee; audit client, team and
participants; dates; criteria; findings with their evidence; nonconformities; the degree to
which the criteria are fulfilled; conclusion; and the statement that an audit is a sampling
exercise. The quality manager is expected to edit the file before signing it, so everything
is plain paragraphs and tables in the built-in styles.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from io import BytesIO

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.table import Table

from bot.reports.model import AuditReport, Gettext, format_percent

HEADER_FILL = "DDE4EE"
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
TEXT_WIDTH_CM = 16.5
"""A4 with the 3 cm / 1.5 cm side margins usual for Russian office documents."""


def build_audit_report(report: AuditReport, gettext: Gettext) -> bytes:
    """Returns the DOCX of one audit's report."""
    doc = Document()
    _page_setup(doc, gettext("report.docx.language"))
    title = gettext("report.docx.title").format(number=report.number)
    doc.core_properties.title = _text(title)
    doc.core_properties.author = _text(report.lead_auditor)
    doc.add_heading(_text(title), level=0)
    if report.title:
        doc.add_paragraph().add_run(_text(report.title)).bold = True
    none = gettext("report.none")

    doc.add_heading(gettext("report.docx.objectives"), level=1)
    _bullets(doc, report.objectives, none)

    doc.add_heading(gettext("report.docx.scope"), level=1)
    _line(doc, gettext("report.docx.auditee"), report.department)
    doc.add_paragraph(_text(report.scope) or none)

    doc.add_heading(gettext("report.docx.team"), level=1)
    doc.add_paragraph(gettext("report.docx.client"))
    _line(doc, gettext("report.docx.lead_auditor"), report.lead_auditor)
    participants = gettext("report.docx.participants").format(count=len(report.participants))
    _line(doc, participants, ", ".join(report.participants) or none)

    doc.add_heading(gettext("report.docx.dates"), level=1)
    _line(doc, gettext("report.docx.start_date"), _date(report.start_date))
    _line(doc, gettext("report.docx.deadline"), _date(report.deadline))
    closed = _date(report.closed_at) if report.closed_at else gettext("report.docx.not_closed")
    _line(doc, gettext("report.docx.closed_at"), closed)

    doc.add_heading(gettext("report.docx.criteria"), level=1)
    doc.add_paragraph(_text(report.criteria) or none)
    checklist = gettext("report.docx.checklist").format(
        template=report.template, version=report.template_version
    )
    doc.add_paragraph(_text(checklist))
    if report.documents:
        doc.add_paragraph(gettext("report.docx.documents"))
        _bullets(doc, report.documents, none)

    yes, no = gettext("report.yes"), gettext("report.no")
    doc.add_heading(gettext("report.docx.findings"), level=1)
    if report.findings:
        _table(
            doc,
            [
                (gettext("report.docx.col.number"), 0.8),
                (gettext("report.col.clause"), 1.5),
                (gettext("report.col.question"), 4.7),
                (gettext("report.docx.col.summary"), 4.6),
                (gettext("report.docx.col.evidence"), 2.6),
                (gettext("report.docx.col.nc"), 2.3),
            ],
            [
                (
                    str(f.number),
                    f.clause,
                    f.question,
                    f.summary,
                    str(f.evidence),
                    yes if f.nonconforming else no,
                )
                for f in report.findings
            ],
        )
    else:
        doc.add_paragraph(none)

    doc.add_heading(gettext("report.docx.ncs"), level=1)
    if report.ncs:
        _table(
            doc,
            [
                (gettext("report.docx.col.number"), 2.2),
                (gettext("report.col.severity"), 2.2),
                (gettext("report.col.clause"), 1.6),
                (gettext("report.col.description"), 4.0),
                (gettext("report.col.responsible"), 2.7),
                (gettext("report.col.due_date"), 2.2),
                (gettext("report.col.status"), 1.6),
            ],
            [
                (
                    nc.number,
                    nc.severity,
                    nc.clause,
                    nc.description,
                    nc.responsible,
                    _date(nc.due_date) if nc.due_date else "",
                    nc.status,
                )
                for nc in report.ncs
            ],
        )
    else:
        doc.add_paragraph(none)

    doc.add_heading(gettext("report.docx.notes"), level=1)
    if report.notes:
        _table(
            doc,
            [
                (gettext("report.docx.col.kind"), 3.6),
                (gettext("report.docx.col.number"), 1.2),
                (gettext("report.docx.col.note"), TEXT_WIDTH_CM - 4.8),
            ],
            [
                (note.kind, str(note.question) if note.question else "—", note.text)
                for note in report.notes
            ],
        )
    else:
        doc.add_paragraph(none)

    doc.add_heading(gettext("report.docx.fulfilment"), level=1)
    overall = gettext("report.docx.overall")
    _line(doc, overall, format_percent(report.overall, gettext))
    compliance = gettext("report.col.compliance")
    for heading, label, values in (
        (gettext("report.docx.by_section"), gettext("report.col.section"), report.by_section),
        (gettext("report.docx.by_clause"), gettext("report.col.clause"), report.by_clause),
    ):
        doc.add_heading(heading, level=2)
        if values:
            _table(
                doc,
                [(label, TEXT_WIDTH_CM - 4.0), (compliance, 4.0)],
                [(name, format_percent(value, gettext)) for name, value in values.items()],
            )
        else:
            doc.add_paragraph(none)

    doc.add_heading(gettext("report.docx.conclusion"), level=1)
    for paragraph in _text(report.conclusion or none).splitlines() or [none]:
        doc.add_paragraph(paragraph)
    doc.add_paragraph().add_run(gettext("report.docx.sampling")).italic = True
    doc.add_paragraph()
    doc.add_paragraph(_text(gettext("report.docx.signature").format(name=report.lead_auditor)))

    output = BytesIO()
    doc.save(output)
    return output.getvalue()


def _page_setup(doc: DocumentObject, language: str) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin, section.right_margin = Cm(3), Cm(1.5)
    section.top_margin = section.bottom_margin = Cm(2)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(11)
    # The proofing language, so Word spell-checks the report in the reader's language.
    properties = normal.element.get_or_add_rPr()
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), language)
    properties.append(lang)


def _line(doc: DocumentObject, label: str, value: str) -> None:
    paragraph = doc.add_paragraph()
    paragraph.add_run(f"{label} ").bold = True
    paragraph.add_run(_text(value))


def _bullets(doc: DocumentObject, items: Sequence[str], none: str) -> None:
    if not items:
        doc.add_paragraph(none)
    for item in items:
        doc.add_paragraph(_text(item), style="List Bullet")


def _table(
    doc: DocumentObject, columns: list[tuple[str, float]], rows: list[tuple[str, ...]]
) -> Table:
    table = doc.add_table(rows=1, cols=len(columns))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    header = table.rows[0]
    # Repeat the header row on every page the table spans.
    header._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    widths = [Cm(width) for _, width in columns]
    for cell, (text, _), width in zip(header.cells, columns, widths, strict=True):
        cell.width = width
        cell.paragraphs[0].add_run(text).bold = True
        shading = OxmlElement("w:shd")
        shading.set(qn("w:val"), "clear")
        shading.set(qn("w:color"), "auto")
        shading.set(qn("w:fill"), HEADER_FILL)
        cell._tc.get_or_add_tcPr().append(shading)
    for values in rows:
        for cell, value, width in zip(table.add_row().cells, values, widths, strict=True):
            cell.width = width
            cell.text = _text(value)
    return table


def _text(value: str) -> str:
    """Drops control characters, which XML (and so Word) cannot carry."""
    return _ILLEGAL.sub("", value)


def _date(value: date | datetime) -> str:
    if isinstance(value, datetime):
        return value.strftime("%d.%m.%Y %H:%M")
    return value.strftime("%d.%m.%Y")


def build_ack_sheet(
    heading: str, lines: list[str], columns: list[str], rows: list[list[str]], language: str
) -> bytes:
    """A version's acknowledgement sheet (лист ознакомления): who it concerns, when each
    read it, and an empty column to sign on paper."""
    doc = Document()
    _page_setup(doc, language)
    doc.core_properties.title = _text(heading)
    doc.add_heading(_text(heading), level=1)
    for line in lines:
        doc.add_paragraph(_text(line))
    widths = [1.0, 5.0, 5.0, 2.5, 3.0]
    _table(doc, list(zip(columns, widths, strict=True)), [tuple(r) for r in rows])
    output = BytesIO()
    doc.save(output)
    return output.getvalue()
