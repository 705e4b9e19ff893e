"""The XLSX export: audits, answers, nonconformities and corrective actions, one sheet each.

Cells keep real types: dates and datetimes are Excel dates (naive, in the school's local
time), counts and percentages are numbers, so the manager can sort, filter and build pivot
tables. Each sheet has a bold frozen header row, an autofilter and fitted column widths.

The SpreadsheetML is written here directly rather than through openpyxl: even openpyxl's
write-only mode spends several microseconds per cell (≈20 s for 240,000 answers × 13 columns
on a slow machine), while this writer streams rows in chunks, turns each distinct value into
its cell XML once (shared strings, cached fragments) and needs about a tenth of that time.
The answers sheet goes further (issue 17): its row is a few keys (`AnswerStream`: who, the
question's fact, comment, evidence, moment), each key's neighbouring cells are bytes built
once, so a row costs a join and the row number's replace, not work per column. The package
has the same parts and element order as openpyxl's own output (ECMA-376); the tests read it
back with openpyxl and LibreOffice Calc.
"""

from __future__ import annotations

import math
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from io import BytesIO
from itertools import chain, islice
from operator import attrgetter, getitem
from types import SimpleNamespace
from typing import IO, Any
from xml.sax.saxutils import escape, quoteattr

from bot.reports.model import (
    ActionRow,
    AnswerRow,
    AnswerStream,
    AuditRow,
    CompetenceRow,
    Gettext,
    NcRow,
)

DATE_FORMAT = "DD.MM.YYYY"
DATETIME_FORMAT = "DD.MM.YYYY HH:MM"
PERCENT_FORMAT = "0.0"
"""Compliance is written as a percent number (84.2 means 84.2 %); its header says "%"."""

MAX_WIDTH = 60
MIN_WIDTH = 8
SAMPLE_ROWS = 2000
"""Column widths are estimated from at most this many rows, spread over the whole sheet."""
CHUNK_ROWS = 5000
CACHE_LIMIT = 20_000
COMPRESS_LEVEL = 1
"""Fast deflate: the sheet XML is repetitive, level 1 is almost as small and much faster."""

TEXT, LONG, NUMBER, PERCENT, DATE, DATETIME = "text", "long", "number", "percent", "date", "dt"
_FIXED_WIDTH = {DATE: 12, DATETIME: 17, PERCENT: 10}

# Style ids in styles.xml (cellXfs).
_HEADER, _DATE, _DATETIME, _PERCENT, _WRAP = 1, 2, 3, 4, 5
_KIND_STYLE = {DATE: _DATE, DATETIME: _DATETIME, PERCENT: _PERCENT, LONG: _WRAP}

_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_ROW = "\x00"
"""Stands for the row number inside cached cell XML; it can never occur in cleaned text."""
_ROW_BYTES = _ROW.encode()
_EXCEL_EPOCH = datetime(1899, 12, 30)
_EXCEL_EPOCH_ORDINAL = _EXCEL_EPOCH.toordinal()
_DAY = timedelta(days=1)
_EXCEL_MAX_ROWS = 1_048_576


@dataclass(frozen=True, slots=True)
class _Column:
    header: str
    kind: str
    field: str
    transform: Callable[[Any], Any] | None = None


@dataclass(frozen=True, slots=True)
class _Part:
    """Neighbouring columns whose values all follow from one key of the row."""

    columns: list[_Column]
    values: Callable[[Any], Any]
    """The key's values, one per column (but see `distinct`)."""
    distinct: bool = False
    """One datetime column whose key is nearly every row's own (an answer's moment):
    `values` gives the value itself, and the cell is built each time instead of kept."""


@dataclass(frozen=True, slots=True)
class _Parted:
    """A sheet's rows as tuples of keys, one per part (see `AnswerStream`)."""

    parts: list[_Part]
    rows: Iterable[tuple[Any, ...]]


def build_workbook(
    audits: list[AuditRow],
    answers: Iterable[AnswerRow] | AnswerStream,
    ncs: list[NcRow],
    actions: list[ActionRow],
    gettext: Gettext,
) -> bytes:
    """Returns the XLSX file with four sheets, in the order of the arguments."""
    output = BytesIO()
    write_workbook(output, audits, answers, ncs, actions, gettext)
    return output.getvalue()


def write_workbook(
    target: IO[bytes],
    audits: list[AuditRow],
    answers: Iterable[AnswerRow] | AnswerStream,
    ncs: list[NcRow],
    actions: list[ActionRow],
    gettext: Gettext,
) -> None:
    """Writes the XLSX file with four sheets, in the order of the arguments, to `target` (a
    file: the export is never whole in memory). `answers` may be a stream (the export reads
    them a page at a time): it is consumed once, and memory stays the same however many
    there are."""
    yes, no = gettext("report.yes"), gettext("report.no")

    def flag(value: bool | None) -> str | None:
        return None if value is None else (yes if value else no)

    sheets: list[tuple[str, list[_Column], Iterable[Any] | _Parted]] = [
        (
            gettext("report.sheet.audits"),
            [
                _Column(gettext("report.col.audit_number"), TEXT, "number"),
                _Column(gettext("report.col.audit_title"), LONG, "title"),
                _Column(gettext("report.col.department"), TEXT, "department"),
                _Column(gettext("report.col.template"), TEXT, "template"),
                _Column(gettext("report.col.status"), TEXT, "status"),
                _Column(gettext("report.col.lead_auditor"), TEXT, "lead_auditor"),
                _Column(gettext("report.col.start_date"), DATE, "start_date"),
                _Column(gettext("report.col.deadline"), DATE, "deadline"),
                _Column(gettext("report.col.respondents"), NUMBER, "respondents"),
                _Column(gettext("report.col.submitted"), NUMBER, "submitted"),
                _Column(gettext("report.col.compliance"), PERCENT, "compliance"),
                _Column(gettext("report.col.closed_at"), DATETIME, "closed_at"),
            ],
            audits,
        ),
        (
            gettext("report.sheet.answers"),
            answer_columns := [
                _Column(gettext("report.col.audit_number"), TEXT, "audit_number"),
                _Column(gettext("report.col.respondent"), TEXT, "respondent"),
                _Column(gettext("report.col.department"), TEXT, "department"),
                _Column(gettext("report.col.section"), TEXT, "section"),
                _Column(gettext("report.col.question_number"), NUMBER, "question_number"),
                _Column(gettext("report.col.clause"), TEXT, "clause"),
                _Column(gettext("report.col.question"), LONG, "question"),
                _Column(gettext("report.col.answer"), LONG, "answer"),
                _Column(gettext("report.col.score"), NUMBER, "score"),
                _Column(gettext("report.col.nonconforming"), TEXT, "nonconforming", flag),
                _Column(gettext("report.col.comment"), LONG, "comment"),
                _Column(gettext("report.col.evidence"), NUMBER, "evidence"),
                _Column(gettext("report.col.answered_at"), DATETIME, "answered_at"),
                _Column(gettext("report.col.evidence_files"), LONG, "evidence_files"),
            ],
            _answer_parts(
                answer_columns,
                answers if isinstance(answers, AnswerStream) else _answer_stream(answers),
            ),
        ),
        (
            gettext("report.sheet.ncs"),
            [
                _Column(gettext("report.col.nc_number"), TEXT, "number"),
                _Column(gettext("report.col.source"), TEXT, "source"),
                _Column(gettext("report.col.status"), TEXT, "status"),
                _Column(gettext("report.col.severity"), TEXT, "severity"),
                _Column(gettext("report.col.department"), TEXT, "department"),
                _Column(gettext("report.col.clause"), TEXT, "clause"),
                _Column(gettext("report.col.description"), LONG, "description"),
                _Column(gettext("report.col.reporter"), TEXT, "reporter"),
                _Column(gettext("report.col.responsible"), TEXT, "responsible"),
                _Column(gettext("report.col.created_at"), DATETIME, "created_at"),
                _Column(gettext("report.col.due_date"), DATE, "due_date"),
                _Column(gettext("report.col.closed_at"), DATETIME, "closed_at"),
                _Column(gettext("report.col.days_overdue"), NUMBER, "days_overdue"),
                _Column(gettext("report.col.audit_number"), TEXT, "audit_number"),
            ],
            ncs,
        ),
        (
            gettext("report.sheet.actions"),
            [
                _Column(gettext("report.col.nc_number"), TEXT, "nc_number"),
                _Column(gettext("report.col.responsible"), TEXT, "responsible"),
                _Column(gettext("report.col.correction"), LONG, "correction"),
                _Column(gettext("report.col.root_cause"), LONG, "root_cause"),
                _Column(gettext("report.col.corrective_action"), LONG, "corrective_action"),
                _Column(gettext("report.col.due_date"), DATE, "due_date"),
                _Column(gettext("report.col.status"), TEXT, "status"),
                _Column(gettext("report.col.done_at"), DATETIME, "done_at"),
                _Column(gettext("report.col.effective"), TEXT, "effective", flag),
                _Column(gettext("report.col.verifier"), TEXT, "verifier"),
                _Column(gettext("report.col.verification_note"), LONG, "verification_note"),
            ],
            actions,
        ),
    ]

    _write_to(target, sheets)


def _answer_parts(columns: list[_Column], stream: AnswerStream) -> _Parted:
    evidence, at, files = stream.evidence, stream.answered_at, stream.evidence_files
    return _Parted(
        [
            _Part(columns[0:3], stream.who),
            _Part(columns[3:10], stream.fact),
            _Part(columns[10:11], _alone),  # the comment
            _Part(columns[11:12], lambda key: (evidence(key),)),
            _Part(columns[12:13], at, distinct=True),
            _Part(columns[13:14], lambda key: (files(key),)),
        ],
        stream.rows,
    )


def _answer_stream(rows: Iterable[AnswerRow]) -> AnswerStream:
    """Ready answer rows as an `AnswerStream` whose keys are the values themselves."""
    return AnswerStream(
        rows=(
            (
                (r.audit_number, r.respondent, r.department),
                (
                    r.section,
                    r.question_number,
                    r.clause,
                    r.question,
                    r.answer,
                    r.score,
                    r.nonconforming,
                ),
                r.comment,
                r.evidence,
                r.answered_at,
                r.evidence_files,
            )
            for r in rows
        ),
        who=_same,
        fact=_same,
        evidence=_same,
        answered_at=_same,
        evidence_files=_same,
    )


def _same(value: Any) -> Any:
    return value


def _alone(value: Any) -> tuple[Any]:
    return (value,)


def build_competence_workbook(
    requirements: list[str], rows: list[CompetenceRow], gettext: Gettext
) -> bytes:
    """The school's competence matrix: a row per person, for each requirement its status
    (as the reader reads it) and the day it is valid until (an Excel date)."""
    columns = [
        _Column(gettext("report.col.person"), TEXT, "name"),
        _Column(gettext("report.col.department"), TEXT, "department"),
    ]
    until = gettext("report.col.valid_until")
    for index, name in enumerate(requirements):
        columns.append(_Column(name, TEXT, f"status_{index}"))
        columns.append(_Column(f"{name}: {until}", DATE, f"expires_{index}"))
    columns.append(_Column(gettext("report.col.all_valid"), TEXT, "all_valid"))
    flat = [
        SimpleNamespace(
            name=row.name,
            department=row.department,
            all_valid=row.all_valid,
            **{f"status_{i}": status for i, (status, _) in enumerate(row.cells)},
            **{f"expires_{i}": expires for i, (_, expires) in enumerate(row.cells)},
        )
        for row in rows
    ]
    return _write([(gettext("report.sheet.competence"), columns, flat)])


def _write(sheets: list[tuple[str, list[_Column], Iterable[Any] | _Parted]]) -> bytes:
    output = BytesIO()
    _write_to(output, sheets)
    return output.getvalue()


def _write_to(
    target: IO[bytes], sheets: list[tuple[str, list[_Column], Iterable[Any] | _Parted]]
) -> None:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL) as zf:
        book = _Book(zf, len(sheets))
        for title, columns, rows in sheets:
            book.write_sheet(zf, title, columns, rows)
        book.finish(zf)


class _Book:
    """Writes the package parts: content types first, then sheets, then what they share."""

    def __init__(self, zf: zipfile.ZipFile, count: int) -> None:
        self.count = count
        self.strings: dict[str, int] = {}
        self.sheet_names: list[str] = []
        self.filters: list[str] = []
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{_SHEET_TYPE}"/>'
            for i in range(1, self.count + 1)
        )
        _put(
            zf,
            "[Content_Types].xml",
            f'{_XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels"'
            ' ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_WORKBOOK_TYPE}"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{_STYLES_TYPE}"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_STRINGS_TYPE}"/>'
            f"{overrides}</Types>",
        )
        _put(
            zf,
            "_rels/.rels",
            f'{_XML}<Relationships xmlns="{_PKG_REL_NS}">'
            f'<Relationship Id="rId1" Type="{_REL_NS}/officeDocument"'
            ' Target="xl/workbook.xml"/></Relationships>',
        )

    def string(self, text: str) -> int:
        index = self.strings.get(text)
        if index is None:
            index = self.strings[text] = len(self.strings)
        return index

    def write_sheet(
        self,
        zf: zipfile.ZipFile,
        title: str,
        columns: list[_Column],
        rows: Iterable[Any] | _Parted,
    ) -> None:
        if isinstance(rows, _Parted):
            self._parted_sheet(zf, title, columns, rows)
            return
        if not isinstance(rows, Sequence):
            self._stream_sheet(zf, title, columns, rows)
            return
        if len(rows) >= _EXCEL_MAX_ROWS:
            raise ValueError(f"{len(rows)} rows do not fit on one Excel sheet")
        self._sheet(
            zf, title, columns, len(rows), _widths(columns, rows), self._rows(columns, rows)
        )

    def _stream_sheet(
        self, zf: zipfile.ZipFile, title: str, columns: list[_Column], rows: Iterable[Any]
    ) -> None:
        """A sheet of rows that come as a stream: the widths from its first rows, the rows'
        XML spooled to a temporary file while counted (the dimension and the filter, which
        come first in the sheet, name the last row), then copied into the package."""
        stream = iter(rows)
        first = list(islice(stream, SAMPLE_ROWS))
        widths = _widths(columns, first)
        counted = [0]

        def counting() -> Iterator[Any]:
            for row in chain(first, stream):
                counted[0] += 1
                if counted[0] >= _EXCEL_MAX_ROWS:
                    raise ValueError(f"{counted[0]} rows do not fit on one Excel sheet")
                yield row

        chunks = (chunk.encode() for chunk in self._rows(columns, counting()))
        self._spooled(zf, title, columns, widths, chunks, counted)

    def _parted_sheet(
        self, zf: zipfile.ZipFile, title: str, columns: list[_Column], parted: _Parted
    ) -> None:
        """A sheet of rows of keys (`_Parted`), streamed as `_stream_sheet` does. Each
        part's cells are built once per distinct key (bytes, the row number left as
        `_ROW`), so a row costs a join and a replace, however many columns it has."""
        stream = iter(parted.rows)
        first = list(islice(stream, SAMPLE_ROWS))
        parts = parted.parts
        expanded = [
            list(chain.from_iterable(_values(p, key) for p, key in zip(parts, row, strict=True)))
            for row in first
        ]
        samples = list(zip(*expanded, strict=True)) if expanded else [()] * len(columns)
        widths = [_fit(column, values) for column, values in zip(columns, samples, strict=True)]
        caches: list[dict[Any, Any]] = []
        index = 1
        for number, part in enumerate(parted.parts):
            letters = [_letter(i) for i in range(index, index + len(part.columns))]
            index += len(part.columns)
            opening = f'<row r="{_ROW}">' if number == 0 else ""
            closing = "</row>" if number == len(parted.parts) - 1 else ""
            if part.distinct:
                caches.append(_uncached(_moment_cell(part.values, letters[0], opening, closing)))
            else:
                caches.append(_Fragments(self._part_cells(part, letters, opening, closing)))
        counted = [0]

        def chunks() -> Iterator[bytes]:
            rows, start = chain(first, stream), 2
            while chunk := list(islice(rows, CHUNK_ROWS)):
                counted[0] += len(chunk)
                if counted[0] >= _EXCEL_MAX_ROWS:
                    raise ValueError(f"{counted[0]} rows do not fit on one Excel sheet")
                yield b"".join(
                    [
                        b"".join(map(getitem, caches, keys)).replace(_ROW_BYTES, b"%d" % n)
                        for n, keys in enumerate(chunk, start)
                    ]
                )
                start += len(chunk)

        self._spooled(zf, title, columns, widths, chunks(), counted)

    def _part_cells(
        self, part: _Part, letters: list[str], opening: str, closing: str
    ) -> Callable[[Any], bytes]:
        cells = list(zip(letters, part.columns, strict=True))
        values = part.values

        def make(key: Any) -> bytes:
            # A cell right after its row's previous one needs no reference (ECMA-376
            # 18.3.1.4: it is the next column), which makes the sheet a sixth smaller to
            # join and to deflate; one after a gap, or first in its part, names its own.
            inner, gap = [], True
            for (letter, column), value in zip(cells, values(key), strict=True):
                inner.append(cell := self._cell(letter if gap else None, column, value))
                gap = not cell
            return f"{opening}{''.join(inner)}{closing}".encode()

        return make

    def _spooled(
        self,
        zf: zipfile.ZipFile,
        title: str,
        columns: list[_Column],
        widths: list[float],
        chunks: Iterable[bytes],
        counted: list[int],
    ) -> None:
        """The rows' XML spooled to a temporary file while counted (the dimension and the
        filter, which come first in the sheet, name the last row), then copied into the
        package."""
        with tempfile.TemporaryFile() as spool:
            for chunk in chunks:
                spool.write(chunk)
            spool.seek(0)
            body = iter(lambda: spool.read(1 << 20), b"")
            self._sheet(zf, title, columns, counted[0], widths, body)

    def _sheet(
        self,
        zf: zipfile.ZipFile,
        title: str,
        columns: list[_Column],
        count: int,
        widths: list[float],
        body: Iterable[str | bytes],
    ) -> None:
        name = _sheet_name(title, {n.casefold() for n in self.sheet_names})
        selected = "" if self.sheet_names else ' tabSelected="1"'
        self.sheet_names.append(name)
        last = f"{_letter(len(columns))}{count + 1}"
        self.filters.append(f"$A$1:${_letter(len(columns))}${count + 1}")
        cols = "".join(
            f'<col min="{i}" max="{i}" width="{w:.1f}" customWidth="1"/>'
            for i, w in enumerate(widths, 1)
        )
        header = "".join(
            f'<c r="{_letter(i)}1" t="s" s="{_HEADER}"><v>{self.string(_clean(c.header))}</v></c>'
            for i, c in enumerate(columns, 1)
        )
        path = f"xl/worksheets/sheet{len(self.sheet_names)}.xml"
        with zf.open(path, "w", force_zip64=True) as stream:
            stream.write(
                (
                    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                    f'<worksheet xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">'
                    f'{_PRINT_FIT}<dimension ref="A1:{last}"/>'
                    f"<sheetViews><sheetView{selected}"
                    ' workbookViewId="0"><pane ySplit="1" topLeftCell="A2"'
                    ' activePane="bottomLeft" state="frozen"/>'
                    '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
                    "</sheetView></sheetViews>"
                    '<sheetFormatPr defaultRowHeight="15"/>'
                    f"<cols>{cols}</cols>"
                    f'<sheetData><row r="1">{header}</row>'
                ).encode()
            )
            for chunk in body:
                stream.write(chunk.encode() if isinstance(chunk, str) else chunk)
            stream.write(
                (
                    f'</sheetData><autoFilter ref="A1:{last}"/>'
                    '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75"'
                    f' header="0.3" footer="0.3"/>{_PRINT_SETUP}</worksheet>'
                ).encode()
            )

    def _rows(self, columns: list[_Column], rows: Iterable[Any]) -> Iterator[str]:
        encoders = [self._encoder(_letter(i), column) for i, column in enumerate(columns, 1)]
        stream, start = iter(rows), 0
        while chunk := list(islice(stream, CHUNK_ROWS)):
            cells = zip(*(encode(chunk) for encode in encoders), strict=True)
            yield "".join(
                f'<row r="{n}">{"".join(row).replace(_ROW, str(n))}</row>'
                for n, row in enumerate(cells, start + 2)
            )
            start += len(chunk)

    def _encoder(self, letter: str, column: _Column) -> Callable[[Sequence[Any]], list[str]]:
        """A function turning a chunk of rows into this column's cell XML, one per row."""
        get, transform, kind = attrgetter(column.field), column.transform, column.kind
        style = _KIND_STYLE.get(kind)
        styled = f' s="{style}"' if style else ""
        prefix = f'<c r="{letter}{_ROW}"{styled}'

        def values(chunk: Sequence[Any]) -> Iterator[Any]:
            found = map(get, chunk)
            return map(transform, found) if transform else found

        if kind == DATETIME:

            def datetimes(chunk: Sequence[Any]) -> list[str]:
                return [
                    ""
                    if v is None
                    else f"{prefix}><v>{(v.replace(tzinfo=None) - _EXCEL_EPOCH) / _DAY!r}</v></c>"
                    for v in values(chunk)
                ]

            return datetimes

        def fragment(value: Any) -> str:
            return self._value_cell(prefix, kind, value)

        cache = _Fragments(fragment)
        lookup = cache.__getitem__

        def cached(chunk: Sequence[Any]) -> list[str]:
            return list(map(lookup, values(chunk)))

        return cached

    def _cell(self, letter: str | None, column: _Column, value: Any) -> str:
        """One cell's XML, the row number left as `_ROW` (empty for no value); without a
        reference for no letter."""
        if column.transform:
            value = column.transform(value)
        style = _KIND_STYLE.get(column.kind)
        styled = f' s="{style}"' if style else ""
        where = "" if letter is None else f' r="{letter}{_ROW}"'
        return self._value_cell(f"<c{where}{styled}", column.kind, value)

    def _value_cell(self, prefix: str, kind: str, value: Any) -> str:
        if value is None:
            return ""
        if kind in (TEXT, LONG):
            text = _clean(str(value))
            return f'{prefix} t="s"><v>{self.string(text)}</v></c>' if text else ""
        if kind == DATE:
            days = value.toordinal() - _EXCEL_EPOCH_ORDINAL
            return f"{prefix}><v>{days}</v></c>"
        if kind == DATETIME:
            return f"{prefix}><v>{(value.replace(tzinfo=None) - _EXCEL_EPOCH) / _DAY!r}</v></c>"
        if isinstance(value, bool) or not math.isfinite(value):
            return ""
        return f"{prefix}><v>{value!r}</v></c>"

    def finish(self, zf: zipfile.ZipFile) -> None:
        sheets = "".join(
            f'<sheet name={quoteattr(name)} sheetId="{i}" r:id="rId{i}"/>'
            for i, name in enumerate(self.sheet_names, 1)
        )
        names = "".join(
            f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
            f"{escape(_quoted(name))}!{ref}</definedName>"
            for i, (name, ref) in enumerate(zip(self.sheet_names, self.filters, strict=True))
        ) + "".join(  # the header row printed on every page
            f'<definedName name="_xlnm.Print_Titles" localSheetId="{i}">'
            f"{escape(_quoted(name))}!$1:$1</definedName>"
            for i, name in enumerate(self.sheet_names)
        )
        _put(
            zf,
            "xl/workbook.xml",
            f'{_XML}<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">'
            '<bookViews><workbookView activeTab="0"/></bookViews>'
            f"<sheets>{sheets}</sheets><definedNames>{names}</definedNames></workbook>",
        )
        count = self.count
        relations = "".join(
            f'<Relationship Id="rId{i}" Type="{_REL_NS}/worksheet"'
            f' Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, count + 1)
        )
        _put(
            zf,
            "xl/_rels/workbook.xml.rels",
            f'{_XML}<Relationships xmlns="{_PKG_REL_NS}">{relations}'
            f'<Relationship Id="rId{count + 1}" Type="{_REL_NS}/styles" Target="styles.xml"/>'
            f'<Relationship Id="rId{count + 2}" Type="{_REL_NS}/sharedStrings"'
            ' Target="sharedStrings.xml"/></Relationships>',
        )
        with zf.open("xl/sharedStrings.xml", "w", force_zip64=True) as stream:
            total = len(self.strings)
            stream.write(f'{_XML}<sst xmlns="{_MAIN_NS}" uniqueCount="{total}">'.encode())
            texts = list(self.strings)
            for start in range(0, total, CHUNK_ROWS):
                stream.write(
                    "".join(
                        f'<si><t xml:space="preserve">{escape(text)}</t></si>'
                        for text in texts[start : start + CHUNK_ROWS]
                    ).encode()
                )
            stream.write(b"</sst>")
        _put(zf, "xl/styles.xml", _STYLES)


class _Fragments(dict[Any, Any]):
    """Cell XML per distinct value, computed on first sight.

    Emptied when it grows past `CACHE_LIMIT`, so a column of all-different texts (comments)
    costs a recomputation now and then instead of a second copy of every value in memory.
    """

    def __init__(self, make: Callable[[Any], Any]) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, value: Any) -> Any:
        if len(self) >= CACHE_LIMIT:
            self.clear()
        fragment = self[value] = self.make(value)
        return fragment


def _values(part: _Part, key: Any) -> Sequence[Any]:
    return (part.values(key),) if part.distinct else part.values(key)


def _uncached(make: Callable[[Any], bytes]) -> dict[Any, bytes]:
    """Looks like `_Fragments` to the row loop, but keeps nothing: an empty dict whose
    `__missing__` is `make` itself (one call a row, not two)."""
    kind = type("_Uncached", (dict,), {"__missing__": staticmethod(make)})
    made: dict[Any, bytes] = kind()
    return made


def _moment_cell(
    moment: Callable[[Any], Any], letter: str, opening: str, closing: str
) -> Callable[[Any], bytes]:
    """A datetime column's cell, built straight as bytes: most moments occur once."""
    start = f'{opening}<c r="{letter}{_ROW}" s="{_DATETIME}"><v>'.encode()
    end, empty = f"</v></c>{closing}".encode(), f"{opening}{closing}".encode()

    def make(key: Any) -> bytes:
        value = moment(key)
        if value is None:
            return empty
        if value.tzinfo is not None:
            value = value.replace(tzinfo=None)
        return b"%b%r%b" % (start, (value - _EXCEL_EPOCH) / _DAY, end)

    return make


def _put(zf: zipfile.ZipFile, name: str, text: str) -> None:
    # open() (unlike writestr()) stamps entries 1980-01-01: equal data, identical bytes.
    with zf.open(name, "w") as stream:
        stream.write(text.encode())


def _clean(text: str) -> str:
    """Drops characters XML cannot carry; Excel keeps at most 32,767 characters a cell."""
    return _ILLEGAL.sub("", text)[:32767]


def _widths(columns: list[_Column], rows: Sequence[Any]) -> list[float]:
    sample = rows[:: max(1, len(rows) // SAMPLE_ROWS)]
    return [_fit(column, map(attrgetter(column.field), sample)) for column in columns]


def _fit(column: _Column, values: Iterable[Any]) -> float:
    """The column's width for these (sampled) values."""
    # The header wraps, so its longest word is what has to fit.
    header = max((len(word) for word in column.header.split()), default=0) + 2
    fixed = _FIXED_WIDTH.get(column.kind)
    if fixed is not None:
        return float(max(fixed, header))
    transform = column.transform
    longest = 0
    for found in values:
        value = transform(found) if transform else found
        if value is None:
            continue
        text = value if isinstance(value, str) else str(value)
        length = max(map(len, text.splitlines()), default=0) if "\n" in text else len(text)
        longest = max(longest, length)
    return float(min(MAX_WIDTH, max(MIN_WIDTH, header, longest + 2)))


def _letter(index: int) -> str:
    letters = ""
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _quoted(sheet: str) -> str:
    quoted = sheet.replace("'", "''")
    return f"'{quoted}'"


def _sheet_name(title: str, used: set[str]) -> str:
    base = _SHEET_NAME_FORBIDDEN.sub(" ", _clean(title)).strip().strip("'")[:31] or "Sheet"
    name, counter = base, 1
    while name.casefold() in used:
        counter += 1
        suffix = f" ({counter})"
        name = base[: 31 - len(suffix)] + suffix
    return name


# Printing: landscape A4, as wide as one page (as many pages down as it takes).
_PRINT_FIT = '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
_PRINT_SETUP = '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_WORKBOOK_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_STYLES_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
_STYLES = (
    f'{_XML}<styleSheet xmlns="{_MAIN_NS}">'
    '<numFmts count="3">'
    f'<numFmt numFmtId="164" formatCode="{DATE_FORMAT}"/>'
    f'<numFmt numFmtId="165" formatCode="{DATETIME_FORMAT}"/>'
    f'<numFmt numFmtId="166" formatCode="{PERCENT_FORMAT}"/>'
    "</numFmts>"
    '<fonts count="2">'
    '<font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    "</fonts>"
    '<fills count="3"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFDDE4EE"/>'
    '<bgColor indexed="64"/></patternFill></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="6">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1"'
    ' applyAlignment="1"><alignment vertical="top" wrapText="1"/></xf>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1">'
    '<alignment vertical="top" wrapText="1"/></xf>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def build_documents_workbook(
    documents: list[str],
    rows: list[tuple[str, str, list[tuple[str | None, Any]]]],
    gettext: Gettext,
) -> bytes:
    """People × documents in force: for each document whether he acknowledged it (empty
    when it does not concern him) and the day he did (an Excel date)."""
    columns = [
        _Column(gettext("report.col.person"), TEXT, "name"),
        _Column(gettext("report.col.department"), TEXT, "department"),
    ]
    on = gettext("documents.col.acked_on")
    for index, name in enumerate(documents):
        columns.append(_Column(name, TEXT, f"status_{index}"))
        columns.append(_Column(f"{name}: {on}", DATE, f"on_{index}"))
    flat = [
        SimpleNamespace(
            name=name,
            department=department,
            **{f"status_{i}": status for i, (status, _) in enumerate(cells)},
            **{f"on_{i}": day for i, (_, day) in enumerate(cells)},
        )
        for name, department, cells in rows
    ]
    return _write([(gettext("documents.sheet_name"), columns, flat)])


def build_survey_workbook(
    results: Sequence[Any], comments: Sequence[Any], gettext: Gettext
) -> bytes:
    """A survey's results (a row per group and question: responses, average, spread;
    hidden groups have a row saying so) and its comments."""
    return _write(
        [
            (
                gettext("report.sheet.survey_results"),
                [
                    _Column(gettext("report.col.group"), TEXT, "group"),
                    _Column(gettext("report.col.question"), LONG, "question"),
                    _Column(gettext("report.col.responses"), NUMBER, "responses"),
                    _Column(gettext("report.col.average"), NUMBER, "average"),
                    _Column(gettext("report.col.spread"), TEXT, "spread"),
                ],
                results,
            ),
            (
                gettext("report.sheet.survey_comments"),
                [
                    _Column(gettext("report.col.group"), TEXT, "group"),
                    _Column(gettext("report.col.comment"), LONG, "comment"),
                ],
                comments,
            ),
        ]
    )
