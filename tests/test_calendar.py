"""The school calendar: the manager sees and edits terms and holidays as YAML; an audit's
start or deadline that falls on a day off moves to the next working day, with a note."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.config import Settings
from bot.domain.school_calendar import (
    PROBLEM_KEYS,
    CalendarError,
    load_calendar,
    next_working_day,
    parse_calendar,
    parse_year_start,
    school_year_bounds,
    school_year_of,
    working_date,
)
from bot.domain.summaries import Period, period_bounds
from bot.services.calendar import CalendarService
from tests.fakeapi import TgUser
from tests.harness import BotHarness
from tests.test_audits import MINI, plan_audit, school
from tests.test_locales import catalog

CALENDAR = load_calendar()


# -- the rules ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 11, 26), date(2026, 11, 26)),  # a Thursday in the 2nd term
        (date(2026, 11, 28), date(2026, 11, 30)),  # Saturday -> Monday
        (date(2026, 12, 31), date(2027, 1, 12)),  # winter holidays, across the new year
        (date(2027, 1, 11), date(2027, 1, 12)),  # their last day
        (date(2026, 10, 30), date(2026, 11, 5)),  # autumn holidays, to Thursday 5 Nov
        (date(2027, 3, 30), date(2027, 4, 6)),  # spring holidays
        (date(2027, 2, 23), date(2027, 2, 24)),  # a public holiday
        (date(2027, 6, 15), date(2027, 9, 1)),  # the summer: the 1st of September
    ],
)
def test_next_working_day(day: date, expected: date) -> None:
    assert next_working_day(day, CALENDAR) == expected


def test_a_start_moves_only_out_of_holidays_a_deadline_also_off_weekends() -> None:
    saturday = date(2026, 11, 28)
    assert working_date(saturday, CALENDAR, weekends=False) is None
    moved = working_date(saturday, CALENDAR)
    assert moved and moved.moved_to == date(2026, 11, 30) and moved.holiday is None
    moved = working_date(date(2026, 12, 31), CALENDAR, weekends=False)
    assert moved and moved.holiday == "зимние каникулы" and moved.moved_to == date(2027, 1, 12)
    assert working_date(date(2026, 12, 1), CALENDAR) is None


def test_default_calendar_has_four_terms_and_the_holidays() -> None:
    assert [t.name for t in CALENDAR.terms] == [f"{n} четверть" for n in range(1, 5)]
    assert CALENDAR.term_on(date(2026, 12, 1)) == CALENDAR.terms[1]
    assert CALENDAR.holiday_on(date(2026, 12, 1)) is None
    for day in (date(2026, 11, 2), date(2027, 1, 5), date(2027, 4, 1), date(2027, 7, 1)):
        assert CALENDAR.holiday_on(day) is not None, day


def test_dated_periods_count_that_year_only() -> None:
    calendar = parse_calendar(
        'terms:\n  - {name: "I", start: "01.09", end: "31.05"}\n'
        'holidays:\n  - {name: "карантин", start: "07.12.2026", end: "09.12.2026"}\n'
    )
    assert next_working_day(date(2026, 12, 8), calendar) == date(2026, 12, 10)
    assert next_working_day(date(2027, 12, 8), calendar) == date(2027, 12, 8)


def test_a_bad_file_names_every_problem() -> None:
    source = (
        "terms:\n"
        '  - {name: "", start: "01.09", end: "31.13"}\n'
        '  - {name: "II", start: 25.10, end: "30.12"}\n'
        'holidays:\n  - {name: "X", start: "05.01.2027", end: "01.01.2027"}\n'
        '  - {name: "Y", start: "05.01", end: "10.01.2027", when: 1}\n'
        "extra: 1\n"
    )
    with pytest.raises(CalendarError) as refused:
        parse_calendar(source)
    found = {(p.key, p.field) for p in refused.value.problems}
    assert found == {
        ("checklist.error.unknown_field", "extra"),
        ("calendar.error.no_name", "terms[1].name"),
        ("calendar.error.bad_date", "terms[1].end"),
        ("calendar.error.bad_date", "terms[2].start"),  # unquoted: YAML's number 25.1
        ("calendar.error.end_before_start", "holidays[1]"),
        ("checklist.error.unknown_field", "holidays[2].when"),
        ("calendar.error.mixed_dates", "holidays[2]"),
    }
    with pytest.raises(CalendarError):
        parse_calendar(b"terms: [")
    with pytest.raises(CalendarError):
        parse_calendar("holidays: []\n")  # no terms


def test_every_calendar_problem_has_its_text() -> None:
    for locale in ("ru", "en"):
        assert set(PROBLEM_KEYS) <= set(catalog(locale)), locale


def test_the_school_year_holding_a_day() -> None:
    assert school_year_of(date(2026, 11, 26)) == 2026
    assert school_year_of(date(2027, 8, 31)) == 2026 and school_year_of(date(2027, 9, 1)) == 2027
    assert school_year_bounds(2026) == (date(2026, 9, 1), date(2027, 8, 31))
    start = parse_year_start("08-15")
    assert school_year_of(date(2027, 8, 20), start) == 2027
    assert school_year_bounds(2027, start) == (date(2027, 8, 15), date(2028, 8, 14))
    for bad in ("02-29", "13-01", "1 September", ""):
        with pytest.raises(ValueError):
            parse_year_start(bad)


def test_summary_year_is_the_programme_year() -> None:
    """/summary's school year and /program's come from the one rule."""
    day = date(2027, 8, 20)
    assert period_bounds(Period.YEAR, day) == (date(2026, 9, 1), date(2027, 9, 1))
    start = (8, 15)
    first, last = school_year_bounds(school_year_of(day, start), start)
    assert period_bounds(Period.YEAR, day, start) == (first, last + timedelta(days=1))
    assert period_bounds(Period.TERM, day, start) == (date(2027, 8, 15), date(2028, 1, 1))
    assert period_bounds(Period.TERM, date(2028, 3, 1), start) == (
        date(2028, 1, 1),
        date(2028, 8, 15),
    )


def test_school_year_start_setting() -> None:
    def settings(**values: str) -> Settings:
        return Settings(_env_file=None, bot_token="1:" + "a" * 35, **values)  # type: ignore[call-arg]

    assert settings().year_start == (9, 1)
    assert settings(school_year_start="8-15").year_start == (8, 15)
    with pytest.raises(ValueError, match="school_year_start"):
        settings(school_year_start="02-30")


# -- in chat --------------------------------------------------------------------------------


async def test_manager_reads_downloads_and_replaces_the_calendar(
    harness: BotHarness, manager: TgUser
) -> None:
    reply = await manager.send("/calendar")
    assert "Календарь учебного года" in reply.text and "по умолчанию" in reply.text
    assert (
        "• зимние каникулы: 31.12–11.01" in reply.text and "• 1 четверть: 01.09–25.10" in reply.text
    )
    mark = len(manager.chat())
    await manager.press("Скачать YAML")
    document = manager.chat()[mark].document
    assert document and document["file_name"] == "school_calendar.yaml"
    content, _ = harness.api.files[document["file_id"]]
    shipped = content.decode("utf-8")
    assert shipped.startswith("# Календарь учебного года") and "зимние каникулы" in shipped

    # A file with mistakes is refused whole; the calendar in use stays.
    await manager.press("Загрузить изменённый")
    bad = b'terms:\n  - {name: "I", start: "01.09", end: "31.02"}\nholidays: 5\n'
    reply = await manager.send_document(bad, "calendar.yaml")
    assert "Календарь не загружен, действует прежний" in reply.text
    assert "Поле terms[1].end: «31.02» — не дата" in reply.text
    assert "Поле holidays:" in reply.text
    reply = await manager.send("/calendar")
    assert "по умолчанию" in reply.text

    # A good one is in use at once, kept beside the database, and survives a restart.
    await manager.press("Загрузить изменённый")
    edited = shipped.replace('start: "31.12"', 'start: "28.12"')
    reply = await manager.send_document(edited.encode("utf-8"), "calendar.yaml")
    assert "Календарь загружен и действует" in reply.text
    assert "• зимние каникулы: 28.12–11.01" in reply.text
    assert (harness.database.parent / "school_calendar.yaml").read_text() == edited
    await harness.restart()
    reply = await manager.send("/calendar")
    assert "загруженный менеджером" in reply.text and "28.12–11.01" in reply.text


async def test_calendar_in_english_and_only_for_the_manager(
    harness: BotHarness, manager: TgUser
) -> None:
    olga, _, _ = await school(harness, manager)
    reply = await olga.send("/calendar")
    assert "Календарь учебного года" not in reply.text and "менеджер" in reply.text.lower()
    await manager.send("/language")
    await manager.press("English")
    reply = await manager.send("/calendar")
    assert "School calendar" in reply.text and "Terms" in reply.text
    await manager.press("Upload an edited one")
    reply = await manager.send_document(b"terms: [", "calendar.yaml")
    assert "The calendar was not loaded; the previous one stays" in reply.text


async def test_audit_dates_in_the_holidays_move_to_the_next_working_day(
    harness: BotHarness, manager: TgUser
) -> None:
    await school(harness, manager)
    await manager.send_document(MINI, "mini.yaml")
    await manager.send("/newaudit")
    await manager.send("Проверка документации учителя")
    await manager.press("МО начальных классов")
    await manager.press("Мини-проверка уроков")
    await manager.press("риски")
    await manager.press("Далее")
    await manager.press("Взять предложенное")
    await manager.press("Взять предложенное")
    await manager.press("Светлана")
    await manager.press("Далее (соаудиторов: 0)")  # no co-auditors
    await manager.press("Все сотрудники подразделения (2)")
    reply = await manager.send("03.01.2027")  # the winter holidays
    assert "03.01.2027 — зимние каникулы: начало перенесено на 12.01.2027" in reply.text
    assert "12.01.2027" in reply.text  # the deadline question counts from the new start
    reply = await manager.send("30.01.2027")  # a Saturday
    assert "30.01.2027 — выходной: срок перенесён на 01.02.2027" in reply.text
    assert "Проверьте аудит" in reply.text
    assert "12.01.2027" in reply.text and "01.02.2027" in reply.text
    reply = await manager.press("Создать аудит")
    assert "A-2027-001" in reply.text and "12.01.2027" in reply.text
    assert harness.app is not None
    (audit,) = await harness.app.dispatcher["audits"].program(2026)  # the school year 2026/27
    assert (audit.start_date, audit.deadline) == (date(2027, 1, 12), date(2027, 2, 1))

    # /program: the school year by month, this audit in its January, other years a tap away.
    reply = await manager.send("/program")
    assert "Программа аудитов на 2026/27 учебный год" in reply.text
    lines = reply.text.splitlines()
    months = [line for line in lines if line.endswith(("2026", "2027")) or "аудитов нет" in line]
    assert months[0] == "Сентябрь 2026 — аудитов нет" and months[-1] == "Август 2027 — аудитов нет"
    assert len(months) == 12
    january = lines.index("Январь 2027")
    assert lines[january + 1].startswith("• A-2027-001 «Проверка документации учителя»")
    assert "12.01–01.02 — запланирован" in lines[january + 1]
    assert reply.last.buttons[-2:] == ["◀️ 2025/26", "2027/28 ▶️"]
    reply = await manager.press("2027/28")
    assert "2027/28 учебный год" in reply.text and "A-2027-001" not in reply.text
    reply = await manager.press("2026/27")
    assert "A-2027-001" in reply.text
    reply = await manager.press("A-2027-001")
    reply = await manager.press("Программа аудитов")
    assert "Программа аудитов на 2026/27 учебный год" in reply.text  # not the calendar 2027


async def test_a_working_day_is_not_moved_and_says_nothing(
    harness: BotHarness, manager: TgUser
) -> None:
    await school(harness, manager)
    await manager.send_document(MINI, "mini.yaml")
    text = await plan_audit(manager, "26.11.2026", "04.12.2026", "Мини-проверка уроков")
    assert "перенес" not in text
    assert "A-2026-001" in text


def test_a_spoilt_stored_calendar_falls_back_to_the_default(tmp_path: Path) -> None:
    (tmp_path / "school_calendar.yaml").write_text("terms: [", encoding="utf-8")
    service = CalendarService(None, None, tmp_path)  # type: ignore[arg-type]  # no I/O here
    assert service.custom and service.current() == CALENDAR
