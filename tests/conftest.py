from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fakeapi import FakeTelegram, TgUser
from tests.harness import MANAGER_ID, TOKEN, BotHarness


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    api = FakeTelegram(TOKEN)
    await api.start()
    yield api
    await api.stop()


@pytest.fixture
async def harness(telegram: FakeTelegram, tmp_path: Path) -> AsyncIterator[BotHarness]:
    running = BotHarness(telegram, tmp_path / "qms.sqlite3")
    await running.start()
    yield running
    await running.stop()


@pytest.fixture
def manager(harness: BotHarness) -> TgUser:
    return harness.user(MANAGER_ID, "Мария", "Иванова", username="quality")
