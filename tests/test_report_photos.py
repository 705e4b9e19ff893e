"""Issue 13, item 4: the audit report shows the answers' photos. A teacher answers with a
phone photo; the audit is closed; the auditor's DOCX has its thumbnail, about 4 cm wide,
in a row right under its finding, downscaled so the file stays small; a photo the file
store does not hold is left out without a word."""

from __future__ import annotations

import hashlib
import io
import random

import docx
from docx.shared import Cm
from PIL import Image

from bot.reports.docx import thumbnail
from bot.storage.files import FileStore, store_root
from tests.harness import BotHarness
from tests.test_files import answer_with_photo


def phone_photo(seed: int) -> bytes:
    """A 1600×1200 JPEG with a phone camera's detail (noise does not compress)."""
    rng = random.Random(seed)
    image = Image.frombytes("RGB", (1600, 1200), rng.randbytes(1600 * 1200 * 3))
    output = io.BytesIO()
    image.save(output, "JPEG", quality=92)
    return output.getvalue()


def test_a_thumbnail_is_a_small_jpeg_and_a_non_image_is_none() -> None:
    small = thumbnail(phone_photo(1))
    assert small is not None and len(small) < 60_000
    with Image.open(io.BytesIO(small)) as image:
        assert image.format == "JPEG" and max(image.size) == 320 and image.size[0] > image.size[1]
    assert thumbnail(b"\x89PNG not really") is None


async def test_the_reports_finding_shows_the_answers_photo_from_the_store(
    harness: BotHarness,
) -> None:
    assert harness.app is not None
    dispatcher = harness.app.dispatcher  # ReportService has the store as bot/app.py gives it

    olga, auditor = await answer_with_photo(harness)  # question 2: a first photo
    kept, lost = phone_photo(2), phone_photo(3)
    assert len(kept) > 1_000_000
    await olga.send_photo(kept)
    await olga.send_photo(lost)
    store = FileStore(store_root(harness.database))
    store.path(hashlib.sha256(lost).hexdigest()).unlink()  # gone from the store

    questionnaires, audits = dispatcher["questionnaires"], dispatcher["audits"]
    olga_user = await dispatcher["accounts"].by_tg_id(2001)
    for index, value in ((2, "4"), (3, "По плану"), (4, "3")):
        await questionnaires.answer(olga_user, 1, index, value)
    _, missing = await questionnaires.submit(olga_user, 1)
    assert missing == []
    auditor_user = await dispatcher["accounts"].by_tg_id(3001)
    await audits.close(auditor_user, 1, "Документация ведётся.")

    await auditor.send("/program")
    await auditor.press("A-2026-001")
    mark = len(auditor.chat())
    await auditor.press("Отчёт DOCX")
    document = auditor.chat()[mark:][-1].document
    assert document and document["file_name"] == "A-2026-001-report.docx"
    content, _ = harness.api.files[document["file_id"]]
    report = docx.Document(io.BytesIO(content))

    # Two pictures: the first (a fake PNG the store holds but no one can draw) is left out,
    # the kept photo is in, the lost one is skipped.
    assert len(report.inline_shapes) == 1
    shape = report.inline_shapes[0]
    assert abs(shape.width - Cm(4)) < Cm(0.05) and shape.height < shape.width
    findings = report.tables[0]
    texts = [[c.text for c in row.cells] for row in findings.rows]
    second = next(i for i, row in enumerate(texts) if row[0] == "2")
    photo_row = findings.rows[second + 1]
    assert photo_row._tr.xpath(".//pic:pic"), "the thumbnail sits right under finding 2"
    assert texts[second + 2][0] == "3"
    assert len(content) < 150_000, len(content)  # a 1.3 MB photo, a thumbnail in the file
