"""The HTTP session to the Bot API: aiogram's aiohttp session with three changes.

1. A failed call says whether the request can have reached Telegram. A refused or timed-out
   *connection* proves it did not (`RequestNotSent`); a reset or a timeout after the request
   went out is ambiguous (plain `TelegramNetworkError`): Telegram may have sent the message.
   The outbound path (bot/outbound.py) retries the first and never blindly repeats a send
   after the second.
2. aiogram parses every answer as `Response[<result type>]`, a pydantic generic class built
   on first use and kept in pydantic's *weak* cache: once the garbage collector drops it,
   the next call builds it again (~30 ms). Each class is held here for good.
3. Calls without files are posted as JSON: aiohttp would url-encode a form byte by byte in
   Python (the Cyrillic, HTML text and the keyboard's JSON), the largest cost per screen in
   bench/questionnaire.py. Calls with files keep aiogram's multipart form.
4. Closing does not wait for SSL connections that a plain-HTTP server never opened.
"""

from __future__ import annotations

from typing import Any, cast

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiohttp import (
    ClientConnectorError,
    ClientError,
    ClientTimeout,
    ConnectionTimeoutError,
    FormData,
)

_RESPONSE_TYPES: dict[Any, type] = {}
_JSON = {"Content-Type": "application/json"}
CONNECT_TIMEOUT = 10.0


class RequestNotSent(TelegramNetworkError):
    """The connection to the Bot API was never made: the request did not reach it."""


class BotSession(AiohttpSession):
    async def close(self) -> None:
        """aiogram waits 250 ms after closing for SSL connections to shut down gracefully;
        a plain-HTTP Bot API server (a local one, the sandbox's) has none to wait for."""
        if self.api.base.startswith("https://"):
            await super().close()
        elif self._session is not None and not self._session.closed:
            await self._session.close()

    def check_response(
        self, bot: Bot, method: TelegramMethod[Any], status_code: int, content: str
    ) -> Response[Any]:
        returning = method.__returning__
        if returning not in _RESPONSE_TYPES:
            _RESPONSE_TYPES[returning] = Response[returning]  # type: ignore[valid-type]  # a runtime type
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
        data: FormData | str
        headers: dict[str, str] | None
        if has_files:
            data, headers = self.build_form_data(bot=bot, method=method), None
        else:
            data, headers = self.json_dumps(body), _JSON
        total = float(self.timeout if timeout is None else timeout)
        limits = ClientTimeout(total=total, sock_connect=min(CONNECT_TIMEOUT, total))
        session = await self.create_session()
        url = self.api.api_url(token=bot.token, method=method.__api_method__)
        try:
            async with session.post(url, data=data, headers=headers, timeout=limits) as resp:
                raw_result = await resp.text()
        except (ClientConnectorError, ConnectionTimeoutError) as error:
            message = f"{type(error).__name__}: {error}"
            raise RequestNotSent(method=method, message=message) from error
        except TimeoutError as error:
            raise TelegramNetworkError(method=method, message="Request timeout error") from error
        except ClientError as error:
            message = f"{type(error).__name__}: {error}"
            raise TelegramNetworkError(method=method, message=message) from error
        response = self.check_response(
            bot=bot, method=method, status_code=resp.status, content=raw_result
        )
        return cast(TelegramType, response.result)
