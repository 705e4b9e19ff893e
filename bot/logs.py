"""Logging: plain text, or one JSON object per line (LOG_FORMAT=json) carrying the update id
and the user id. Message texts are never logged, and the bot token is masked wherever it
might appear."""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime

update_id: ContextVar[int | None] = ContextVar("update_id", default=None)
user_id: ContextVar[int | None] = ContextVar("user_id", default=None)


class ContextFilter(logging.Filter):
    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        record.update_id = update_id.get()
        record.user_id = user_id.get()
        if self.secret:
            message = record.getMessage()
            if self.secret in message:
                record.msg = message.replace(self.secret, "***")
                record.args = None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "update_id": getattr(record, "update_id", None),
            "user_id": getattr(record, "user_id", None),
        }
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure(level: str, fmt: str, secret: str) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(ContextFilter(secret))
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter(
                "%(asctime)s %(levelname)s %(name)s"
                " [update %(update_id)s user %(user_id)s]: %(message)s"
            )
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    if logging.getLevelName(level) > logging.DEBUG:
        # Their INFO lines (migration plugins, job bookkeeping, every request) say nothing
        # an administrator acts on; warnings and errors still show.
        for noisy in ("alembic.runtime.plugins", "apscheduler", "aiohttp.access"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
