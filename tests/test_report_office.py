"""The report a director signs, as LibreOffice lays it out (many Russian state schools use
it, or Р7-Офис and МойОфис, which read the table grid the same way): a sane page count, the
table columns as set, and no word broken in two. Skipped where LibreOffice is absent;
`.ci/run` installs it."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from datetime import date, datetime
from pathlib import Path
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import docx
import pytest

from bot.reports.docx import build_audit_report
from bot.reports.model import AckRow, AuditNote, AuditReport, Finding
from tests.test_reports_render import nc_row, report, texts

SOFFICE = shutil.which("soffice")
TZ = ZoneInfo("Europe/Moscow")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(300),
    pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed"),
]
QUESTIONS = (
    "Есть ли у вас утверждённая рабочая программа по каждому предмету на текущий учебный год?",
    "Подписан ли журнал инструктажей по охране труда всеми сотрудниками подразделения?",
    "Насколько удобен электронный журнал для ежедневной работы?",
)
FINDINGS_CM = [0.9, 1.7, 6.0, 7.9]
NS = {
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
}


def director_report() -> AuditReport:
    """A school audit as the issue found it: 19 questions, comments, files, three NCs."""
    findings = [
        Finding(
            number=i + 1,
            clause=("7.5.3", "8.5.1", "7.1.4", "10.2.1")[i % 4],
            question=f"{QUESTIONS[i % 3]} ({i + 1})",
            summary="Да — 12; Нет — 3; Не применимо — 1",
            evidence=i % 3,
            nonconforming=i % 4 == 1,
            comments=["Программа утверждена приказом № 45-о, но не размещена на сайте"]
            if i % 2
            else [],
            files=["Приказ_45-о_об_утверждении_программ.pdf", "фото (2)"] if i % 3 else [],
        )
        for i in range(19)
    ]
    told = datetime(2026, 12, 1, 10, 0, tzinfo=TZ)
    return report(
        findings=findings,
        ncs=[nc_row(1), nc_row(2), nc_row(3)],
        participants=[f"Учитель {i}" for i in range(16)],
        acknowledgements=[
            AckRow(
                "Орлов Николай Петрович",
                "руководство",
                told,
                datetime(2026, 12, 1, 12, 5, tzinfo=TZ),
            ),
            AckRow("Сидорова Анна Викторовна", "руководитель подразделения", told, None),
            AckRow("Иванова Мария", "аудиторская группа", told, None),
        ],
        issued_on=date(2025, 3, 14),
        director="Орлов Н. П.",
        methods=[
            "анкетирование работников по чек-листу (респондентов: 16, вопросов: 19)",
            "анализ документов и записей, представленных как свидетельства (файлов: 12)",
            "наблюдение на месте (фотографий: 12)",
        ],
        locations=["Кафедра математики, кабинеты 201–205"],
        notes=[
            AuditNote(
                "сильная сторона", 3, "Программы согласованы на заседании кафедры", "strength"
            ),
            AuditNote(
                "возможность улучшения",
                None,
                "Вести журнал инструктажей в электронном виде",
                "improvement",
            ),
        ],
    )


def convert(source: Path, target: str, work: Path) -> Path:
    profile = work / "profile"  # its own profile: no clash with another soffice running
    assert SOFFICE is not None
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless",
         "--convert-to", target, "--outdir", str(work), str(source)],
        check=True, capture_output=True, timeout=240,
    )  # fmt: skip
    return source.with_suffix(f".{target}")


def cm(length: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(cm|mm|in|pt)", length).groups()  # type: ignore[union-attr]
    return float(value) * {"cm": 1, "mm": 0.1, "in": 2.54, "pt": 2.54 / 72}[unit]


def column_widths(odt: Path) -> list[list[float]]:
    """Each table's column widths (cm), as LibreOffice laid the document out."""
    with zipfile.ZipFile(odt) as package:
        content = ElementTree.fromstring(package.read("content.xml"))
    widths = {}
    for style in content.iter(f"{{{NS['style']}}}style"):
        properties = style.find("style:table-column-properties", NS)
        if properties is not None:
            width = properties.get(f"{{{NS['style']}}}column-width")
            widths[style.get(f"{{{NS['style']}}}name")] = cm(width or "0cm")
    tables = []
    for table in content.iter(f"{{{NS['table']}}}table"):
        columns = []
        for column in table.findall("table:table-column", NS):
            repeat = int(column.get(f"{{{NS['table']}}}number-columns-repeated", "1"))
            columns += [widths[column.get(f"{{{NS['table']}}}style-name")]] * repeat
        tables.append(columns)
    return tables


def test_the_docx_sets_its_grid_and_every_cell_width() -> None:
    content = build_audit_report(director_report(), texts("ru"))
    document = docx.Document(io.BytesIO(content))
    findings = document.tables[0]
    grid = [round(column.width.cm, 2) for column in findings.columns]
    assert grid == FINDINGS_CM
    for row in findings.rows:
        assert [round(cell.width.cm, 2) for cell in row.cells] == FINDINGS_CM
    layout = findings._tbl.tblPr.find(docx.oxml.ns.qn("w:tblLayout"))
    assert layout is not None and layout.get(docx.oxml.ns.qn("w:type")) == "fixed"


def test_libreoffice_lays_the_report_out_as_set(tmp_path: Path) -> None:
    source = tmp_path / "report.docx"
    source.write_bytes(build_audit_report(director_report(), texts("ru")))
    pdf = convert(source, "pdf", tmp_path)
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf.read_bytes()))
    assert 3 <= pages <= 6, pages  # the 19 questions took 4½ of 7 pages in the table

    findings, ncs, *_, acks = column_widths(convert(source, "odt", tmp_path))
    assert [round(w, 1) for w in findings] == FINDINGS_CM  # not six equal columns
    assert abs(sum(ncs) - 16.5) < 0.05 and abs(sum(acks) - 16.5) < 0.05

    if shutil.which("pdftotext"):  # poppler-utils: no word split over two lines
        text = subprocess.run(
            ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
        ).stdout
        for word in ("УТВЕРЖДАЮ", "Ответственный", "Ознакомлен(а)", "Направлено", "Пункт",
                     "НС-2025-001", "А-2025-007", "01.04.2025", "подразделения"):  # fmt: skip
            assert re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text), word
        assert "Лист рассылки" in text and "Лист ознакомления" in text


def test_libreoffice_draws_the_photo_thumbnails_under_their_findings(tmp_path: Path) -> None:
    """Issue 13 item 4: six findings with three phone photos each; the grid stays as set,
    the thumbnails are drawn, the pages and the file stay few."""
    import dataclasses

    from tests.test_report_photos import phone_photo

    photos = [phone_photo(n) for n in range(3)]
    base = director_report()
    findings = [
        dataclasses.replace(f, photos=photos if i % 3 == 1 else [])
        for i, f in enumerate(base.findings)
    ]
    content = build_audit_report(dataclasses.replace(base, findings=findings), texts("ru"))
    assert len(content) < 150_000, len(content)  # 3 photos of over 1 MB each, as thumbnails
    source = tmp_path / "photos.docx"
    source.write_bytes(content)
    pdf = convert(source, "pdf", tmp_path).read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    assert 3 <= pages <= 7, pages
    assert len(re.findall(rb"/Subtype\s*/Image", pdf)) >= 3
    grid, *_ = column_widths(convert(source, "odt", tmp_path))
    assert [round(w, 1) for w in grid] == FINDINGS_CM
