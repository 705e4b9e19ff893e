"""Records the school owns: every file the bot receives is kept once in its own store,
named by its hash; a bot started with a new token (whose Telegram knows none of the old
file ids) still sends an old answer's photo back from the store; a file over FILE_MAX_MB
is refused in the sender's language; a backup archive holds the files and restores them
on a clean machine; `check` reports a missing or damaged file."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from bot.domain.roles import Role
from bot.storage.backup import file_problems, nightly, problems_with, restore
from bot.storage.files import FileStore, store_root
from tests.fakeapi import FakeTelegram, TgUser
from tests.flows import department, open_audit, person
from tests.harness import BotHarness
from tests.postgres import sqlite_only

MINI = (Path(__file__).parent / "data" / "mini_checklist.yaml").read_bytes()
NEW_TOKEN = "987654321:AAHanotherTokenForTestsOnly_abcdefgh"
PHOTO = b"\x89PNG the journal page, photographed"


async def answer_with_photo(harness: BotHarness) -> tuple[TgUser, TgUser]:
    """Olga answers question 2 of an audit with a photo; returns Olga and the auditor."""
    assert harness.app is not None
    dept = await department(harness, "МО начальных классов")
    council = await department(harness, "Методический совет")
    auditor, auditor_user = await person(harness, 3001, "Светлана", {Role.AUDITOR}, council)
    olga, olga_user = await person(harness, 2001, "Ольга", {Role.TEACHER}, dept)
    await open_audit(harness, MINI, auditor_user, [olga_user], dept)
    await harness.app.sweeper.run_once()
    await harness.app.idle()
    await olga.press("Начать анкету")
    await olga.press("Да")
    await olga.press("Нет")
    await olga.press("Фото/файл")
    reply = await olga.send_photo(PHOTO)
    assert "Сохранено к вопросу 2" in reply.text
    return olga, auditor


async def test_a_new_token_still_sends_an_old_answers_photo(
    harness: BotHarness, telegram: FakeTelegram
) -> None:
    await answer_with_photo(harness)
    sha256 = hashlib.sha256(PHOTO).hexdigest()
    store = FileStore(store_root(harness.database))
    assert store.get(sha256) == PHOTO  # downloaded once, named by its hash

    # The token is revoked and a new one issued: its Telegram has none of the old file ids.
    await harness.stop()
    # Days later (the handled-update log forgets after a day; the new bot's update ids
    # start again from 1).
    harness.clock.set(datetime(2026, 11, 28, 9, tzinfo=UTC))
    fresh = FakeTelegram(NEW_TOKEN)
    await fresh.start()
    try:
        harness.api = fresh
        harness.overrides["bot_token"] = NEW_TOKEN
        await harness.start()
        auditor = harness.user(3001, "Светлана")
        await auditor.send("/audits")
        await auditor.press("A-2026-001")
        await auditor.press("Ответы по вопросам")
        mark = len(auditor.chat())
        await auditor.press("📎 2")
        sent = [m for m in auditor.chat()[mark:] if m.photo]
        assert len(sent) == 1 and "Вопрос 2 — Ольга" in sent[0].text
        content, _ = fresh.files[sent[0].photo[-1]["file_id"]]
        assert content == PHOTO
        await harness.stop()
    finally:
        await fresh.stop()
        harness.api = telegram


async def test_a_file_over_the_limit_is_refused_and_nothing_is_lost(
    harness: BotHarness, manager: TgUser
) -> None:
    harness.overrides["file_max_mb"] = 1
    await harness.restart()
    await manager.send("/docs")
    await manager.press("➕ Новый документ")
    await manager.send("Ф-03")
    await manager.send("Форма заявления")
    await manager.press("форма")
    reply = await manager.send_document(b"x" * (1024 * 1024 + 1), "big.pdf")
    assert "Файл слишком большой: не больше 1 МБ" in reply.text
    reply = await manager.send_document(b"small", "small.pdf")
    assert "Ф-03, версия 1 — черновик" in reply.text  # the wizard's answers were kept

    john, _ = await person(harness, 2005, "John Smith", {Role.TEACHER}, None, language="en")
    await john.send("/competence")
    await john.press("📎 Add a certificate")
    await john.press("First aid training")
    reply = await john.send_document(b"y" * (1024 * 1024 + 5), "scan.pdf")
    assert "The file is too large: at most 1 MB" in reply.text


@sqlite_only("the nightly archive is of the SQLite file")
async def test_a_backup_restored_on_a_clean_machine_holds_every_file(
    harness: BotHarness, tmp_path: Path
) -> None:
    await answer_with_photo(harness)
    assert harness.app is not None
    sha256 = hashlib.sha256(PHOTO).hexdigest()
    archive = nightly(harness.database, tmp_path / "backups", datetime(2026, 11, 26, 3), 3)
    assert archive.name == "qms-20261126-030000.tar"
    assert problems_with(archive) == []

    clean = tmp_path / "clean" / "qms.sqlite3"  # another machine: no database, no files
    restore(archive, clean)
    assert FileStore(store_root(clean)).get(sha256) == PHOTO
    with sqlite3.connect(clean) as connection:
        evidence = connection.execute("SELECT evidence FROM answers").fetchall()
    assert any(sha256 in row[0] for row in evidence)
    assert file_problems(clean) == []

    # `check` names a damaged file and a missing one.
    path = FileStore(store_root(clean)).path(sha256)
    path.write_bytes(b"overwritten")
    assert file_problems(clean) == [f"Stored file {sha256}: corrupt ({path})"]
    path.unlink()
    assert file_problems(clean) == [f"Stored file {sha256}: missing ({path})"]
    shutil.rmtree(store_root(clean))


@sqlite_only("makes the older database by editing the SQLite file with sqlite3")
async def test_evidence_kept_before_the_store_is_fetched_at_start(harness: BotHarness) -> None:
    await answer_with_photo(harness)
    assert harness.app is not None
    sha256 = hashlib.sha256(PHOTO).hexdigest()
    await harness.stop()
    # As a database from before the store: the answer knows the file id only.
    shutil.rmtree(store_root(harness.database))
    with sqlite3.connect(harness.database) as connection:
        connection.execute("DELETE FROM stored_files")
        rows = connection.execute("SELECT id, evidence FROM answers").fetchall()
        for row_id, evidence in rows:
            items = json.loads(evidence)
            for item in items:
                item.pop("sha256", None)
            if items:  # and one Telegram no longer has
                items.append({"file_id": "gone-1", "kind": "photo", "group": None})
            connection.execute(
                "UPDATE answers SET evidence = ? WHERE id = ?", (json.dumps(items), row_id)
            )
    assert FileStore(store_root(harness.database)).get(sha256) is None
    app = await harness.start()
    await app.idle()  # the start-up pass runs in the background
    assert FileStore(store_root(harness.database)).get(sha256) == PHOTO
    with sqlite3.connect(harness.database) as connection:
        kept = [json.loads(row[0]) for row in connection.execute("SELECT evidence FROM answers")]
    items = [item for evidence in kept for item in evidence]
    assert [i.get("sha256") for i in items if i["file_id"] != "gone-1"] == [sha256]
    assert [i.get("unavailable") for i in items if i["file_id"] == "gone-1"] == [True]

    def asked(file_id: str) -> int:
        return sum(1 for m, p in harness.api.calls if m == "getFile" and p["file_id"] == file_id)

    assert asked("gone-1") == 1
    app = await harness.restart()
    await app.idle()
    assert asked("gone-1") == 1  # not asked again at every start
