"""Reports rendered from plain data: the XLSX export, the DOCX audit report, PNG charts."""

from __future__ import annotations

import struct
import warnings
import zipfile
from dataclasses import replace
from datetime import date, datetime, timedelta
from functools import cache
from io import BytesIO
from zoneinfo import ZoneInfo

import docx
import matplotlib.pyplot as plt
import openpyxl
import pytest
from babel.messages.pofile import read_po

from bot.i18n import po_path
from bot.reports import charts
from bot.reports.docx import build_audit_report
from bot.reports.model import (
    ActionRow,
    AnswerRow,
    AuditReport,
    AuditRow,
    Finding,
    Gettext,
    NcRow,
)
from bot.reports.xlsx import build_workbook

TZ = ZoneInfo("Europe/Moscow")
LONG_QUESTION = (
    "Определены ли в подразделении методы мониторинга и измерения, необходимые для "
    "обеспечения достоверных и воспроизводимых результатов?"
)


@cache
def catalog(locale: str) -> dict[str, str]:
    with po_path(locale).open("rb") as source:
        return {m.id: m.string for m in read_po(source) if m.id}


def texts(locale: str) -> Gettext:
    """The real locale files; a key missing from them fails the test with KeyError."""
    return catalog(locale).__getitem__


def audit_row(number: str = "А-2025-001", compliance: float | None = 84.2) -> AuditRow:
    return AuditRow(
        number=number,
        title="Управление документированной информацией",
        department="Кафедра математики",
        template="Документооборот",
        status="Завершён",
        lead_auditor="Иванова Мария",
        start_date=date(2025, 3, 1),
        deadline=date(2025, 3, 15),
        respondents=12,
        submitted=10,
        compliance=compliance,
        closed_at=datetime(2025, 3, 14, 16, 30, tzinfo=TZ),
    )


def answer_row(i: int) -> AnswerRow:
    return AnswerRow(
        audit_number="А-2025-001",
        respondent=f"Учитель {i % 100}",
        department="Кафедра математики",
        section="Записи",
        question_number=i % 40 + 1,
        clause="7.1.5",
        question=LONG_QUESTION,
        answer=("Да", "Нет", "Частично")[i % 3],
        score=(1.0, 0.0, 0.5)[i % 3],
        nonconforming=i % 3 == 1,
        comment="" if i % 2 else "Журнал заполнен не полностью",
        evidence=i % 4,
        answered_at=datetime(2025, 3, 2, 9, 0, tzinfo=TZ) + timedelta(minutes=i),
    )


def nc_row(i: int = 1) -> NcRow:
    return NcRow(
        number=f"НС-2025-{i:03d}",
        source="Внутренний аудит",
        status="В работе",
        severity="Незначительное",
        department="Кафедра математики",
        clause="7.5.3",
        description="Журнал инструктажей не заполнен за октябрь",
        reporter="Петров Пётр",
        responsible="Сидорова Анна",
        created_at=datetime(2025, 3, 14, 10, 5, tzinfo=TZ),
        due_date=date(2025, 4, 1),
        closed_at=None,
        days_overdue=3,
        audit_number="А-2025-001",
    )


def action_row() -> ActionRow:
    return ActionRow(
        nc_number="НС-2025-001",
        responsible="Сидорова Анна",
        correction="=Заполнить журнал",  # would be a formula if written naively
        root_cause="#N/A",  # would be an Excel error value
        corrective_action="Ввести еженедельную проверку\nжурналов\x01",  # control char
        due_date=None,
        status="Выполнено",
        done_at=datetime(2025, 3, 20, 12, 0, tzinfo=TZ),
        effective=True,
        verifier="Иванова Мария",
        verification_note="",
    )


def load(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(BytesIO(data))


# --- XLSX -----------------------------------------------------------------------------------


def test_workbook_has_four_localized_sheets_with_headers() -> None:
    for locale in ("ru", "en"):
        t = texts(locale)
        book = load(build_workbook([audit_row()], [answer_row(0)], [nc_row()], [], t))
        assert book.sheetnames == [
            t("report.sheet.audits"),
            t("report.sheet.answers"),
            t("report.sheet.ncs"),
            t("report.sheet.actions"),
        ]
    t = texts("ru")
    book = load(build_workbook([audit_row()], [answer_row(0)], [nc_row()], [action_row()], t))
    audits = book.worksheets[0]
    assert [c.value for c in audits[1]] == [
        "№ аудита",
        "Название аудита",
        "Подразделение",
        "Чек-лист",
        "Статус",
        "Ведущий аудитор",
        "Дата начала",
        "Срок завершения",
        "Респондентов",
        "Анкет сдано",
        "Соответствие, %",
        "Дата закрытия",
    ]
    assert all(c.font.b for c in audits[1])
    answers = book.worksheets[1]
    assert [c.value for c in answers[1]][6:8] == [t("report.col.question"), t("report.col.answer")]
    assert book.worksheets[2]["A1"].value == t("report.col.nc_number")
    assert book.worksheets[3]["K1"].value == t("report.col.verification_note")


def test_cells_keep_real_types() -> None:
    data = build_workbook(
        [audit_row(), audit_row("А-2025-002", compliance=None)],
        [answer_row(0), answer_row(1)],
        [nc_row()],
        [action_row()],
        texts("ru"),
    )
    book = load(data)
    audits = book.worksheets[0]
    start = audits["G2"]
    assert isinstance(start.value, datetime)  # openpyxl reads Excel dates as datetimes
    assert start.value.date() == date(2025, 3, 1)
    assert start.number_format == "DD.MM.YYYY"
    closed = audits["L2"]
    # Naive local wall time: Excel has no time zones.
    assert closed.value == datetime(2025, 3, 14, 16, 30)
    assert closed.number_format == "DD.MM.YYYY HH:MM"
    assert audits["K2"].value == pytest.approx(84.2)
    assert isinstance(audits["K2"].value, float)
    assert audits["K2"].number_format == "0.0"
    assert audits["K3"].value is None  # nothing scored
    assert audits["I2"].value == 12
    assert audits["J2"].value == 10

    answers = book.worksheets[1]
    assert answers["I2"].value == 1.0 and answers["I3"].value == 0.0
    assert answers["J2"].value == "нет" and answers["J3"].value == "да"
    assert answers["L3"].value == 1
    assert answers["M3"].value == datetime(2025, 3, 2, 9, 1)
    assert answers["K2"].value == "Журнал заполнен не полностью"
    assert answers["K3"].value is None  # an empty comment is an empty cell
    assert answers["G2"].alignment.wrap_text

    ncs = book.worksheets[2]
    assert ncs["K2"].value == datetime(2025, 4, 1)
    assert ncs["K2"].number_format == "DD.MM.YYYY"
    assert ncs["L2"].value is None
    assert ncs["M2"].value == 3

    actions = book.worksheets[3]
    row = {cell.column_letter: cell for cell in actions[2]}
    assert row["C"].value == "=Заполнить журнал" and row["C"].data_type == "s"
    assert row["D"].value == "#N/A" and row["D"].data_type == "s"
    assert row["E"].value == "Ввести еженедельную проверку\nжурналов"
    assert row["F"].value is None
    assert row["H"].value == datetime(2025, 3, 20, 12, 0)
    assert row["I"].value == "да"


def test_sheets_have_frozen_header_filter_and_fitted_widths() -> None:
    answers = [answer_row(i) for i in range(7)]
    book = load(build_workbook([audit_row()], answers, [nc_row()], [], texts("en")))
    expected_refs = ["A1:L2", "A1:N8", "A1:N2", "A1:K1"]
    for sheet, ref in zip(book.worksheets, expected_refs, strict=True):
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref == ref
    assert [sheet.max_row for sheet in book.worksheets] == [2, 8, 2, 1]
    widths = book.worksheets[1].column_dimensions
    default = 8.43
    assert widths["G"].width == 60  # the long question, capped
    assert default < widths["K"].width < 60  # the comment fits its longest value
    assert widths["K"].width >= len("Журнал заполнен не полностью")
    assert widths["M"].width >= len("DD.MM.YYYY HH:MM")
    assert widths["E"].width < widths["B"].width  # "q1" is narrower than "Учитель 1"


def test_many_answers_stream_across_chunks() -> None:
    count = 12_001  # more than two write chunks
    data = build_workbook([], [answer_row(i) for i in range(count)], [], [], texts("ru"))
    book = openpyxl.load_workbook(BytesIO(data), read_only=True)
    rows = list(book.worksheets[1].iter_rows(min_row=2, values_only=True))
    assert len(rows) == count
    assert rows[-1][1] == f"Учитель {(count - 1) % 100}"
    assert rows[-1][12] == datetime(2025, 3, 2, 9, 0) + timedelta(minutes=count - 1)
    book.close()


def test_workbook_is_deterministic_and_starts_with_content_types() -> None:
    args = ([audit_row()], [answer_row(0)], [nc_row()], [action_row()], texts("ru"))
    first, second = build_workbook(*args), build_workbook(*args)
    assert first == second
    with zipfile.ZipFile(BytesIO(first)) as package:
        assert package.namelist()[0] == "[Content_Types].xml"
        assert package.testzip() is None


# --- DOCX -----------------------------------------------------------------------------------


def report(**changes: object) -> AuditReport:
    fields: dict[str, object] = {
        "number": "А-2025-007",
        "title": "Управление документированной информацией",
        "department": "Кафедра математики",
        "objectives": ["Оценить соответствие п. 7.5 ISO 9001:2015", "Найти возможности улучшения"],
        "scope": "Учебная часть и кафедра математики, 2024/25 учебный год",
        "criteria": "ISO 9001:2015; Положение о документообороте лицея",
        "lead_auditor": "Иванова Мария",
        "participants": [f"Учитель {i}" for i in range(100)],
        "start_date": date(2025, 3, 1),
        "deadline": date(2025, 3, 15),
        "closed_at": datetime(2025, 3, 14, 16, 30, tzinfo=TZ),
        "template": "Документооборот",
        "template_version": 3,
        "overall": 84.2,
        "by_section": {"Документы": 90.0, "Записи": 71.5, "Без оценки": None},
        "by_clause": {"7.5.1": 88.0, "7.5.2": 80.0},
        "findings": [
            Finding(
                number=i + 1,
                clause="7.5.3",
                question=f"{LONG_QUESTION} ({i + 1})",
                summary="Да: 80, нет: 20",
                evidence=i % 4,
                nonconforming=i % 5 == 0,
            )
            for i in range(40)
        ],
        "ncs": [nc_row(1), nc_row(2), nc_row(3)],
        "conclusion": "СМК подразделения в целом результативна.\nУсилить контроль записей.",
    }
    fields.update(changes)
    return AuditReport(**fields)  # type: ignore[arg-type]


def headings(document: docx.document.Document) -> list[str]:
    return [
        p.text
        for p in document.paragraphs
        if p.style is not None
        and p.style.name is not None
        and (p.style.name == "Title" or p.style.name.startswith("Heading"))
    ]


def all_text(document: docx.document.Document) -> str:
    return "\n".join(p.text for p in document.paragraphs)


@pytest.mark.parametrize("locale", ["ru", "en"])
def test_audit_report_follows_iso_19011(locale: str) -> None:
    t = texts(locale)
    document = docx.Document(BytesIO(build_audit_report(report(), t)))
    assert headings(document) == [
        t("report.docx.title").format(number="А-2025-007"),
        t("report.docx.objectives"),
        t("report.docx.scope"),
        t("report.docx.team"),
        t("report.docx.dates"),
        t("report.docx.criteria"),
        t("report.docx.methods"),
        t("report.docx.findings"),
        t("report.docx.ncs"),
        t("report.docx.strengths"),
        t("report.docx.improvements"),
        t("report.docx.observations"),
        t("report.docx.fulfilment"),
        t("report.docx.by_section"),
        t("report.docx.by_clause"),
        t("report.docx.conclusion"),
        t("report.docx.signatures"),
        t("report.docx.distribution"),
        t("report.docx.acks"),
    ]
    findings, ncs, by_section, by_clause, distribution = document.tables
    assert len(findings.rows) == 41 and len(findings.columns) == 4
    assert findings.rows[0].cells[1].text == t("report.docx.col.clause")
    assert findings.rows[1].cells[0].text == "1"
    assert findings.rows[1].cells[2].text == f"{LONG_QUESTION} (1)"
    assert t("report.docx.nc_found") in findings.rows[1].cells[3].text
    assert t("report.docx.nc_found") not in findings.rows[2].cells[3].text
    assert findings.rows[2].cells[3].text.endswith(f"{t('report.docx.files')} 1")
    assert len(ncs.rows) == 4 and len(ncs.columns) == 6
    assert [c.text for c in ncs.rows[2].cells] == [
        "НС-2025-002",
        "7.5.3",
        "Журнал инструктажей не заполнен за октябрь (Незначительное)",
        "Сидорова Анна",
        "01.04.2025",
        "В работе",
    ]
    assert distribution.rows[1].cells[1].text == t("report.docx.archive")
    assert len(by_section.rows) == 4 and len(by_clause.rows) == 3
    assert by_section.rows[3].cells[1].text == t("report.not_scored")
    text = all_text(document)
    assert t("report.docx.sampling") in text
    assert "Учитель 0, Учитель 1" in text and "Учитель 99" in text
    assert "Документооборот" in text and "3" in text
    assert "14.03.2025 16:30" in text
    assert t("report.docx.client") in text


def test_percentages_read_naturally_in_each_language() -> None:
    ru = docx.Document(BytesIO(build_audit_report(report(), texts("ru"))))
    en = docx.Document(BytesIO(build_audit_report(report(), texts("en"))))
    assert "Общая степень соответствия: 84,2\xa0%" in all_text(ru)
    assert "Overall compliance: 84.2%" in all_text(en)
    assert ru.tables[2].rows[2].cells[1].text == "71,5\xa0%"
    assert "Отчёт о внутреннем аудите № А-2025-007" in all_text(ru)
    assert "Аудит проводится на основе выборки" in all_text(ru)


def test_audit_report_says_none_for_empty_sections() -> None:
    t = texts("ru")
    empty = report(
        objectives=[],
        participants=[],
        findings=[],
        ncs=[],
        by_section={},
        by_clause={},
        overall=None,
        closed_at=None,
        conclusion="",
    )
    document = docx.Document(BytesIO(build_audit_report(empty, t)))
    assert len(document.tables) == 1  # the distribution list: the QMS file at least
    paragraphs = [p.text for p in document.paragraphs]
    none = t("report.none")
    for heading in (
        "report.docx.objectives",
        "report.docx.findings",
        "report.docx.ncs",
        "report.docx.by_section",
        "report.docx.by_clause",
        "report.docx.conclusion",
    ):
        assert paragraphs[paragraphs.index(t(heading)) + 1] == none, heading
    text = all_text(document)
    assert f"{t('report.docx.overall')} {t('report.not_scored')}" in text
    assert t("report.docx.not_closed") in text
    assert t("report.docx.sampling") in text


# --- PNG charts -----------------------------------------------------------------------------


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def glyph_warnings(render: object) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = render()  # type: ignore[operator]
    assert png_size(data) == (1200, 800)
    return [str(w.message) for w in caught if "missing" in str(w.message).lower()]


@pytest.mark.parametrize("locale", ["ru", "en"])
def test_charts_are_1200_by_800_png_and_render_cyrillic(locale: str) -> None:
    t = texts(locale)
    departments = {
        "Кафедра математики": 84.2,
        "Кафедра русского языка и литературы, МХК и истории искусств": 97.5,
        "Бухгалтерия": None,
        "Административно-хозяйственная часть": 45.0,
    }
    months = ["янв 2025", "фев 2025", "мар 2025"]
    series = {"Открыто": [1, 2, 0], "В работе": [0, 1, 2], "Закрыто": [3, 0, 1]}
    clauses = {f"{a}.{b}": float((a * b * 7) % 101) for a in range(4, 11) for b in range(1, 5)}
    clauses["7.5.3"] = None
    renders = [
        lambda: charts.compliance_by_department(departments, t),
        lambda: charts.ncs_by_status_over_time(months, series, t),
        lambda: charts.compliance_by_clause(clauses, "Аудит № А-2025-007", t),
        lambda: charts.compliance_by_clause({"7.1.5": 50.0}, "Один пункт", t),
    ]
    for render in renders:
        assert glyph_warnings(render) == []
    assert plt.get_fignums() == []  # nothing registered with pyplot, nothing to leak


def test_the_glyph_check_would_catch_a_missing_glyph() -> None:
    # DejaVu Sans has no CJK: proves the Cyrillic check above is not vacuous.
    found = glyph_warnings(lambda: charts.compliance_by_department({"漢字": 50.0}, texts("ru")))
    assert found


def test_charts_say_no_data_for_empty_input() -> None:
    t = texts("ru")
    for data in (
        charts.compliance_by_department({}, t),
        charts.ncs_by_status_over_time([], {}, t),
        charts.ncs_by_status_over_time(["янв"], {"Открыто": [0]}, t),
        charts.compliance_by_clause({}, "Пусто", t),
        charts.compliance_by_department({"Бухгалтерия": None}, t),
    ):
        assert png_size(data) == (1200, 800)


def test_nc_series_must_match_the_months() -> None:
    with pytest.raises(ValueError, match="Открыто"):
        charts.ncs_by_status_over_time(["янв", "фев"], {"Открыто": [1]}, texts("ru"))


def test_audit_report_drops_control_characters_from_user_text() -> None:
    typed = report(
        conclusion="Итог\x01 аудита\x0b",
        ncs=[replace(nc_row(), description="Нет\x02 подписи")],
        participants=["Учитель\x1f 1"],
    )
    document = docx.Document(BytesIO(build_audit_report(typed, texts("ru"))))
    text = all_text(document)
    assert "Итог аудита" in text and "Учитель 1" in text
    assert document.tables[1].rows[1].cells[2].text.startswith("Нет подписи")
