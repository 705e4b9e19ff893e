"""Time comes from a clock object so tests can move it without sleeping."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.domain.dates import local_today


class Clock(Protocol):
    def now(self) -> datetime:
        """Current time, timezone-aware UTC."""
        ...


class SchoolDay:
    """For a service that holds the clock and the school's time zone: the school's today
    (a date changes at the school's midnight, not at UTC's)."""

    clock: Clock
    tz: ZoneInfo

    def today(self) -> date:
        return local_today(self.clock.now(), self.tz)


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime) -> None:
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = moment.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        self._now += delta
