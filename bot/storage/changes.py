"""What other bot processes must hear: a change that invalidates their memory (people).

On SQLite there is one process (the lock guarantees it) and its services forget what they
remember themselves; nothing here runs. On PostgreSQL several processes share the database,
so a unit that changes people also sends `NOTIFY qms_people` in its own transaction:
PostgreSQL delivers it when, and only if, that transaction commits, to every process
listening. Each process listens on one connection of its own (a thread) and drops its
memory when told. Memory is trusted only while that connection is up: when it breaks,
everything is dropped and read from the database until it is listening again (a change
made meanwhile could not have been heard).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlalchemy import Connection, text

log = logging.getLogger(__name__)
PEOPLE = "qms_people"
_NOTIFY = text("SELECT pg_notify(:channel, '')")
RECONNECT_SECONDS = 1.0


def changed(conn: Connection, channel: str = PEOPLE) -> None:
    """Inside the changing unit: tell the other processes once it commits."""
    if conn.dialect.name == "postgresql":
        conn.execute(_NOTIFY, {"channel": channel})


class Listener:
    """A thread on its own autocommit connection: LISTEN, then call `heard(channel)` (on
    the thread: it must only schedule) for every notification and on every reconnect."""

    def __init__(self, url: str, channels: list[str], heard: Callable[[str | None], None]) -> None:
        self.url = url
        self.channels = channels
        self.heard = heard
        self.listening = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="db-listen", daemon=True)

    def start(self, wait: float = 10.0) -> None:
        self._thread.start()
        self.listening.wait(wait)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        import psycopg

        while not self._stop.is_set():
            try:
                with psycopg.connect(self.url, autocommit=True) as conn:
                    for channel in self.channels:
                        conn.execute(f'LISTEN "{channel}"')
                    self.listening.set()
                    self.heard(None)  # what was remembered before may have changed unheard
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=0.5):
                            self.heard(note.channel)
            except Exception as error:  # the server restarted, the network broke: reconnect
                log.warning("listening for changes failed (%s); reconnecting", error)
            finally:
                self.listening.clear()
                self.heard(None)
            self._stop.wait(RECONNECT_SECONDS)
