"""The school calendar in use: the manager's file in the data directory, else the shipped one.

The calendar is a file, not a table: `school_calendar.yaml` beside the database, written
whole (a temporary file renamed over it) after the new text passed validation, so a reader
never sees half a calendar. Each replacement is an event in the log.
"""

from __future__ import annotations

import asyncio
import logging
import os
from datetime import date
from pathlib import Path

from sqlalchemy import Connection

from bot.clock import Clock
from bot.domain.models import User
from bot.domain.school_calendar import (
    DEFAULT_CALENDAR,
    CalendarError,
    Moved,
    SchoolCalendar,
    parse_calendar,
    working_date,
)
from bot.services.errors import Refused
from bot.storage.db import Database
from bot.storage.events import EventLog

FILE_NAME = "school_calendar.yaml"
PARSE_SECONDS = 10.0

log = logging.getLogger(__name__)


class CalendarService:
    def __init__(self, db: Database, clock: Clock, data_dir: Path) -> None:
        self.db = db
        self.clock = clock
        self.path = data_dir / FILE_NAME
        self._calendar: SchoolCalendar | None = None
        self._parsed_from: object = None  # the file's identity when it was parsed
        # Several processes (PostgreSQL) share the data folder. (A test builds it bare.)
        self._shared: bool = getattr(db, "shared", False)

    @property
    def custom(self) -> bool:
        """Whether the manager's calendar is in use (else the shipped default)."""
        return self.path.exists()

    def text(self) -> str:
        """The YAML in use, comments and all, as the manager downloads it."""
        source = self.path if self.custom else DEFAULT_CALENDAR
        return source.read_text(encoding="utf-8")

    def current(self) -> SchoolCalendar:
        """The calendar in use; a stored file spoilt outside the bot (it was valid when sent)
        is logged and the shipped default used instead."""
        if self._shared:
            # Another process may have replaced the file: a stat tells (the replacement is
            # a rename: a new inode).
            identity = self._identity()
            if identity != self._parsed_from:
                self._calendar, self._parsed_from = None, identity
        if self._calendar is None:
            try:
                self._calendar = parse_calendar(self.text())
            except CalendarError as error:
                log.error("%s is not a valid calendar (%s); using the default", self.path, error)
                self._calendar = parse_calendar(DEFAULT_CALENDAR.read_bytes())
        return self._calendar

    def _identity(self) -> object:
        try:
            found = self.path.stat()
        except FileNotFoundError:
            return None
        return (found.st_ino, found.st_mtime_ns, found.st_size)

    def working_date(self, day: date, weekends: bool = True) -> Moved | None:
        """Where a deadline (or, `weekends` False, a start date) on `day` moves; None: stays."""
        return working_date(day, self.current(), weekends)

    async def replace(self, actor: User, source: bytes) -> SchoolCalendar:
        """Validates the whole file (CalendarError names every problem), then puts it in use."""
        try:
            calendar = await asyncio.wait_for(
                asyncio.to_thread(parse_calendar, source), PARSE_SECONDS
            )
        except TimeoutError:
            raise Refused("templates.too_slow") from None
        text = source.decode("utf-8-sig")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, self.path)
        self._calendar, self._parsed_from = calendar, self._identity()
        now = self.clock.now()

        def work(conn: Connection) -> None:
            EventLog(conn).add(
                now,
                actor.id,
                "calendar",
                None,
                "replaced",
                terms=len(calendar.terms),
                holidays=len(calendar.holidays),
            )

        await self.db.run(work)
        return calendar
