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
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.image.exceptions import (
    InvalidImageStreamError,
    UnexpectedEndOfFileError,
    UnrecognizedImageError,
)
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Length, Pt
from docx.table import Table

from bot.reports.model import AuditReport, Finding, Gettext, format_percent

HEADER_FILL = "DDE4EE"
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
TEXT_WIDTH_CM = 16.5
"""A4 with the 3 cm / 1.5 cm side margins usual for Russian office documents."""
TABLE_FONT = Pt(10)
BODY_FONT, HEADING_FONT = "Times New Roman", "Arial"
HEADINGS = ("Title", "Heading 1", "Heading 2")


def build_audit_report(report: AuditReport, gettext: Gettext) -> bytes:
    """Returns the DOCX of one audit's report."""
    doc = Document()
    _page_setup(doc, gettext("report.docx.language"))
    none = gettext("report.none")
    _approval(doc, report, gettext)
    title = gettext("report.docx.title").format(number=report.number)
    doc.core_properties.title = _text(title)
    doc.core_properties.author = _text(report.lead_auditor)
    heading = doc.add_heading(level=0)
    heading.add_run(_text(title)).font.size = Pt(20)  # the number stays on one line
    issued = report.issued_on or (report.closed_at.date() if report.closed_at else None)
    _line(doc, gettext("report.docx.report_number"), report.number)
    _line(doc, gettext("report.docx.issued"), _date(issued) if issued else "—")
    if report.title:
        doc.add_paragraph().add_run(_text(report.title)).bold = True

    doc.add_heading(gettext("report.docx.objectives"), level=1)
    _bullets(doc, report.objectives, none)

    doc.add_heading(gettext("report.docx.scope"), level=1)
    _line(doc, gettext("report.docx.auditee"), report.department)
    locations = "; ".join(report.locations) or report.department
    _line(doc, gettext("report.docx.locations"), locations)
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

    doc.add_heading(gettext("report.docx.methods"), level=1)
    _bullets(doc, report.methods, none)

    doc.add_heading(gettext("report.docx.findings"), level=1)
    if report.findings:
        findings = _table(
            doc,
            [
                (gettext("report.docx.col.number"), 0.9),
                (gettext("report.docx.col.clause"), 1.7),
                (gettext("report.col.question"), 6.0),
                (gettext("report.docx.col.summary"), TEXT_WIDTH_CM - 8.6),
            ],
            [
                (str(f.number), f.clause, f.question, _observation(f, gettext))
                for f in report.findings
            ],
        )
        _photo_rows(findings, report.findings)
    else:
        doc.add_paragraph(none)

    doc.add_heading(gettext("report.docx.ncs"), level=1)
    if report.ncs:
        _table(
            doc,
            [
                (gettext("report.docx.col.number"), 2.8),
                (gettext("report.docx.col.clause"), 1.5),
                (gettext("report.col.description"), 4.0),
                (gettext("report.col.responsible"), 3.2),
                (gettext("report.col.due_date"), 2.3),
                (gettext("report.col.status"), 2.7),
            ],
            [
                (
                    nc.number,
                    nc.clause,
                    f"{nc.description} ({nc.severity})" if nc.severity else nc.description,
                    nc.responsible,
                    _date(nc.due_date) if nc.due_date else "",
                    nc.status,
                )
                for nc in report.ncs
            ],
        )
    else:
        doc.add_paragraph(none)

    notes = {code: [n for n in report.notes if n.code == code] for code in NOTE_ORDER}
    notes[""] = [n for n in report.notes if n.code not in NOTE_ORDER]
    for code, key in (*NOTE_ORDER.items(), ("", "report.docx.notes")):
        if not code and not notes[""]:
            continue
        doc.add_heading(gettext(key), level=1)
        shown = [
            f"{gettext('report.docx.to_question').format(n=n.question)} {n.text}"
            if n.question
            else n.text
            for n in notes[code]
        ]
        _bullets(doc, shown, none)

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

    doc.add_heading(gettext("report.docx.signatures"), level=1)
    signers = [(gettext("report.docx.lead_auditor"), report.lead_auditor)]
    signers += [(gettext("report.docx.member"), name) for name in report.team]
    for role, name in signers:
        doc.add_paragraph(_text(f"{role} ____________________ / {name} /   «___» ________ 20___"))

    doc.add_heading(gettext("report.docx.distribution"), level=1)
    receivers = [(ack.role, ack.name) for ack in report.acknowledgements]
    receivers.append((gettext("report.docx.archive"), ""))
    _table(
        doc,
        [
            (gettext("report.docx.col.number"), 0.9),
            (gettext("report.docx.col.ack_role"), 6.6),
            (gettext("report.docx.col.name"), TEXT_WIDTH_CM - 7.5),
        ],
        [(str(i), role, name) for i, (role, name) in enumerate(receivers, 1)],
    )

    doc.add_heading(gettext("report.docx.acks"), level=1)
    if report.acknowledgements:
        _table(
            doc,
            [
                (gettext("report.docx.col.name"), 4.0),
                (gettext("report.docx.col.ack_role"), 3.6),
                (gettext("report.docx.col.told"), 2.6),
                (gettext("report.docx.col.acknowledged"), 3.0),
                (gettext("report.docx.col.signature"), 3.3),
            ],
            [
                (
                    ack.name,
                    ack.role,
                    _date(ack.told_at),
                    _date(ack.acknowledged_at) if ack.acknowledged_at else "",
                    "",
                )
                for ack in report.acknowledgements
            ],
        )
    else:
        doc.add_paragraph(none)

    output = BytesIO()
    doc.save(output)
    return output.getvalue()


NOTE_ORDER = {
    "strength": "report.docx.strengths",
    "improvement": "report.docx.improvements",
    "observation": "report.docx.observations",
}


def _approval(doc: DocumentObject, report: AuditReport, gettext: Gettext) -> None:
    """«УТВЕРЖДАЮ» at the top right, as a Russian school's director signs a document."""
    lines = [
        (gettext("report.docx.approve"), True),
        (gettext("report.docx.director"), False),
        (f"____________ / {report.director or '____________'} /", False),
        ("«___» ____________ 20___", False),
    ]
    for text, bold in lines:
        paragraph = doc.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        paragraph.paragraph_format.space_after = Pt(0)
        paragraph.add_run(_text(text)).bold = bold
    doc.add_paragraph()


def _observation(finding: Finding, gettext: Gettext) -> str:
    """The answers, then the comments and the evidence by name, then the NC mark."""
    parts = [finding.summary]
    if finding.comments:
        quoted = "; ".join(f"«{c}»" for c in finding.comments)
        parts.append(f"{gettext('report.docx.comments')} {quoted}")
    if finding.files:
        parts.append(f"{gettext('report.docx.files')} {', '.join(finding.files)}")
    elif finding.evidence:
        parts.append(f"{gettext('report.docx.files')} {finding.evidence}")
    if finding.nonconforming:
        parts.append(gettext("report.docx.nc_found"))
    return "\n".join(parts)


THUMB_CM = 4.0
THUMB_PX = 320  # the longer side: about 200 dpi at 4 cm, a few dozen KB as JPEG


def thumbnail(content: bytes) -> bytes | None:
    """A small JPEG of the photo, turned as the phone held it, so that a report with many
    photos stays a file one can send; None when it is not an image. Without Pillow (it
    comes with matplotlib) the photo goes in as it is, drawn at the same width."""
    try:
        from PIL import Image, ImageOps
    except ImportError:  # pragma: no cover - matplotlib brings it
        return content
    try:
        with Image.open(BytesIO(content)) as opened:
            image = ImageOps.exif_transpose(opened).convert("RGB")
            image.thumbnail((THUMB_PX, THUMB_PX))
            output = BytesIO()
            image.save(output, "JPEG", quality=80, optimize=True)
            return output.getvalue()
    except (OSError, ValueError, Image.DecompressionBombError):
        return None


def _photo_rows(table: Table, findings: Sequence[Finding]) -> None:
    """Under each finding with photos, a row across the whole table with their thumbnails
    side by side (a row of its own: the observation column is too narrow for them)."""
    rows = list(table.rows)[1:]
    for row, finding in zip(rows, findings, strict=True):
        pictures = [t for t in map(thumbnail, finding.photos) if t is not None]
        if not pictures:
            continue
        added = table.add_row()
        added._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        row._tr.addnext(added._tr)  # right under its finding
        cell = added.cells[0].merge(added.cells[-1])
        paragraph = cell.paragraphs[0]
        paragraph.paragraph_format.space_after = Pt(0)
        for picture in pictures:
            try:
                paragraph.add_run().add_picture(BytesIO(picture), width=Cm(THUMB_CM))
            except (InvalidImageStreamError, UnexpectedEndOfFileError, UnrecognizedImageError):
                continue  # a picture python-docx cannot read (no Pillow to check it) is left out
            paragraph.add_run(" ")


def _page_setup(doc: DocumentObject, language: str) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin, section.right_margin = Cm(3), Cm(1.5)
    section.top_margin = section.bottom_margin = Cm(2)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(11)
    # Fonts every office suite has or maps metric-compatibly (Liberation in LibreOffice),
    # so the report breaks lines and pages alike in Word, LibreOffice, Р7-Офис, МойОфис.
    for style, font in ((normal, BODY_FONT), *((doc.styles[h], HEADING_FONT) for h in HEADINGS)):
        style.font.name = font
        fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
        for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
            fonts.set(qn(attribute), font)
        for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme", "w:eastAsiaTheme"):
            fonts.attrib.pop(qn(theme), None)
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
    widths = [Cm(width) for _, width in columns]
    _fixed_grid(table, widths)
    header = table.rows[0]
    # Repeat the header row on every page the table spans; never split a row.
    header._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    for cell, (text, _), width in zip(header.cells, columns, widths, strict=True):
        cell.width = width
        run = cell.paragraphs[0].add_run(text)
        run.bold = True
        run.font.size = TABLE_FONT
        shading = OxmlElement("w:shd")
        shading.set(qn("w:val"), "clear")
        shading.set(qn("w:color"), "auto")
        shading.set(qn("w:fill"), HEADER_FILL)
        cell._tc.get_or_add_tcPr().append(shading)
    for values in rows:
        row = table.add_row()
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        for cell, value, width in zip(row.cells, values, widths, strict=True):
            cell.width = width
            lines = _text(value).split("\n")
            paragraph = cell.paragraphs[0]
            for index, line in enumerate(lines):
                if index:
                    paragraph = cell.add_paragraph()
                paragraph.paragraph_format.space_after = Pt(0)
                paragraph.add_run(line).font.size = TABLE_FONT
    return table


def _fixed_grid(table: Table, widths: Sequence[Length]) -> None:
    """The widths in the table grid (w:gridCol, which LibreOffice, Р7-Офис and МойОфис
    lay the table out by), a fixed layout, and the whole width (Word reads w:tcW too)."""
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    properties = table._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    properties.append(layout)
    total = OxmlElement("w:tblW")
    total.set(qn("w:w"), str(sum(int(w.twips) for w in widths)))
    total.set(qn("w:type"), "dxa")
    for old in properties.findall(qn("w:tblW")):
        properties.remove(old)
    properties.append(total)


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
