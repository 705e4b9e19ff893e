"""The HTTP session to the Bot API, with two fixes for speed measured under load
(bench/questionnaire.py); behaviour is aiogram's own.

1. aiogram parses every answer as `Response[<result type>]`, a pydantic generic class
   built on first use and kept in pydantic's *weak* cache: once the garbage collector
   drops it, the next call builds it again (~30 ms). Each class is held here for good.
2. aiogram posts every call as a form; without files aiohttp url-encodes it, quoting
   every byte of the (Cyrillic, HTML) text and the keyboard's JSON in Python — the
   single largest cost per screen. The Bot API accepts JSON bodies, so calls without
   files are sent as JSON; calls with files keep aiogram's multipart form.
"""

from __future__ import annotations

from typing import Any, cast

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiohttp import ClientError

_RESPONSE_TYPES: dict[Any, type] = {}
_JSON = {"Content-Type": "application/json"}


class BotSession(AiohttpSession):
    def check_response(
        self, bot: Bot, method: TelegramMethod[Any], status_code: int, content: str
    ) -> Response[Any]:
        returning = method.__returning__
        if returning not in _RESPONSE_TYPES:
            _RESPONSE_TYPES[returning] = Response[returning]  # type: ignore[valid-type]
        return super().check_response(bot, method, status_code, content)

    def build_json(self, bot: Bot, method: TelegramMethod[Any]) -> tuple[dict[str, Any], bool]:
        """The call's fields as one JSON object, and whether it carries files."""
        files: dict[str, Any] = {}
        body = {}
        for key, value in method.model_dump(warnings=False).items():
            prepared = self.prepare_value(value, bot=bot, files=files, _dumps_json=False)
            if prepared is not None:
                body[key] = prepared
        return body, bool(files)

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 - aiogram's signature
    ) -> TelegramType:
        body, has_files = self.build_json(bot, method)
        if has_files:
            return await super().make_request(bot, method, timeout)
        session = await self.create_session()
        url = self.api.api_url(token=bot.token, method=method.__api_method__)
        try:
            async with session.post(
                url,
                data=self.json_dumps(body),
                headers=_JSON,
                timeout=self.timeout if timeout is None else timeout,
            ) as resp:
                raw_result = await resp.text()
        except TimeoutError as error:
            raise TelegramNetworkError(method=method, message="Request timeout error") from error
        except ClientError as error:
            message = f"{type(error).__name__}: {error}"
            raise TelegramNetworkError(method=method, message=message) from error
        response = self.check_response(
            bot=bot, method=method, status_code=resp.status, content=raw_result
        )
        return cast(TelegramType, response.result)
