"""Settings from the environment or `.env` (DESIGN §6)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.domain.school_calendar import parse_year_start

TELEGRAM_API = "https://api.telegram.org"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr
    telegram_api_url: str = TELEGRAM_API
    telegram_timeout: float = Field(default=60, ge=5, le=300)  # seconds per Bot API call
    database_path: Path = Path("data/qms.sqlite3")
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    timezone: str = "Europe/Moscow"
    default_language: Literal["ru", "en"] = "ru"
    quiet_hours: str = "21-8"
    invite_ttl_days: int = Field(default=7, ge=1, le=365)
    sweep_seconds: int = Field(default=60, ge=5, le=3600)
    quiet_weekends: bool = True
    audit_reminder_days: Annotated[tuple[int, ...], NoDecode] = (7, 1)
    questionnaire_reminder_days: Annotated[tuple[int, ...], NoDecode] = (2, 0)
    capa_reminder_days: Annotated[tuple[int, ...], NoDecode] = (3, 1)
    # days before a qualification or training expires: the person and his head
    competence_remind_days: Annotated[tuple[int, ...], NoDecode] = (90, 30)
    escalation_days: int = Field(default=3, ge=1, le=60)
    verification_wait_days: int = Field(default=2, ge=1, le=60)
    # Severity sets an NC's default due date and when an overdue action is escalated; a
    # severity not listed gets no default date / is never escalated.
    severity_due_days: Annotated[dict[str, int], NoDecode] = {"major": 14, "minor": 30}
    severity_escalation_days: Annotated[dict[str, int], NoDecode] = {"major": 1, "minor": 3}
    recheck_days: int = Field(default=30, ge=0, le=365)  # effectiveness re-check; 0: none
    unassigned_days: int = Field(default=2, ge=1, le=60)  # NC left unassigned/unclassified
    digest_time: str = "mon 09:00"
    # Telegram's limits: about 30 messages a second overall (more with paid broadcasts),
    # about one a second in one chat after a short burst.
    send_rate: float = Field(default=30, gt=0, le=1000)
    chat_send_rate: float = Field(default=1, gt=0, le=1000)
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_host: str = "0.0.0.0"
    webhook_port: int = Field(default=8080, ge=1, le=65535)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"
    backup_dir: Path = Path("data/backups")
    backup_keep: int = Field(default=14, ge=1, le=365)
    backup_time: str = "03:00"
    school_year_start: str = "09-01"  # month-day: the school year runs from it for a year
    # Controlled documents: a reminder to whoever has not acknowledged a version in force
    # after this many days; the owner is asked about a review this many days before it.
    doc_ack_remind_days: int = Field(default=3, ge=1, le=60)
    doc_review_notice_days: int = Field(default=30, ge=0, le=365)
    file_max_mb: int = Field(default=20, ge=1, le=2000)  # a file the bot keeps, at most
    results_remind_days: int = Field(default=3, ge=1, le=60)  # audit results unacknowledged
    compliance_target: float = Field(default=85, ge=0, le=100)  # % line on compliance charts
    # Surveys: a group's results are shown from this many responses; a scale question
    # averaging below the threshold proposes an improvement; link opens per account / 10 min.
    survey_min_group: int = Field(default=5, ge=1, le=100)
    survey_threshold: float = Field(default=3.5, ge=1, le=5)
    survey_rate: int = Field(default=10, ge=1, le=1000)
    # Issue 12: a programme line's last compliance below this (percent) suggests auditing sooner.
    programme_low_compliance: float = Field(default=75.0, ge=0, le=100)
    # Issue 13: photo thumbnails per finding in the audit report's DOCX (0: none).
    report_photos_max: int = Field(default=3, ge=0, le=20)
    # Issue 17: PostgreSQL instead of the SQLite file (several bot processes); its pool's size.
    database_url: SecretStr | None = None
    database_threads: int = Field(default=4, ge=1, le=64)

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        token = value.get_secret_value().strip()
        bot_id, colon, secret = token.partition(":")
        expected = (
            "expected the bot's number, a colon and a key of 35 letters, digits, '-' or '_', "
            "as @BotFather gives it (123456789:AAH…)"
        )
        if not colon or not bot_id.isdigit():
            raise ValueError(f"{expected}; this one does not start with the bot's number")
        if not re.fullmatch(r"[\w-]+", secret):
            raise ValueError(f"{expected}; its key has other characters")
        if not 30 <= len(secret) <= 60:
            raise ValueError(f"{expected}; its key has {len(secret)} characters")
        return SecretStr(token)

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p for p in re.split(r"[,\s]+", value.strip()) if p]
            if not all(p.lstrip("-").isdigit() for p in parts):
                raise ValueError("expected Telegram ids separated by commas, e.g. 12345,67890")
            return frozenset(int(p) for p in parts)
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator(
        "audit_reminder_days", "questionnaire_reminder_days", "capa_reminder_days", mode="before"
    )
    @classmethod
    def _day_list(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p for p in re.split(r"[,\s]+", value.strip()) if p]
            if not parts or not all(p.isdigit() and int(p) <= 60 for p in parts):
                raise ValueError("expected days before, separated by commas, e.g. 7,1")
            return tuple(sorted({int(p) for p in parts}, reverse=True))
        return value

    @field_validator("competence_remind_days", mode="before")
    @classmethod
    def _long_day_list(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p for p in re.split(r"[,\s]+", value.strip()) if p]
            if not parts or not all(p.isdigit() and int(p) <= 365 for p in parts):
                raise ValueError("expected days before, separated by commas, e.g. 90,30")
            return tuple(sorted({int(p) for p in parts}, reverse=True))
        return value

    @field_validator("severity_due_days", "severity_escalation_days", mode="before")
    @classmethod
    def _severity_days(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        known = ("major", "minor", "observation", "improvement")
        found: dict[str, int] = {}
        for part in (p for p in re.split(r"[,\s]+", value.strip()) if p):
            name, _, days = part.partition(":")
            if name not in known or not days.isdigit() or not 0 <= int(days) <= 365:
                raise ValueError(
                    "expected severity:days separated by commas, e.g. major:14,minor:30 "
                    f"(severities: {', '.join(known)})"
                )
            found[name] = int(days)
        return found

    @field_validator("backup_time")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", value)
        if not match or int(match[1]) > 23 or int(match[2]) > 59:
            raise ValueError("expected a time like 03:00")
        return f"{int(match[1]):02d}:{match[2]}"

    @field_validator("digest_time")
    @classmethod
    def _weekday_time(cls, value: str) -> str:
        match = re.fullmatch(
            r"\s*(mon|tue|wed|thu|fri|sat|sun)\s+(\d{1,2}):(\d{2})\s*", value.lower()
        )
        if not match or int(match[2]) > 23 or int(match[3]) > 59:
            raise ValueError("expected a weekday and a time like mon 09:00")
        return f"{match[1]} {int(match[2]):02d}:{match[3]}"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}, e.g. Europe/Moscow") from None
        return value

    @field_validator("school_year_start")
    @classmethod
    def _year_start(cls, value: str) -> str:
        month, day = parse_year_start(value)
        return f"{month:02d}-{day:02d}"

    @field_validator("quiet_hours")
    @classmethod
    def _hours_range(cls, value: str) -> str:
        match = re.fullmatch(r"\s*(\d{1,2})\s*-\s*(\d{1,2})\s*", value)
        if not match or not all(0 <= int(h) <= 23 for h in match.groups()):
            raise ValueError("expected two hours like 21-8")
        return f"{int(match[1])}-{int(match[2])}"

    @field_validator("telegram_api_url", "webhook_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("expected an http(s):// address")
        return value.rstrip("/") if value else value

    @field_validator("database_url")
    @classmethod
    def _postgres_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        url = value.get_secret_value().strip()
        if not re.match(r"^postgres(ql)?(\+psycopg)?://", url):
            raise ValueError("expected a postgresql:// address, e.g. postgresql://qms@db/qms")
        return SecretStr(url)

    @property
    def postgres_url(self) -> str | None:
        """DATABASE_URL in clear, or None on SQLite (DATABASE_PATH)."""
        return self.database_url.get_secret_value() if self.database_url else None

    @property
    def year_start(self) -> tuple[int, int]:
        """SCHOOL_YEAR_START as (month, day)."""
        return parse_year_start(self.school_year_start)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def digest_at(self) -> tuple[int, int, int]:
        """Weekday (Monday = 0), hour, minute."""
        day, clock = self.digest_time.split()
        hour, minute = clock.split(":")
        weekdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        return weekdays.index(day), int(hour), int(minute)

    @property
    def quiet_range(self) -> tuple[int, int]:
        start, end = self.quiet_hours.split("-")
        return int(start), int(end)


def describe_errors(error: ValidationError) -> list[str]:
    """One line per bad setting, named as it is in the environment."""
    lines = []
    for item in error.errors():
        name = str(item["loc"][0]).upper() if item["loc"] else "settings"
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "missing":
            message = "is required but not set"
        lines.append(f"Setting {name}: {message}")
    return lines
