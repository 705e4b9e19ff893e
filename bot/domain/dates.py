"""Dates as Russian schools write them: 25.12.2026."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

_DATE = re.compile(r"^\s*(\d{1,2})[./-](\d{1,2})[./-](\d{2}|\d{4})\s*$")
_ISO = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")


def parse_date(text: str) -> date | None:
    """`25.12.2026`, `25.12.26`, `25/12/2026` or `2026-12-25`; None when it is not a real
    date (31.02.2026) or not a date at all."""
    if match := _DATE.match(text):
        day, month, year = (int(part) for part in match.groups())
        if len(match.group(3)) == 2:
            year += 2000
    elif match := _ISO.match(text):
        year, month, day = (int(part) for part in match.groups())
    else:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def format_date(value: date) -> str:
    return value.strftime("%d.%m.%Y")


def local_today(now: datetime, zone: ZoneInfo) -> date:
    return now.astimezone(zone).date()
