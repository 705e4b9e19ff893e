"""The suite on PostgreSQL: QMS_TEST_DATABASE_URL=postgresql://user@host/db names a server
(and a database there to connect to for administration); each story gets a database of its
own, copied from a migrated template (CREATE DATABASE … TEMPLATE …) and dropped after."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

URL = os.environ.get("QMS_TEST_DATABASE_URL") or None
needs_postgres = pytest.mark.skipif(URL is None, reason="QMS_TEST_DATABASE_URL is not set")


def sqlite_only(reason: str) -> pytest.MarkDecorator:
    """A test of the SQLite file itself (its backup, its process lock, sqlite3 reads)."""
    return pytest.mark.skipif(URL is not None, reason=f"SQLite only: {reason}")


def url_of(name: str) -> str:
    """The test server's address with another database."""
    assert URL is not None
    base = URL.split("?", 1)[0]
    query = URL[len(base) :]
    return base.rsplit("/", 1)[0] + "/" + name + query


def unique_name(prefix: str) -> str:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return f"{prefix}_{worker}_{uuid.uuid4().hex[:12]}"


def _admin(statement: str) -> None:
    import psycopg

    assert URL is not None
    with psycopg.connect(URL.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(statement)


def create_database(name: str, template: str | None = None) -> str:
    _admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return url_of(name)


def drop_database(name: str) -> None:
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def fresh_database(prefix: str = "qms", template: str | None = None) -> Iterator[str]:
    """An empty (or the template's copy of a) database, dropped after."""
    name = unique_name(prefix)
    url = create_database(name, template)
    try:
        yield url
    finally:
        drop_database(name)
