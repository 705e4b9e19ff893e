"""A local Telegram Bot API server (in memory) and users that talk to the bot through it.

The real bot (aiogram, aiohttp session) points at this server with TELEGRAM_API_URL.
The server keeps what Telegram would: the update queue, the messages of every chat,
callback answers, command lists and files. It is strict where Telegram is strict
(HTML must parse, callback data fits 64 bytes, an edit must change something), so a
bug that Telegram would reject fails the test too.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from typing import Any, Literal

from aiohttp import BodyPartReader, web

ALLOWED_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
    "tg-spoiler", "span", "blockquote", "tg-emoji",
}  # fmt: skip


class ApiError(Exception):
    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


class _HtmlCheck(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            raise ApiError(
                400, f'Bad Request: can\'t parse entities: unsupported start tag "{tag}"'
            )
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            raise ApiError(400, f'Bad Request: can\'t parse entities: unexpected end tag "{tag}"')

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def html_to_text(value: str) -> str:
    """What a Telegram client shows for an HTML-formatted text; raises like Telegram."""
    if re.search(r"<(?![a-zA-Z/])", value):
        raise ApiError(400, "Bad Request: can't parse entities: unescaped <")
    parser = _HtmlCheck()
    parser.feed(value)
    parser.close()
    if parser.stack:
        raise ApiError(400, "Bad Request: can't parse entities: unclosed tag")
    return unescape("".join(parser.text))


@dataclass(frozen=True)
class Fault:
    """What the network does to one call, as seen from the bot:
    - "drop_before": the connection breaks before the server reads the call (nothing done);
    - "drop_after": the call is done (a message sent), then the connection breaks;
    - "stall_after": the call is done, then the answer comes only after `seconds`;
    - "delay": the call waits `seconds` before it is done (a slow server)."""

    kind: Literal["drop_before", "drop_after", "stall_after", "delay"]
    seconds: float = 0.0


@dataclass
class Msg:
    """A message as the user's phone shows it now (edits applied)."""

    raw: dict[str, Any]

    @property
    def id(self) -> int:
        return int(self.raw["message_id"])

    @property
    def text(self) -> str:
        return str(self.raw.get("text") or self.raw.get("caption") or "")

    @property
    def keyboard(self) -> list[list[dict[str, Any]]]:
        markup = self.raw.get("reply_markup") or {}
        return markup.get("inline_keyboard", [])

    @property
    def buttons(self) -> list[str]:
        return [b["text"] for row in self.keyboard for b in row]

    def button(self, text: str) -> dict[str, Any]:
        """The button whose text is `text`, or else the one button that contains it."""
        found = [b for row in self.keyboard for b in row if b["text"] == text]
        if not found:
            found = [b for row in self.keyboard for b in row if text in b["text"]]
        if len(found) != 1:
            raise AssertionError(f"{len(found)} buttons match {text!r} in {self.buttons}")
        return found[0]

    @property
    def document(self) -> dict[str, Any] | None:
        return self.raw.get("document")

    @property
    def photo(self) -> list[dict[str, Any]] | None:
        return self.raw.get("photo")

    def __repr__(self) -> str:
        return f"Msg({self.id}, {self.text[:60]!r}, {self.buttons})"


@dataclass
class Reply:
    """What the bot did in one user's chat while handling one update."""

    messages: list[Msg] = field(default_factory=list)
    edited: list[Msg] = field(default_factory=list)
    alert: str | None = None

    @property
    def text(self) -> str:
        return "\n".join(m.text for m in self.messages + self.edited)

    @property
    def last(self) -> Msg:
        shown = self.messages or self.edited
        if not shown:
            raise AssertionError("the bot showed nothing")
        return shown[-1]


class FakeTelegram:
    def __init__(self, token: str, username: str = "qms_test_bot") -> None:
        self.token = token
        self.bot_id = int(token.split(":")[0])
        self.username = username
        self.updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._file_ids = itertools.count(1)
        self.confirmed = 0  # every update below this id was fetched by the bot
        # Updates the bot reports handled (the harness and the sandbox connect the bot's
        # dispatcher to mark_handled), and how to wait for what they started to settle.
        self.handled: set[int] = set()
        self.delivered: dict[int, dict[str, Any]] = {}  # every update, to deliver one again
        self.settle: Callable[[], Awaitable[None]] | None = None
        self._changed = asyncio.Condition()
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.log: list[tuple[str, int, int]] = []  # (kind, chat_id, message_id) in order
        self.callback_answers: dict[str, dict[str, Any]] = {}
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.files: dict[str, tuple[bytes, str]] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.failures: dict[str, list[ApiError | Fault]] = {}
        # A policy asked about every call (the chaos benchmark): an error, a fault or None.
        self.chaos: Callable[[str], ApiError | Fault | None] | None = None
        self.webhook: dict[str, Any] | None = None
        self._interrupts = 0
        self._output: dict[int, asyncio.Event] = {}
        self.polled = asyncio.Event()  # set once a bot has asked for updates
        # What the sandbox page reads: the bot's original HTML of each message, and a
        # change counter per chat and per message that long polls wait on.
        self.html: dict[tuple[int, int], str] = {}
        self.changes = 0
        self.chat_changed: dict[int, int] = {}
        self.message_changed: dict[tuple[int, int], int] = {}
        self.query_chats: dict[str, int] = {}
        self._tick = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.url = ""

    # -- server ------------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app, shutdown_timeout=0.05)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]  # the one socket, on the port the OS chose
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        await self.interrupt_polls()
        if self._runner:
            await self._runner.cleanup()

    def fail_next(self, method: str, code: int, description: str, retry_after: int | None = None):
        """The next call of `method` gets this Bot API error."""
        parameters = {"retry_after": retry_after} if retry_after is not None else None
        self.failures.setdefault(method, []).append(ApiError(code, description, parameters))

    def fault_next(self, method: str, fault: Fault) -> None:
        """The next call of `method` meets this network fault."""
        self.failures.setdefault(method, []).append(fault)

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        method = request.match_info["method"]
        fault: ApiError | Fault | None = None
        if self.failures.get(method):
            fault = self.failures[method].pop(0)
        elif self.chaos is not None:
            fault = self.chaos(method)
        if isinstance(fault, Fault) and fault.kind == "drop_before":
            assert request.transport is not None
            request.transport.abort()
            return web.Response()
        params = await self._params(request)
        self.calls.append((method, params))
        try:
            if isinstance(fault, ApiError):
                raise fault
            if isinstance(fault, Fault) and fault.kind == "delay":
                await asyncio.sleep(fault.seconds)
            handler = getattr(self, f"api_{method}", None)
            if handler is None:
                raise ApiError(404, f"Not Found: method {method} is not faked")
            result = await handler(params)
            if isinstance(fault, Fault) and fault.kind == "drop_after":
                assert request.transport is not None
                request.transport.abort()
                return web.Response()
            if isinstance(fault, Fault) and fault.kind == "stall_after":
                await asyncio.sleep(fault.seconds)
        except ApiError as error:
            body: dict[str, Any] = {
                "ok": False,
                "error_code": error.code,
                "description": error.description,
            }
            if error.parameters:
                body["parameters"] = error.parameters
            return web.json_response(body, status=error.code)
        return web.json_response({"ok": True, "result": result})

    async def _params(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            return dict(await request.json())
        params: dict[str, Any] = {}
        files: dict[str, tuple[bytes, str]] = {}
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                # aiogram sends a flat form of named fields: no nested multipart, no nameless part
                assert isinstance(part, BodyPartReader) and part.name is not None
                if part.filename:
                    files[part.name] = (await part.read(), part.filename)
                else:
                    params[part.name] = await part.text()
        else:
            params.update(await request.post())
            params.update(request.query)
        for key, value in list(params.items()):
            if isinstance(value, str) and value.startswith("attach://"):
                params[key] = files[value.removeprefix("attach://")]
            elif isinstance(value, str) and value[:1] in "[{":
                params[key] = json.loads(value)
        return params

    async def _download(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["path"]
        for content, file_path in self.files.values():
            if file_path == path:
                return web.Response(body=content)
        raise web.HTTPNotFound()

    # -- Bot API methods ---------------------------------------------------------------
    def _me(self) -> dict[str, Any]:
        return {"id": self.bot_id, "is_bot": True, "first_name": "QMS", "username": self.username}

    async def api_getMe(self, _: dict[str, Any]) -> dict[str, Any]:
        return {**self._me(), "can_join_groups": False, "supports_inline_queries": False}

    async def api_deleteWebhook(self, _: dict[str, Any]) -> bool:
        self.webhook = None
        return True

    async def api_setWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = params
        return True

    async def api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        self.polled.set()
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        async with self._changed:
            if offset:
                self.updates = [u for u in self.updates if u["update_id"] >= offset]
                self.confirmed = max(self.confirmed, offset)
                self._changed.notify_all()
            if not self.updates and timeout:
                try:
                    await asyncio.wait_for(
                        self._changed.wait_for(lambda: bool(self.updates)), timeout
                    )
                except TimeoutError:
                    return []
            return list(self.updates[: int(params.get("limit") or 100)])

    def _new_message_id(self, chat_id: int) -> int:
        counter = self._message_ids.setdefault(chat_id, itertools.count(1))
        return next(counter)

    def _check_markup(self, markup: Any) -> Any:
        if not markup:
            return None
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and len(data.encode()) > 64:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
                if not button.get("text"):
                    raise ApiError(400, "Bad Request: text buttons are unallowed")
        return markup

    def _text(self, params: dict[str, Any], key: str = "text", limit: int = 4096) -> str:
        value = str(params.get(key) or "")
        if params.get("parse_mode") == "HTML":
            value = html_to_text(value)
        if len(value) > limit:
            raise ApiError(400, "Bad Request: message is too long")
        return value

    def _html(self, params: dict[str, Any], key: str = "text") -> str | None:
        """The text as the bot sent it, when it is HTML (the page renders its tags)."""
        if params.get("parse_mode") == "HTML" and params.get(key):
            return str(params[key])
        return None

    def _store(
        self, chat_id: int, message: dict[str, Any], html: str | None = None
    ) -> dict[str, Any]:
        message_id = self._new_message_id(chat_id)
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": self._me(),
            **message,
        }
        self.messages[(chat_id, message_id)] = message
        if html is not None:
            self.html[(chat_id, message_id)] = html
        self._logged("sent", chat_id, message_id)
        return message

    async def api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        text = self._text(params)
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        markup = self._check_markup(params.get("reply_markup"))
        message: dict[str, Any] = {"text": text}
        if markup and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        return self._store(chat_id, message, self._html(params))

    def _existing(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        chat_id = int(params["chat_id"])
        message = self.messages.get((chat_id, int(params["message_id"])))
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        return chat_id, message

    async def api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id, message = self._existing(params)
        text = self._text(params)
        markup = self._check_markup(params.get("reply_markup"))
        if message.get("text") == text and message.get("reply_markup") == markup:
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and "
                "reply markup are exactly the same as a current content and reply markup "
                "of the message",
            )
        message["text"] = text
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        key = (chat_id, message["message_id"])
        if (html := self._html(params)) is not None:
            self.html[key] = html
        else:
            self.html.pop(key, None)
        self._logged("edited", chat_id, message["message_id"])
        return message

    async def api_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id, message = self._existing(params)
        markup = self._check_markup(params.get("reply_markup"))
        if message.get("reply_markup") == markup:
            raise ApiError(400, "Bad Request: message is not modified")
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        self._logged("edited", chat_id, message["message_id"])
        return message

    async def api_deleteMessage(self, params: dict[str, Any]) -> bool:
        chat_id, message = self._existing(params)
        del self.messages[(chat_id, message["message_id"])]
        self.html.pop((chat_id, message["message_id"]), None)
        self._logged("deleted", chat_id, message["message_id"])
        return True

    async def api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        query_id = str(params["callback_query_id"])
        if query_id in self.callback_answers:
            raise ApiError(400, "Bad Request: query is too old and response timeout expired")
        self.callback_answers[query_id] = params
        if query_id in self.query_chats:
            self._touch(self.query_chats[query_id])
        return True

    def _file(self, content: bytes, name: str, kind: str) -> dict[str, Any]:
        number = next(self._file_ids)
        file_id = f"{kind}-{number}"
        self.files[file_id] = (content, f"{kind}s/file_{number}_{name}")
        return {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_size": len(content)}

    def _upload(self, params: dict[str, Any], key: str, kind: str) -> dict[str, Any]:
        value = params[key]
        if isinstance(value, tuple):
            content, name = value
            return self._file(content, name, kind)
        if value not in self.files:
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        return {"file_id": value, "file_unique_id": f"u{value}"}

    async def api_sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        photo = self._upload(params, "photo", "photo")
        message: dict[str, Any] = {"photo": [{**photo, "width": 1280, "height": 720}]}
        if params.get("caption"):
            message["caption"] = self._text(params, "caption", 1024)
        if markup := self._check_markup(params.get("reply_markup")):
            message["reply_markup"] = markup
        return self._store(chat_id, message, self._html(params, "caption"))

    async def api_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        document = self._upload(params, "document", "document")
        value = params["document"]
        if isinstance(value, tuple):
            document["file_name"] = value[1]
        message: dict[str, Any] = {"document": document}
        if params.get("caption"):
            message["caption"] = self._text(params, "caption", 1024)
        if markup := self._check_markup(params.get("reply_markup")):
            message["reply_markup"] = markup
        return self._store(chat_id, message, self._html(params, "caption"))

    async def api_sendMediaGroup(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        chat_id = int(params["chat_id"])
        sent = []
        for item in params["media"]:
            media = item["media"]
            if isinstance(media, str) and media.startswith("attach://"):
                raise ApiError(400, "Bad Request: attach:// media is not faked")
            kind = item["type"]
            entry = {"file_id": media, "file_unique_id": f"u{media}"}
            body: dict[str, Any] = (
                {"photo": [{**entry, "width": 1280, "height": 720}]}
                if kind == "photo"
                else {"document": entry}
            )
            if item.get("caption"):
                body["caption"] = item["caption"]
            sent.append(self._store(chat_id, body, self._html(item, "caption")))
        return sent

    async def api_getFile(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = str(params["file_id"])
        if file_id not in self.files:
            raise ApiError(400, "Bad Request: invalid file_id")
        content, path = self.files[file_id]
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_size": len(content),
            "file_path": path,
        }

    async def api_setMyCommands(self, params: dict[str, Any]) -> bool:
        scope = params.get("scope") or {"type": "default"}
        key = (json.dumps(scope, sort_keys=True), str(params.get("language_code") or ""))
        self.commands[key] = params["commands"]
        return True

    async def api_deleteMyCommands(self, params: dict[str, Any]) -> bool:
        scope = params.get("scope") or {"type": "default"}
        key = (json.dumps(scope, sort_keys=True), str(params.get("language_code") or ""))
        self.commands.pop(key, None)
        return True

    def chat_commands(self, chat_id: int) -> list[str] | None:
        key = (json.dumps({"chat_id": chat_id, "type": "chat"}, sort_keys=True), "")
        found = self.commands.get(key)
        return None if found is None else [c["command"] for c in found]

    def _logged(self, kind: str, chat_id: int, message_id: int) -> None:
        self.log.append((kind, chat_id, message_id))
        self._touch(chat_id, message_id)
        if event := self._output.get(chat_id):
            event.set()

    def _touch(self, chat_id: int, message_id: int | None = None) -> None:
        """Something changed in this chat: wake whoever waits in wait_chat."""
        self.changes += 1
        self.chat_changed[chat_id] = self.changes
        if message_id is not None:
            self.message_changed[(chat_id, message_id)] = self.changes
        self._wake()

    def _wake(self) -> None:
        """Wakes every `_until` waiter to check its condition again."""
        tick, self._tick = self._tick, asyncio.Event()
        tick.set()

    async def _until(self, ready: Callable[[], bool], seconds: float) -> bool:
        """Waits until `ready()` holds, re-checking after every change; False on timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while not ready():
            left = deadline - loop.time()
            if left <= 0:
                return False
            try:
                await asyncio.wait_for(self._tick.wait(), left)
            except TimeoutError:
                return bool(ready())
        return True

    async def wait_chat(self, chat_id: int, after: int, seconds: float) -> int:
        """Waits (at most `seconds`) until the chat changed after change number `after`;
        returns the chat's latest change number."""
        await self._until(lambda: self.chat_changed.get(chat_id, 0) > after, seconds)
        return self.chat_changed.get(chat_id, 0)

    async def wait_answer(self, query_id: str, seconds: float) -> dict[str, Any] | None:
        """The bot's answer to a callback query, once it came (None if it did not)."""
        await self._until(lambda: query_id in self.callback_answers, seconds)
        return self.callback_answers.get(query_id)

    def chat_messages(self, chat_id: int) -> list[dict[str, Any]]:
        """Every message of a private chat, the user's and the bot's, in order."""
        return [m for (chat, _), m in sorted(self.messages.items()) if chat == chat_id]

    def clear_chats(self) -> None:
        """Forgets every chat, pending update, file and command list (the sandbox's
        "reset demo"); change numbers keep growing, so waiting pages see the change."""
        chats = {chat for chat, _ in self.messages} | set(self.chat_changed)
        self.updates.clear()
        self.messages.clear()
        self.html.clear()
        self.message_changed.clear()
        self.files.clear()
        self.commands.clear()
        for chat_id in chats:
            self._touch(chat_id)

    async def wait_output(self, chat_id: int, seconds: float = 30) -> None:
        """Waits until the bot shows something new in this chat (for load tests, where
        the bot handles updates concurrently and confirmation order says nothing)."""
        event = self._output.setdefault(chat_id, asyncio.Event())
        await asyncio.wait_for(event.wait(), seconds)
        event.clear()

    def expect_output(self, chat_id: int) -> None:
        self._output.setdefault(chat_id, asyncio.Event()).clear()

    async def interrupt_polls(self) -> None:
        """Ends waiting long polls at once, so a bot that is stopping need not wait."""
        async with self._changed:
            self._interrupts += 1
            self._changed.notify_all()

    # -- what users do -----------------------------------------------------------------
    async def push(self, update: dict[str, Any]) -> int:
        return (await self.push_many([update]))[0]

    async def push_many(self, updates: list[dict[str, Any]]) -> list[int]:
        """Queues updates together, so one getUpdates answer carries them all (a burst:
        a phone back online, an album)."""
        ids = []
        async with self._changed:
            for update in updates:
                update_id = next(self._update_ids)
                if query := update.get("callback_query"):
                    self.query_chats[str(query["id"])] = int(query["from"]["id"])
                self.updates.append({"update_id": update_id, **update})
                self.delivered[update_id] = self.updates[-1]
                ids.append(update_id)
            self._changed.notify_all()
        return ids

    async def redeliver(self, update_id: int) -> None:
        """Delivers an update again, as Telegram does when the bot died before its offset
        was confirmed, and waits until the bot dealt with it."""
        self.handled.discard(update_id)
        async with self._changed:
            self.updates.append(self.delivered[update_id])
            self._changed.notify_all()
        await self.wait_processed(update_id)

    def mark_handled(self, update_id: int) -> None:
        self.handled.add(update_id)
        self._wake()

    async def wait_processed(self, update_id: int, seconds: float = 15) -> None:
        """Waits until the bot handled the update (it handles updates concurrently, as in
        production) and what it started meanwhile settled (album confirmations, messages
        to other people)."""
        if not await self._until(lambda: update_id in self.handled, seconds):
            raise AssertionError(f"the bot did not handle update {update_id}")
        if self.settle is not None:
            try:
                await asyncio.wait_for(self.settle(), seconds)
            except TimeoutError:
                raise AssertionError(f"update {update_id}: the bot did not settle") from None

    def user_message(self, chat_id: int, sender: dict[str, Any], **body: Any) -> dict[str, Any]:
        message_id = self._new_message_id(chat_id)
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": sender["first_name"]},
            "from": sender,
            **body,
        }
        self.messages[(chat_id, message_id)] = message
        self._touch(chat_id, message_id)
        return message

    def new_file(self, content: bytes, name: str, kind: str) -> dict[str, Any]:
        return self._file(content, name, kind)


class TgUser:
    """A person with a Telegram account, chatting with the bot in private."""

    _callback_ids = itertools.count(1)

    def __init__(
        self,
        api: FakeTelegram,
        tg_id: int,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "ru",
    ) -> None:
        self.api = api
        self.id = tg_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code

    @property
    def sender(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data

    async def _run(self, update: dict[str, Any], callback_id: str | None = None) -> Reply:
        return await self._run_many([update], callback_id)

    async def _run_many(
        self, updates: list[dict[str, Any]], callback_id: str | None = None
    ) -> Reply:
        """Sends updates in one batch and returns what the bot showed in this chat."""
        mark = len(self.api.log)
        for update_id in await self.api.push_many(updates):
            await self.api.wait_processed(update_id)
        reply = Reply()
        seen: set[int] = set()
        for kind, chat_id, message_id in self.api.log[mark:]:
            message = self.api.messages.get((chat_id, message_id))
            if chat_id != self.id or message is None:
                continue
            if kind == "sent":
                reply.messages.append(Msg(message))
                seen.add(message_id)
            elif (
                kind == "edited"
                and message_id not in seen
                and all(m.id != message_id for m in reply.edited)
            ):
                reply.edited.append(Msg(message))
        if callback_id is not None:
            answer = self.api.callback_answers.get(callback_id)
            if answer is None:
                raise AssertionError("the bot did not answer the callback query")
            reply.alert = answer.get("text")
        return reply

    def _text_update(self, text: str) -> dict[str, Any]:
        body: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            length = len(text.split()[0])
            body["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return {"message": self.api.user_message(self.id, self.sender, **body)}

    async def send(self, text: str) -> Reply:
        return await self._run(self._text_update(text))

    async def send_burst(self, *texts: str) -> Reply:
        """Several messages that reach the bot together (typed offline, sent on reconnect)."""
        return await self._run_many([self._text_update(text) for text in texts])

    def _photo_update(
        self, content: bytes, caption: str | None, album: str | None
    ) -> dict[str, Any]:
        photo = self.api.new_file(content, "photo.jpg", "photo")
        body: dict[str, Any] = {"photo": [{**photo, "width": 800, "height": 600}]}
        if caption:
            body["caption"] = caption
        if album:
            body["media_group_id"] = album
        return {"message": self.api.user_message(self.id, self.sender, **body)}

    _albums = itertools.count(1)

    async def send_album(self, count: int, caption: str | None = None) -> Reply:
        """An album of `count` photos, as a phone sends it: one message per photo sharing
        a media_group_id, all in one batch, the caption on the first."""
        group = f"album{self.id}-{next(self._albums)}"
        updates = [
            self._photo_update(f"photo {n}".encode(), caption if n == 0 else None, group)
            for n in range(count)
        ]
        return await self._run_many(updates)

    # -- without waiting for the bot (the sandbox page shows the reply when it comes) --
    async def post_text(self, text: str) -> int:
        """Sends a text message; returns the update id."""
        body: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            length = len(text.split()[0])
            body["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return await self.api.push({"message": self.api.user_message(self.id, self.sender, **body)})

    async def post_file(
        self,
        content: bytes,
        file_name: str,
        mime_type: str = "application/octet-stream",
        caption: str | None = None,
        as_photo: bool = False,
    ) -> int:
        """Sends a photo (as_photo) or a document; returns the update id."""
        body: dict[str, Any]
        if as_photo:
            photo = self.api.new_file(content, file_name, "photo")
            body = {"photo": [{**photo, "width": 800, "height": 600}]}
        else:
            document = self.api.new_file(content, file_name, "document")
            body = {"document": {**document, "file_name": file_name, "mime_type": mime_type}}
        if caption:
            body["caption"] = caption
        return await self.api.push({"message": self.api.user_message(self.id, self.sender, **body)})

    async def post_callback(self, message_id: int, data: str) -> tuple[int, str]:
        """Presses a button of one of this chat's messages; returns the update id and the
        callback query id (its answer appears in api.callback_answers)."""
        message = self.api.messages.get((self.id, message_id))
        if message is None:
            raise ApiError(400, "Bad Request: message not found")
        callback_id = f"s{next(self._callback_ids)}"
        query = {
            "id": callback_id,
            "from": self.sender,
            "chat_instance": f"ci{self.id}",
            "message": message,
            "data": data,
        }
        return await self.api.push({"callback_query": query}), callback_id

    async def send_photo(
        self, content: bytes = b"\x89PNG fake", caption: str | None = None, album: str | None = None
    ) -> Reply:
        return await self._run(self._photo_update(content, caption, album))

    async def send_document(
        self, content: bytes, file_name: str, mime_type: str = "application/octet-stream"
    ) -> Reply:
        document = self.api.new_file(content, file_name, "document")
        body = {"document": {**document, "file_name": file_name, "mime_type": mime_type}}
        message = self.api.user_message(self.id, self.sender, **body)
        return await self._run({"message": message})

    def chat(self) -> list[Msg]:
        """Every message in this chat from the bot, as it looks now."""
        return [
            Msg(m)
            for (chat_id, _), m in sorted(self.api.messages.items())
            if chat_id == self.id and m["from"]["id"] == self.api.bot_id
        ]

    @property
    def last(self) -> Msg:
        messages = self.chat()
        if not messages:
            raise AssertionError("the bot has sent nothing to this user")
        return messages[-1]

    def _with_button(self, text: str) -> Msg:
        for message in reversed(self.chat()):
            if any(text in b for b in message.buttons):
                return message
        raise AssertionError(f"no button {text!r}; last message: {self.chat()[-1:]}")

    async def press(self, text: str, message: Msg | None = None) -> Reply:
        """Press the inline button containing `text` on the newest message that has one."""
        message = message or self._with_button(text)
        data = message.button(text)["callback_data"]
        return await self.press_data(data, message)

    async def press_data(self, data: str, message: Msg | None = None) -> Reply:
        """Send any callback data, as a forged or stale client could."""
        message = message or self.last
        callback_id = str(next(self._callback_ids))
        query = {
            "id": callback_id,
            "from": self.sender,
            "chat_instance": f"ci{self.id}",
            "message": message.raw,
            "data": data,
        }
        return await self._run({"callback_query": query}, callback_id)
