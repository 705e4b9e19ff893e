"""One process per SQLite database: the bot holds an exclusive lock on `<database>.lock` for
its whole life. A second bot (or `restore`) finds it taken and refuses, naming the holder.
The operating system releases the lock when the process ends, however it ends (kill -9
included), so a stale lock never blocks a restart.

PostgreSQL deployments, where several processes may share one database, do not take it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path
from typing import IO


class DatabaseInUse(Exception):
    def __init__(self, database: Path, holder: str) -> None:
        super().__init__(f"{database} is in use by another bot process ({holder})")
        self.database = database
        self.holder = holder


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


class ProcessLock:
    def __init__(self, database: Path) -> None:
        self.database = database
        self.path = lock_path(database)
        self._file: IO[str] | None = None

    def acquire(self) -> ProcessLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown pid"
            handle.close()
            raise DatabaseInUse(self.database, holder) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}\n")
        handle.flush()
        self._file = handle
        return self

    def release(self) -> None:
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.seek(0)
                self._file.truncate()
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None

    def __enter__(self) -> ProcessLock:
        return self.acquire()

    def __exit__(self, *_: object) -> None:
        self.release()
