from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import create_app
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


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    api = FakeTelegram(TOKEN)
    await api.start()
    yield api
    await api.stop()


@pytest.fixture
async def harness(
    telegram: FakeTelegram, tmp_path: Path, migrated_database: Path
) -> AsyncIterator[BotHarness]:
    database = tmp_path / "qms.sqlite3"
    shutil.copyfile(migrated_database, database)
    running = BotHarness(telegram, database)
    await running.start()
    yield running
    await running.stop()


@pytest.fixture
def manager(harness: BotHarness) -> TgUser:
    return harness.user(MANAGER_ID, "Мария", "Иванова", username="quality")
