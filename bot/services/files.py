"""Records the school owns: every file the bot receives is kept once in the content-
addressed store and recorded with its hash, so the bot can send it back after a token
change (a file id is valid only for the bot that received it), backups hold the files,
and `check` finds a missing or damaged one."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import Connection

from bot.clock import Clock
from bot.services.errors import Refused
from bot.storage.db import Database
from bot.storage.files import FileStore, StoredFile, StoredFileRepo, evidence_without_hash, set_hash

log = logging.getLogger(__name__)
MB = 1024 * 1024
Download = Callable[[str], Awaitable[bytes]]
# The start-up pass leaves most of Telegram's rate (shared with replies) to the people.
BACKFILL_PAUSE = 0.25  # seconds between two downloads


class FileUnavailable(Exception):
    """Telegram will never give this file (its id is unknown to this bot)."""


class FileService:
    def __init__(self, db: Database, clock: Clock, store: FileStore, max_mb: int) -> None:
        self.db = db
        self.clock = clock
        self.store = store
        self.max_mb = max_mb

    def check_size(self, size: int | None) -> None:
        if size is not None and size > self.max_mb * MB:
            raise Refused("files.too_big", limit=self.max_mb)

    async def keep(self, item: dict[str, Any], content: bytes) -> dict[str, Any]:
        """Stores the file's bytes and returns the item with its hash."""
        self.check_size(len(content))
        sha256 = await asyncio.to_thread(self.store.put, content)
        record = StoredFile(sha256, len(content), item.get("name"), str(item.get("kind")))
        now = self.clock.now()
        await self.db.run(lambda conn: StoredFileRepo(conn).add(record, now))
        return {**item, "sha256": sha256}

    async def content(self, item: dict[str, Any]) -> bytes | None:
        sha256 = item.get("sha256")
        if not sha256:
            return None
        return await asyncio.to_thread(self.store.get, str(sha256))

    async def backfill(self, download: Download) -> tuple[int, int]:
        """Fetches the files of records kept before the store (by file id only) while
        Telegram still has them. Returns (stored, not available)."""
        pending = await self.db.run(evidence_without_hash)
        stored = missing = 0
        hashes: dict[str, str | None] = {}  # None: never available (not asked again)
        for number, file_id in enumerate(dict.fromkeys(p.file_id for p in pending)):
            if number:
                await asyncio.sleep(BACKFILL_PAUSE)
            try:
                content = await download(file_id)
                self.check_size(len(content))
            except (FileUnavailable, Refused) as error:
                log.info("file %s is not available: %s", file_id, error)
                hashes[file_id] = None
                missing += 1
                continue
            except Exception as error:  # the network: the next start tries again
                log.info("file %s not fetched now: %s", file_id, error)
                missing += 1
                continue
            kept = await self.keep({"kind": "backfill"}, content)
            hashes[file_id] = kept["sha256"]
            stored += 1

        def record(conn: Connection) -> None:
            for place in pending:
                if place.file_id in hashes:
                    set_hash(conn, place, hashes[place.file_id])

        if hashes:
            await self.db.run(record)
        if pending:
            log.info("evidence fetched into the store: %s, not available: %s", stored, missing)
        return stored, missing

    async def problems(self) -> list[str]:
        """One line per recorded file that is missing or damaged."""
        files = await self.db.run(lambda conn: StoredFileRepo(conn).all())

        def check() -> list[str]:
            found = []
            for file in files:
                problem = self.store.problem(file.sha256)
                if problem is not None:
                    found.append(f"File {file.sha256} ({file.name or file.kind}): {problem}")
            return found

        return await asyncio.to_thread(check)
