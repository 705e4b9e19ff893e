"""`python -m bot migrate-to-postgres`: the SQLite database (DATABASE_PATH) copied into an
empty PostgreSQL database (DATABASE_URL).

Both are first migrated to head, so their tables are the same; then every table is copied
in dependency order (a row's references exist before it), in batches, all in ONE
transaction on PostgreSQL: a copy that fails leaves the target as empty as it was. The
columns that close a cycle (a department's head is a user, a user's department is a
department) or point into their own table are filled in afterwards. Finally each table's
id sequence is moved past the copied ids, so the next row PostgreSQL numbers is new.

Values pass through the tables' own types (a moment is read as aware UTC and written as
naive UTC again, JSON as JSON), so they read back on PostgreSQL as they did on SQLite.
Stored files stay where they are: in DATABASE_PATH's folder, which the bot keeps using.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import (
    Column,
    Connection,
    Integer,
    Table,
    bindparam,
    delete,
    func,
    select,
    text,
    update,
)

from bot.storage.db import Database
from bot.storage.schema import metadata

BATCH = 2_000
# Rows the migrations themselves insert (shipped defaults). A target holding only these is
# empty; they are replaced by the source's own (which the school may have edited).
MIGRATION_SEEDED = frozenset({"competence_requirements", "supplier_criteria"})


class CopyRefused(Exception):
    """Why nothing was copied, in one line."""


def deferred_columns(table: Table) -> list[Column[object]]:
    """Columns written as NULL first and filled in after every table is copied."""
    found = []
    for key in table.foreign_keys:
        cycle = key.constraint is not None and key.constraint.use_alter
        if cycle or key.column.table is table:
            found.append(key.parent)
    return found


def rows_in(conn: Connection) -> dict[str, int]:
    return {
        table.name: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
        for table in metadata.sorted_tables
    }


def copy_tables(source: Connection, target: Connection, batch: int = BATCH) -> dict[str, int]:
    """Copies every table's rows from `source` into the empty `target`; returns the counts."""
    counts: dict[str, int] = {}
    later: list[tuple[Table, Column[object], list[dict[str, object]]]] = []
    for table in metadata.sorted_tables:
        deferred = deferred_columns(table)
        keys = list(table.primary_key.columns)
        query = select(table).order_by(*keys)
        result = source.execution_options(yield_per=batch).execute(query)
        fills: dict[str, list[dict[str, object]]] = {column.name: [] for column in deferred}
        counts[table.name] = 0
        for part in result.partitions():
            rows = [dict(row._mapping) for row in part]
            for row in rows:
                for column in deferred:
                    if row[column.name] is not None:
                        fills[column.name].append(
                            {**{f"k_{k.name}": row[k.name] for k in keys}, "v": row[column.name]}
                        )
                        row[column.name] = None
            target.execute(table.insert(), rows)
            counts[table.name] += len(rows)
        later += [(table, column, fills[column.name]) for column in deferred]
    for table, column, values in later:
        if values:
            keys = list(table.primary_key.columns)
            statement = (
                update(table)
                .where(*(k == bindparam(f"k_{k.name}") for k in keys))
                .values({column.name: bindparam("v")})
            )
            for start in range(0, len(values), batch):
                target.execute(statement, values[start : start + batch])
    for table in metadata.sorted_tables:
        serial = [
            c
            for c in table.primary_key.columns
            if isinstance(c.type, Integer) and c.autoincrement is not False
        ]
        if len(serial) == 1 and counts[table.name]:
            name = serial[0].name
            target.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', '{name}'),"
                    f' (SELECT MAX("{name}") FROM "{table.name}"))'
                )
            )
    return counts


async def migrate_to_postgres(
    database_path: Path, url: str, say: Callable[[str], None] = print
) -> dict[str, int]:
    """The copy, with the checks; the caller holds the SQLite database's process lock and
    has seen that the file exists."""
    source, target = Database.sqlite(database_path), Database.postgres(url, threads=1)
    try:
        await source.migrate()
        await target.migrate()
        found = await target.run(rows_in)
        taken = {
            name: count for name, count in found.items() if count and name not in MIGRATION_SEEDED
        }
        if taken:
            listed = ", ".join(f"{name} {count}" for name, count in sorted(taken.items())[:5])
            raise CopyRefused(
                f"DATABASE_URL's database is not empty ({listed} rows): copy into an empty one"
            )

        def copy(conn: Connection) -> dict[str, int]:
            for table in reversed(metadata.sorted_tables):
                if table.name in MIGRATION_SEEDED:
                    conn.execute(delete(table))
            with source.engine.connect() as reading:
                return copy_tables(reading, conn)

        counts = await target.run(copy)
    finally:
        await source.close()
        await target.close()
    for name, count in counts.items():
        if count:
            say(f"{name}: {count}")
    return counts
