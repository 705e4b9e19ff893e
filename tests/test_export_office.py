"""The XLSX export as the school opens it: LibreOffice Calc (many Russian state schools use
it, or Р7-Офис and МойОфис, which read the same package) shows every sheet, row and cell
that openpyxl reads, formatted as the sheet says. Skipped where LibreOffice Calc is absent;
`.ci/run` installs it. And the answers' wall times, converted once per hour, are exact."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from openpyxl.cell.cell import Cell
from sqlalchemy import Connection

from bot.services.reports import _answer_rows, _Facts, _local_times, _Names
from tests.harness import BotHarness
from tests.test_summaries import seed

SOFFICE = shutil.which("soffice")
CALC = SOFFICE is not None and (Path(SOFFICE).resolve().parent / "libsclo.so").exists()
# Comma-separated, quoted with ", UTF-8, cells as shown (their number format), every sheet
# to its own file ("<name>-<sheet>.csv").
CSV = "csv:Text - txt - csv (StarCalc):44,34,76,1,,1049,false,true,true,false,false,-1"


def calc_sheets(source: Path, work: Path) -> dict[str, list[list[str]]]:
    """Every sheet of the workbook as LibreOffice Calc shows it, by its name, in order."""
    if not CALC:
        pytest.skip("LibreOffice Calc is not installed")
    done = subprocess.run(
        [SOFFICE, f"-env:UserInstallation=file://{work / 'profile'}", "--headless",
         "--convert-to", CSV, "--outdir", str(work), str(source)],
        check=True, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    names = [
        line.split(" -> ")[0].removeprefix("Writing sheet ")
        for line in done.stdout.splitlines()
        if line.startswith("Writing sheet ")
    ]
    return {
        name: list(csv.reader(io.StringIO((work / f"{source.stem}-{name}.csv").read_text())))
        for name in names
    }


def shown(cell: Cell) -> str:
    """The cell's text as its number format shows it (the export's few formats)."""
    value: Any = cell.value
    if value is None:
        return ""
    if isinstance(value, datetime):
        layout = "%d.%m.%Y %H:%M" if "HH:MM" in cell.number_format else "%d.%m.%Y"
        return value.strftime(layout)
    if isinstance(value, float):
        return f"{value:.1f}" if cell.number_format == "0.0" else f"{value:g}"
    return str(value)


async def export(harness: BotHarness) -> bytes:
    """What the manager's /export sends him."""
    await seed(harness)
    manager = harness.user(1001, "Мария")
    mark = len(manager.chat())
    await manager.send("/export")
    document = next(m for m in manager.chat()[mark:] if m.document)
    assert document.document["file_name"].endswith(".xlsx")
    content, _ = harness.api.files[document.document["file_id"]]
    return content


async def test_the_export_is_sent_from_a_temporary_file_removed_after(
    harness: BotHarness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    made: list[Path] = []
    folder = tempfile.TemporaryDirectory

    def watched(*args: Any, **kwargs: Any) -> tempfile.TemporaryDirectory[str]:
        made.append(Path((found := folder(*args, **kwargs)).name))
        return found

    monkeypatch.setattr(tempfile, "TemporaryDirectory", watched)
    content = await export(harness)
    assert openpyxl.load_workbook(io.BytesIO(content)).sheetnames[1] == "Ответы"
    assert [p.parent for p in made] == [temporary]  # the file was written there...
    assert not any(temporary.iterdir())  # ...and is gone once sent


@pytest.mark.slow
@pytest.mark.timeout(300)
async def test_the_export_opens_in_libreoffice_calc_as_in_openpyxl(
    harness: BotHarness, tmp_path: Path
) -> None:
    content = await export(harness)
    source = tmp_path / "export.xlsx"
    source.write_bytes(content)

    book = openpyxl.load_workbook(source)
    sheets = calc_sheets(source, tmp_path)
    assert list(sheets) == book.sheetnames
    for sheet in book.worksheets:
        rows = sheets[sheet.title]
        assert len(rows) == sheet.max_row > 1, sheet.title
        for calc, row in zip(rows, sheet.iter_rows(), strict=True):
            assert calc == [shown(cell) for cell in row], sheet.title
    answers = sheets["Ответы"]
    assert answers[0][1] == "Респондент" and answers[0][13] == "Свидетельства (файлы)"
    assert {row[1] for row in answers[1:]} == {"Ольга", "Игорь"}


@pytest.mark.parametrize(
    "zone",
    # No change; a change at 02:00 local in 2011 (Moscow's last summer time); half-hour
    # changes half-way through a UTC hour (St John's); a 30-minute summer time.
    ["Europe/Moscow", "Europe/Berlin", "America/St_Johns", "Australia/Lord_Howe"],
)
def test_answer_times_are_the_school_wall_time_across_offset_changes(zone: str) -> None:
    tz = ZoneInfo(zone)
    local = _local_times(tz)
    for start in (datetime(2011, 3, 26), datetime(2026, 3, 7), datetime(2026, 10, 24)):
        for minutes in range(0, 3 * 24 * 60, 7):
            moment = start + timedelta(minutes=minutes, seconds=minutes % 60, microseconds=3)
            expected = moment.replace(tzinfo=UTC).astimezone(tz).replace(tzinfo=None)
            assert local(moment.isoformat(sep=" ")) == expected  # SQLite: ISO text
            assert local(moment) == expected  # PostgreSQL: a naive UTC datetime


async def test_someone_who_appears_while_the_export_runs_is_named_with_his_page(
    harness: BotHarness,
) -> None:
    """The export reads the names once, then the answers page by page: a person (or an
    audit) it did not know when it began is read with the page that brings his answers."""
    await seed(harness)
    assert harness.app is not None
    templates = harness.app.dispatcher["templates"]

    def work(conn: Connection) -> tuple[_Names, int, list[tuple[Any, ...]]]:
        names = _Names(conn)
        olga = next(id_ for id_, (name, _) in names.people.items() if name == "Ольга")
        audit = next(iter(names.audits))
        del names.people[olga], names.audits[audit], names.templates[audit]  # not yet known
        facts = _Facts(templates.checklist_in, lambda kind, value: value, "ru")
        rows, _ = _answer_rows(conn, facts, names, None)
        return names, olga, rows

    names, olga, rows = await harness.app.db.run(work)
    assert names.people[olga][0] == "Ольга" and len(names.audits) == len(names.templates)
    assert sum(1 for who, *_ in rows if who[1] == olga) == 5  # her five answers, exported
