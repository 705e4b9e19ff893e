"""The sandbox page and its JSON API (aiohttp), over the local Telegram server.

    GET  /                                the chat page (bot/sandbox/static)
    GET  /api/personas                    who the page can be, with roles and language
    GET  /api/chat/{tg_id}?after=N        the chat; waits up to 25 s for a change after N
    POST /api/chat/{tg_id}/send           {"text": "..."}: the person writes
    POST /api/chat/{tg_id}/press          {"message_id": 1, "data": "..."}: taps a button
    POST /api/chat/{tg_id}/upload         multipart "file" (+ "caption"): a photo or a file
    GET  /api/file/{file_id}[?download=1] a photo or document from the chat
    POST /api/reset                       the demo again, from scratch

`send` and `upload` answer at once; with {"wait": true} (or ?wait=1) they answer once the
bot has handled the message. `press` answers with the bot's callback answer (a toast or
an alert), or null when the bot gave none within 10 seconds; with "wait", once the bot
has also finished handling the tap.
"""

from __future__ import annotations

import json
import mimetypes
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.domain.language import pick_language
from bot.domain.roles import ALL_ROLES
from bot.sandbox.botapi import ApiError

if TYPE_CHECKING:
    from bot.sandbox.demo import Persona
    from bot.sandbox.run import Sandbox

STATIC = Path(__file__).resolve().parent / "static"
LONG_POLL = 25.0
ANSWER_WAIT = 10.0
HANDLED_WAIT = 30.0
SANDBOX: web.AppKey[Sandbox] = web.AppKey("sandbox")


def _sandbox(request: web.Request) -> Sandbox:
    return request.app[SANDBOX]


def _persona(request: web.Request) -> Persona:
    try:
        tg_id = int(request.match_info["tg_id"])
    except ValueError:
        raise web.HTTPNotFound() from None
    persona = _sandbox(request).personas.by_tg_id(tg_id)
    if persona is None:
        raise web.HTTPNotFound(text="no such persona")
    return persona


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"ok": False, "error": message}, status=status)


# -- reading ------------------------------------------------------------------------------


async def personas(request: web.Request) -> web.Response:
    sandbox = _sandbox(request)
    app = sandbox.app
    if app is None:
        return _error(503, "the sandbox is restarting")
    accounts = app.dispatcher["accounts"]
    default = app.settings.default_language
    found = []
    for persona in sandbox.personas.all:
        user = await accounts.by_tg_id(persona.tg_id)
        registered = user is not None and user.is_active
        language = pick_language(user.language if user else None, persona.language_code, default)
        roles = (
            [
                app.i18n.gettext(f"role.{role.value}", locale=language)
                for role in ALL_ROLES
                if role in user.roles
            ]
            if user is not None and registered
            else []
        )
        found.append(
            {
                "tg_id": persona.tg_id,
                "key": persona.key,
                "name": user.full_name if user is not None else persona.full_name,
                "first_name": persona.first_name,
                "last_name": persona.last_name,
                "username": persona.username,
                "language": language,
                "registered": registered,
                "roles": roles,
                "role_keys": [
                    r.value for r in ALL_ROLES if registered and user and r in user.roles
                ],
                "department": user.department_name if user is not None else None,
            }
        )
    api = sandbox.api
    return web.json_response({"personas": found, "bot": {"name": "QMS", "username": api.username}})


def _keyboard(raw: dict[str, Any]) -> list[list[dict[str, str]]]:
    rows = []
    for row in (raw.get("reply_markup") or {}).get("inline_keyboard", []):
        buttons = []
        for button in row:
            shown = {"text": str(button.get("text", ""))}
            if button.get("callback_data") is not None:
                shown["data"] = str(button["callback_data"])
            elif button.get("url"):
                shown["url"] = str(button["url"])
            buttons.append(shown)
        rows.append(buttons)
    return rows


def _message(sandbox: Sandbox, chat_id: int, raw: dict[str, Any]) -> dict[str, Any]:
    api = sandbox.api
    key = (chat_id, int(raw["message_id"]))
    view: dict[str, Any] = {
        "id": key[1],
        "rev": api.message_changed.get(key, 0),
        "out": raw.get("from", {}).get("id") != api.bot_id,
        "date": raw.get("date"),
        "text": str(raw.get("text") or raw.get("caption") or ""),
        "html": api.html.get(key),
        "keyboard": _keyboard(raw),
    }
    if raw.get("photo"):
        file_id = raw["photo"][-1]["file_id"]
        view["photo"] = {"file_id": file_id, "url": f"/api/file/{file_id}"}
    if raw.get("document"):
        document = raw["document"]
        file_id = document["file_id"]
        stored = api.files.get(file_id)
        view["document"] = {
            "file_id": file_id,
            "name": document.get("file_name") or (_original_name(stored[1]) if stored else ""),
            "size": len(stored[0]) if stored else document.get("file_size"),
            "url": f"/api/file/{file_id}?download=1",
        }
    return view


def _commands(sandbox: Sandbox, persona: Persona, language: str) -> list[dict[str, str]]:
    """The command menu Telegram would show this person: his chat's, else the default
    scope's in his language."""
    commands = sandbox.api.commands
    chat = json.dumps({"chat_id": persona.tg_id, "type": "chat"}, sort_keys=True)
    default = json.dumps({"type": "default"}, sort_keys=True)
    for key in ((chat, language), (chat, ""), (default, language), (default, "")):
        if key in commands:
            return [
                {"command": str(c["command"]), "description": str(c.get("description", ""))}
                for c in commands[key]
            ]
    return []


async def chat(request: web.Request) -> web.Response:
    sandbox = _sandbox(request)
    persona = _persona(request)
    try:
        after = int(request.query.get("after", "-1"))
        wait = min(LONG_POLL, max(0.0, float(request.query.get("wait", LONG_POLL))))
    except ValueError:
        return _error(400, "after and wait are numbers")
    api = sandbox.api
    if after >= 0:
        await api.wait_chat(persona.tg_id, after, wait)
    revision = api.chat_changed.get(persona.tg_id, 0)
    language = persona.language_code
    if sandbox.app is not None:
        user = await sandbox.app.dispatcher["accounts"].by_tg_id(persona.tg_id)
        language = pick_language(
            user.language if user else None,
            persona.language_code,
            sandbox.app.settings.default_language,
        )
    messages = [_message(sandbox, persona.tg_id, m) for m in api.chat_messages(persona.tg_id)]
    return web.json_response(
        {
            "revision": revision,
            "language": language,
            "messages": messages,
            "commands": _commands(sandbox, persona, language),
        }
    )


async def file(request: web.Request) -> web.StreamResponse:
    stored = _sandbox(request).api.files.get(request.match_info["file_id"])
    if stored is None:
        raise web.HTTPNotFound()
    content, path = stored
    original = _original_name(path)
    kind = mimetypes.guess_type(original)[0] or "application/octet-stream"
    headers = {"Cache-Control": "private, max-age=3600"}
    if request.query.get("download"):
        headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(original)}"
    return web.Response(body=content, content_type=kind, headers=headers)


def _original_name(path: str) -> str:
    """The local server stores files as <kind>s/file_<n>_<name>; people see <name>."""
    name = path.rsplit("/", 1)[-1]
    parts = name.split("_", 2)
    return parts[2] if len(parts) == 3 and parts[0] == "file" and parts[1].isdigit() else name


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


# -- acting -------------------------------------------------------------------------------


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise web.HTTPBadRequest(text="expected a JSON body") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="expected a JSON object")
    return body


def _wants_wait(request: web.Request, body: dict[str, Any] | None = None) -> bool:
    return bool((body or {}).get("wait")) or request.query.get("wait") in ("1", "true")


async def _settled(sandbox: Sandbox, update_id: int, wait: bool) -> web.Response:
    if wait:
        try:
            await sandbox.api.wait_processed(update_id, HANDLED_WAIT)
        except AssertionError:
            return _error(504, "the bot did not handle the update in time")
    return web.json_response({"ok": True, "update_id": update_id})


async def send(request: web.Request) -> web.Response:
    sandbox = _sandbox(request)
    persona = _persona(request)
    body = await _body(request)
    text = str(body.get("text") or "").strip()
    if not text:
        return _error(400, "the text is empty")
    if len(text) > 4096:
        return _error(400, "the text is longer than 4096 characters")
    update_id = await sandbox.user(persona).post_text(text)
    return await _settled(sandbox, update_id, _wants_wait(request, body))


async def press(request: web.Request) -> web.Response:
    sandbox = _sandbox(request)
    persona = _persona(request)
    body = await _body(request)
    try:
        message_id = int(body["message_id"])
        data = str(body["data"])
    except (KeyError, TypeError, ValueError):
        return _error(400, "expected message_id and data")
    try:
        update_id, query_id = await sandbox.user(persona).post_callback(message_id, data)
    except ApiError as error:
        return _error(404, error.description)
    answer = await sandbox.api.wait_answer(query_id, ANSWER_WAIT)
    if _wants_wait(request, body):
        settled = await _settled(sandbox, update_id, True)
        if settled.status != 200:
            return settled
    shown = None
    if answer is not None:
        shown = {"text": answer.get("text") or "", "show_alert": bool(answer.get("show_alert"))}
    return web.json_response({"ok": True, "update_id": update_id, "answer": shown})


async def upload(request: web.Request) -> web.Response:
    sandbox = _sandbox(request)
    persona = _persona(request)
    if not request.content_type.startswith("multipart/"):
        return _error(400, "expected multipart/form-data with a file")
    form = await request.post()
    field = form.get("file")
    if not isinstance(field, web.FileField):
        return _error(400, "no file")
    content = field.file.read()
    if not content:
        return _error(400, "the file is empty")
    name = Path(field.filename or "file").name or "file"
    kind = field.content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
    as_document = str(form.get("as_document") or "") in ("1", "true")
    as_photo = kind in ("image/jpeg", "image/png", "image/webp", "image/gif") and not as_document
    caption = str(form.get("caption") or "").strip() or None
    update_id = await sandbox.user(persona).post_file(
        content, name, kind, caption=caption, as_photo=as_photo
    )
    return await _settled(sandbox, update_id, _wants_wait(request))


async def reset(request: web.Request) -> web.Response:
    await _sandbox(request).reset()
    return web.json_response({"ok": True})


# -- the page -----------------------------------------------------------------------------


async def index(_: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})


def create_web_app(sandbox: Sandbox) -> web.Application:
    app = web.Application(client_max_size=25 * 1024 * 1024)
    app[SANDBOX] = sandbox
    app.router.add_get("/", index)
    app.router.add_get("/api/personas", personas)
    app.router.add_get("/api/chat/{tg_id}", chat)
    app.router.add_post("/api/chat/{tg_id}/send", send)
    app.router.add_post("/api/chat/{tg_id}/press", press)
    app.router.add_post("/api/chat/{tg_id}/upload", upload)
    app.router.add_get("/api/file/{file_id}", file)
    app.router.add_post("/api/reset", reset)
    app.router.add_static("/static/", STATIC, append_version=False)
    return app
