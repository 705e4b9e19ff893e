from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.app import create_app
from tests import postgres
from tests.fakeapi import FakeTelegram, TgUser
from tests.harness import MANAGER_ID, TOKEN, BotHarness


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database as the bot's first start leaves it (migrated, shipped checklists loaded),
    built once; each story starts from a copy. Migrating from empty is test_migrations'."""
    path = tmp_path_factory.mktemp("template") / "qms.sqlite3"

    async def first_start() -> None:
        api = FakeTelegram(TOKEN)
        api.url = "http://127.0.0.1:9"  # never called: the bot is built, not started
        app = await create_app(BotHarness(api, path).settings())
        await app.close()  # the last connection's close folds the WAL into the file

    asyncio.run(first_start())
    return path


@pytest.fixture(scope="session")
def postgres_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str | None]:
    """On PostgreSQL (QMS_TEST_DATABASE_URL): the migrated template database's name, built
    once per worker as the first start leaves it; None on SQLite."""
    if postgres.URL is None:
        yield None
        return
    name = postgres.unique_name("qms_template")
    url = postgres.create_database(name)
    path = tmp_path_factory.mktemp("template") / "qms.sqlite3"  # its files' folder

    async def first_start() -> None:
        api = FakeTelegram(TOKEN)
        api.url = "http://127.0.0.1:9"
        app = await create_app(BotHarness(api, path, database_url=url).settings())
        await app.close()  # no connection may stay open on a template

    try:
        asyncio.run(first_start())
        yield name
    finally:
        postgres.drop_database(name)


@pytest.fixture
def database_url(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str | None]:
    """This story's own database: on PostgreSQL a copy of the template (its URL), dropped
    after; on SQLite a copy of the migrated file at tmp_path/qms.sqlite3 (None)."""
    template = request.getfixturevalue("postgres_template")
    if template is None:
        shutil.copyfile(request.getfixturevalue("migrated_database"), tmp_path / "qms.sqlite3")
        yield None
        return
    with postgres.fresh_database("qms_test", template) as url:
        yield url


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    api = FakeTelegram(TOKEN)
    await api.start()
    yield api
    await api.stop()


@pytest.fixture
async def harness(
    telegram: FakeTelegram, tmp_path: Path, database_url: str | None
) -> AsyncIterator[BotHarness]:
    database = tmp_path / "qms.sqlite3"
    if database_url is None:
        running = BotHarness(telegram, database)
    else:  # DATABASE_PATH's folder still holds the stored files and the calendar
        running = BotHarness(telegram, database, database_url=database_url)
    await running.start()
    yield running
    await running.stop()


@pytest.fixture
def manager(harness: BotHarness) -> TgUser:
    return harness.user(MANAGER_ID, "Мария", "Иванова", username="quality")
