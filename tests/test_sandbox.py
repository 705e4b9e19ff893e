"""The sandbox: the demo lyceum it seeds, and the page's JSON API driving the real bot."""

from __future__ import annotations

import asyncio
import io
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import docx
import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient, TestServer

from bot.domain.audits import AuditStatus
from bot.domain.nonconformities import NcFilter, NcStatus, Viewer
from bot.domain.roles import Role
from bot.sandbox.demo import PERSONAS, demo_png, seed
from bot.sandbox.run import DATABASE_FILE, Sandbox, SandboxRefused, main
from bot.sandbox.web import create_web_app
from bot.storage.audits import AuditRepo
from bot.storage.nonconformities import NcRepo

ROOT = Path(__file__).resolve().parent.parent
TEACHER, MANAGER, STRANGER = PERSONAS.teacher.tg_id, PERSONAS.manager.tg_id, PERSONAS.stranger.tg_id
EVERYONE = Viewer(user_id=0, roles=frozenset({Role.MANAGER}), department_id=None)


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder whose `.env` and environment point at a "real" database."""
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    real = cwd / "data" / "qms.sqlite3"
    (cwd / ".env").write_text(f"DATABASE_PATH={real}\nBOT_TOKEN=1:short\n", encoding="utf-8")
    monkeypatch.chdir(cwd)
    monkeypatch.setenv("DATABASE_PATH", str(real))
    monkeypatch.setenv("TELEGRAM_API_URL", "https://api.telegram.org")
    return real


@pytest.fixture
async def sandbox(tmp_path: Path, elsewhere: Path) -> AsyncIterator[Sandbox]:
    running = Sandbox(tmp_path / "sandbox")
    await running.start()
    yield running
    await running.stop()


@pytest.fixture
async def client(sandbox: Sandbox) -> AsyncIterator[TestClient[Any, Any]]:
    async with TestClient(TestServer(create_web_app(sandbox))) as test_client:
        yield test_client


# -- the page's API, as app.js uses it ------------------------------------------------------


async def chat(client: TestClient[Any, Any], tg_id: int) -> dict[str, Any]:
    response = await client.get(f"/api/chat/{tg_id}")
    assert response.status == 200
    return await response.json()


def bot_says(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for m in data["messages"] if not m["out"]]


async def say(client: TestClient[Any, Any], tg_id: int, text: str) -> list[dict[str, Any]]:
    """Sends a text, waits until the bot handled it; returns the bot's new messages."""
    before = {m["id"] for m in (await chat(client, tg_id))["messages"]}
    response = await client.post(f"/api/chat/{tg_id}/send", json={"text": text, "wait": True})
    assert response.status == 200, await response.text()
    return [m for m in bot_says(await chat(client, tg_id)) if m["id"] not in before]


async def press(client: TestClient[Any, Any], tg_id: int, label: str) -> dict[str, Any]:
    """Taps the button containing `label` on the newest message that has one."""
    for message in reversed((await chat(client, tg_id))["messages"]):
        buttons = [b for row in message["keyboard"] for b in row]
        found = [b for b in buttons if b["text"] == label]
        found = found or [b for b in buttons if label in b["text"]]
        if found:
            body = {"message_id": message["id"], "data": found[0]["data"], "wait": True}
            response = await client.post(f"/api/chat/{tg_id}/press", json=body)
            assert response.status == 200, await response.text()
            return await response.json()
    raise AssertionError(f"no button {label!r}")


def exists(path: Path) -> bool:
    return path.exists()


def texts(data: dict[str, Any]) -> str:
    return "\n".join(m["text"] for m in data["messages"])


async def test_demo_lyceum_tells_the_whole_story(sandbox: Sandbox) -> None:
    app = sandbox.app
    assert app is not None
    people = await app.dispatcher["accounts"].active()
    assert len(people) == 15
    assert len(await app.dispatcher["departments"].list()) == 5
    assert {p.language for p in people} == {"ru", "en"}
    roles = {role for p in people for role in p.roles}
    assert roles == set(Role)
    manager = next(p for p in people if p.tg_id == MANAGER)
    assert Role.MANAGER in manager.roles and MANAGER in app.settings.admin_ids

    audits = await app.db.run(lambda c: AuditRepo(c).with_status(tuple(AuditStatus)))
    by_status = {a.status: a for a in audits}
    assert set(by_status) == {AuditStatus.CLOSED, AuditStatus.OPEN, AuditStatus.PLANNED}
    closed = by_status[AuditStatus.CLOSED]
    assert closed.conclusion and closed.results and closed.results["respondents"] == 3
    assert 0 < closed.results["overall"] < 100
    running = by_status[AuditStatus.OPEN]
    today = app.dispatcher["audits"].today()
    assert running.start_date < today < running.deadline
    respondents = await app.dispatcher["audits"].respondents(running.id)
    total = (await app.dispatcher["templates"].checklist(running.template_id)).question_count
    assert any(r.submitted_at for r in respondents)
    assert any(0 < r.answered < total and not r.submitted_at for r in respondents)
    teacher = next(r for r in respondents if r.tg_id == TEACHER)
    assert teacher.answered == 0 and teacher.submitted_at is None
    assert by_status[AuditStatus.PLANNED].start_date > today

    ncs, count = await app.db.run(lambda c: NcRepo(c).page(EVERYONE, NcFilter(), today, 0, 100))
    assert {nc.status for nc in ncs} == set(NcStatus) and count == len(ncs) <= 10
    assert [nc.number for nc in ncs if nc.is_overdue(today)] != []
    cards = await app.dispatcher["objectives"].cards()  # issue 15: objectives, a past review
    assert len(cards) == 2 and all(card.series for card in cards)
    (review,) = await app.dispatcher["reviews"].list()
    assert review.status.value == "approved" and review.period_end < today
    assert len(await app.dispatcher["reviews"].decisions(review.id)) == 2
    from bot.views.reports import gettext

    with app.i18n.context(), app.i18n.use_locale("ru"):  # a pack of this year's demo data
        pack = await app.dispatcher["reviews"].pack(review.id, gettext)
    document = docx.Document(io.BytesIO(pack))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings[0].startswith("а) ") and headings[-2].startswith("е) ")
    cells = {c.text for t in document.tables for row in t.rows for c in row.cells}
    assert "Результативная система менеджмента качества" in cells
    with pytest.raises(RuntimeError):
        await seed(app)  # never over existing data


async def test_the_page_plays_people_against_the_real_bot(
    client: TestClient[Any, Any], sandbox: Sandbox, elsewhere: Path
) -> None:
    page = await client.get("/")
    assert page.status == 200 and "/static/app.js" in await page.text()
    for asset in ("app.js", "style.css"):
        assert (await client.get(f"/static/{asset}")).status == 200
    assert (await client.get("/api/chat/12345")).status == 404

    response = await client.get("/api/personas")
    listed = {p["key"]: p for p in (await response.json())["personas"]}
    assert list(listed) == [
        "manager", "head", "teacher", "teacher_en", "auditor", "director", "stranger",
    ]  # fmt: skip
    assert listed["director"]["roles"] == ["наблюдатель (руководство)"]
    assert listed["director"]["role_keys"] == ["observer"]  # the chip's short role on a phone
    assert listed["manager"]["roles"] == ["менеджер по качеству"]
    assert listed["teacher_en"]["language"] == "en" and listed["teacher_en"]["roles"] == ["teacher"]
    assert listed["head"]["department"] == "МО учителей математики"
    assert not listed["stranger"]["registered"] and listed["stranger"]["roles"] == []

    # The teacher finds the notice of the open audit, then lists her questionnaires.
    start = await chat(client, TEACHER)
    assert "Начался аудит" in texts(start) and "<b>Начался аудит" in start["messages"][0]["html"]
    assert any(c["command"] == "audits" for c in start["commands"])
    replies = await say(client, TEACHER, "/audits")
    assert "Ваши анкеты" in replies[-1]["text"] and "отвечено 0/19" in replies[-1]["text"]

    # A button: the bot edits the notice into the first question, in place.
    notice = start["messages"][0]
    result = await press(client, TEACHER, "Начать анкету")
    assert result["answer"] == {"text": "", "show_alert": False}
    edited = next(m for m in (await chat(client, TEACHER))["messages"] if m["id"] == notice["id"])
    assert "вопрос 1/19" in edited["text"] and edited["rev"] > notice["rev"]
    await press(client, TEACHER, "Да")
    assert "вопрос 2/19" in texts(await chat(client, TEACHER))
    result = await press(client, TEACHER, "Пропустить")
    assert "вопрос 3/19" in texts(await chat(client, TEACHER))

    # A photo as evidence: it is shown in the chat and can be downloaded again.
    await press(client, TEACHER, "Назад")
    await press(client, TEACHER, "Назад")
    assert "вопрос 1/19" in texts(await chat(client, TEACHER))
    await press(client, TEACHER, "Фото/файл")
    picture = demo_png(40, 30)
    response = await client.post(
        f"/api/chat/{TEACHER}/upload?wait=1", data=upload(picture, "board.png", "image/png")
    )
    assert response.status == 200, await response.text()
    data = await chat(client, TEACHER)
    photo = data["messages"][-2]
    assert photo["out"] and photo["photo"] and "Доказательств: 1" in data["messages"][-1]["text"]
    download = await client.get(photo["photo"]["url"])
    assert download.content_type == "image/png" and await download.read() == picture
    response = await client.post(
        f"/api/chat/{TEACHER}/upload?wait=1",
        data=upload(b"%PDF-1.4 plan", "plan.pdf", "application/pdf"),
    )
    assert response.status == 200
    data = await chat(client, TEACHER)
    assert "Доказательств: 2" in data["messages"][-1]["text"]
    document = [m for m in data["messages"] if m["out"]][-1]["document"]
    assert document["name"] == "plan.pdf"
    download = await client.get(document["url"])
    assert "attachment" in download.headers["Content-Disposition"]
    assert await download.read() == b"%PDF-1.4 plan"

    # The manager's register shows every status, and the overdue action.
    replies = await say(client, MANAGER, "/ncr")
    register = replies[-1]["text"]
    for status in ("новое", "назначено", "запланировано", "выполнено", "проверено", "закрыто",
                   "отклонено", "просрочено"):  # fmt: skip
        assert status in register, status
    assert "(найдено: 10)" in register

    # A long poll returns as soon as the bot answers; the stranger is told to get an invite.
    quiet = await chat(client, STRANGER)
    assert quiet["messages"] == []
    polling = asyncio.create_task(client.get(f"/api/chat/{STRANGER}?after={quiet['revision']}"))
    await asyncio.sleep(0.2)
    assert not polling.done()
    await client.post(f"/api/chat/{STRANGER}/send", json={"text": "/start"})
    woke = await (await asyncio.wait_for(polling, 10)).json()
    assert woke["revision"] > quiet["revision"] and woke["messages"][0]["text"] == "/start"
    for _ in range(50):
        if "ссылку-приглашение" in texts(await chat(client, STRANGER)):
            break
        await asyncio.sleep(0.1)
    assert "ссылку-приглашение" in texts(await chat(client, STRANGER))

    # The real database was never created; the sandbox wrote only into its own folder.
    assert not exists(elsewhere) and not exists(elsewhere.parent)
    assert sandbox.app is not None
    assert sandbox.app.settings.database_path == sandbox.data_dir / DATABASE_FILE
    assert sandbox.app.settings.telegram_api_url == sandbox.api.url


def upload(content: bytes, name: str, kind: str) -> FormData:
    """What the page's file input sends."""
    form = FormData()
    form.add_field("file", content, filename=name, content_type=kind)
    return form


async def test_reset_brings_the_demo_back(client: TestClient[Any, Any], sandbox: Sandbox) -> None:
    await say(client, TEACHER, "/audits")
    await press(client, TEACHER, "Начать анкету")
    await press(client, TEACHER, "Да")
    await say(client, MANAGER, "/ncr")
    await press(client, MANAGER, "NC-")  # opens a card
    before = await chat(client, TEACHER)
    assert exists(sandbox.database)

    response = await client.post("/api/reset")
    assert response.status == 200
    after = await chat(client, TEACHER)
    assert after["revision"] > before["revision"]
    assert len(after["messages"]) == 1 and "Начался аудит" in after["messages"][0]["text"]
    replies = await say(client, TEACHER, "/audits")
    assert "отвечено 0/19" in replies[-1]["text"]
    replies = await say(client, MANAGER, "/ncr")
    assert "(найдено: 10)" in replies[-1]["text"]
    assert exists(sandbox.database)


def test_the_sandbox_never_takes_a_real_database(
    tmp_path: Path,
    elsewhere: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--data", "data"])  # the real bot's default folder
    assert stopped.value.code == 2 and "real bot's database" in capsys.readouterr().err
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "prod" / DATABASE_FILE))
    with pytest.raises(SandboxRefused):
        Sandbox(tmp_path / "prod").claim_folder()
    foreign = tmp_path / "old"
    foreign.mkdir()
    (foreign / DATABASE_FILE).write_bytes(b"not the sandbox's")
    with pytest.raises(SandboxRefused, match="not made by the sandbox"):
        Sandbox(foreign).claim_folder()
    assert not elsewhere.parent.exists() and not (tmp_path / "prod").exists()
    ours = Sandbox(tmp_path / "ours")
    ours.claim_folder()
    (ours.database).write_bytes(b"")
    ours.claim_folder()  # its own folder, again: fine


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.timeout(90)
@pytest.mark.slow  # a real sandbox process
def test_one_command_starts_the_sandbox_and_ctrl_c_stops_it(tmp_path: Path) -> None:
    port = _free_port()
    data = tmp_path / "sandbox"
    began = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "sandbox",
         "--port", str(port), "--data", str(data)],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        started = time.monotonic() - began
        assert re.fullmatch(
            rf"Sandbox: open http://127\.0\.0\.1:{port} \(Ctrl\+C to stop\)\n", line
        )
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/personas", timeout=10) as got:
            assert b"teacher_en" in got.read()
        assert (data / DATABASE_FILE).exists() and not (tmp_path / "data" / "qms.sqlite3").exists()
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert out == "Sandbox stopped.\n" and "Traceback" not in err, err
    assert started < 60


async def test_the_director_persona_reads_the_closed_audit(
    client: TestClient[Any, Any], sandbox: Sandbox
) -> None:
    assert sandbox.app is not None and PERSONAS.director is not None
    director = PERSONAS.director.tg_id
    audits = await sandbox.app.db.run(lambda c: AuditRepo(c).with_status((AuditStatus.CLOSED,)))
    number = audits[0].number
    await say(client, director, "/program")
    await press(client, director, number)
    card = bot_says(await chat(client, director))[-1]
    assert "Ознакомление с результатами" in card["text"]  # told on closing: the director too
    labels = [b["text"] for row in card["keyboard"] for b in row]
    assert any("Отчёт DOCX" in label for label in labels)
    assert not any("Заключение" in label or "несоответствия" in label for label in labels)
