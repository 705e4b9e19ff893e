"""/summary's "now" block: what is live today whatever the period (audits running, actions
overdue, NCs waiting for someone), before the period's figures.

A seam other features plug into: a `NowBoard` is built from providers, each a callable
`(today) -> [(plural locale key with {n}, count)]` (or a coroutine giving that), registered
in app assembly; zero counts are left out. A figure may have a lister behind it, giving the
lines of its list (`NowLine`: a locale key, its values, and what the line opens), so each
figure opens the list behind it.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from bot.domain.audits import AuditStatus
from bot.domain.competence import Status
from bot.domain.dates import format_date
from bot.services.competence import load_matrix
from bot.storage.audits import AuditRepo
from bot.storage.db import Database
from bot.storage.nonconformities import NcRepo, waiting_for_someone
from bot.storage.users import UserRepo

Figure = tuple[str, int]
Provider = Callable[[date], list[Figure] | Awaitable[list[Figure]]]


@dataclass(frozen=True, slots=True)
class NowLine:
    """One line of a figure's list: `key` formatted with `params` in the reader's language;
    `target` names what it opens ("audit", "nc", "competence"; "" nothing), `target_id`
    which one."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)
    target: str = ""
    target_id: int = 0


Lister = Callable[[date], Awaitable[list[NowLine]]]


class NowBoard:
    def __init__(self, providers: Iterable[Provider] = ()) -> None:
        self.providers: list[Provider] = list(providers)
        self.listers: dict[str, Lister] = {}

    def add(self, provider: Provider, lists: dict[str, Lister] | None = None) -> None:
        """A provider, and the lister behind each of its keys that opens a list."""
        self.providers.append(provider)
        self.listers.update(lists or {})

    async def figures(self, today: date) -> list[Figure]:
        """Every provider's figures, in registration order; zero counts omitted."""
        found: list[Figure] = []
        for provider in self.providers:
            result = provider(today)
            figures = await result if inspect.isawaitable(result) else result
            found += [(key, count) for key, count in figures if count]
        return found

    async def lines(self, key: str, today: date) -> list[NowLine] | None:
        """The list behind a figure; None when it has none (an old or forged button)."""
        lister = self.listers.get(key)
        return None if lister is None else await lister(today)


# -- the providers on main -------------------------------------------------------------------

AUDITS = "now.audits_running"
OVERDUE = "now.actions_overdue"
WAITING = "now.ncs_waiting"
EXPIRED = "now.competence_expired"


def standard_board(db: Database, tz: ZoneInfo, competence_window: int) -> NowBoard:
    """Audits running, actions overdue today, NCs waiting for someone, and expired staff
    competence (issue 19), each opening its list."""

    async def audits(today: date) -> list[NowLine]:
        def work(conn: Connection) -> list[NowLine]:
            return [
                NowLine(
                    "now.line.audit",
                    {
                        "number": a.number,
                        "title": a.title,
                        "where": a.department_name or "",
                        "deadline": format_date(a.deadline),
                    },
                    "audit",
                    a.id,
                )
                for a in AuditRepo(conn).with_status((AuditStatus.OPEN,))
            ]

        return await db.run(work)

    async def overdue(today: date) -> list[NowLine]:
        def work(conn: Connection) -> list[NowLine]:
            return [
                NowLine(
                    "now.line.overdue",
                    {
                        "number": nc.number,
                        "days": (today - nc.due_date).days if nc.due_date else 0,
                        "responsible": nc.responsible_name or "",
                    },
                    "nc",
                    nc.id,
                )
                for nc in NcRepo(conn).open_overdue(today)
            ]

        return await db.run(work)

    async def waiting(today: date) -> list[NowLine]:
        def work(conn: Connection) -> list[NowLine]:
            lines = []
            for nc in waiting_for_someone(conn):
                since = (nc.updated_at or nc.created_at).astimezone(tz).date()
                step = "due" if nc.requested_due_date is not None else nc.status.value
                lines.append(
                    NowLine(
                        f"now.line.waiting.{step}",
                        {"number": nc.number, "days": (today - since).days},
                        "nc",
                        nc.id,
                    )
                )
            return lines

        return await db.run(work)

    async def expired(today: date) -> list[NowLine]:
        def work(conn: Connection) -> list[NowLine]:
            matrix = load_matrix(conn, UserRepo(conn).active(), today, competence_window)
            names = {r.id: r for r in matrix.requirements}
            return [
                NowLine(
                    "now.line.expired",
                    {
                        "name": row.name,
                        "code": names[req_id].code or "",
                        "req": names[req_id].name or "",
                        "expires": format_date(cell.expires) if cell.expires else "",
                    },
                    "competence",
                )
                for row in matrix.rows
                for req_id, cell in row.cells.items()
                if cell.status is Status.EXPIRED
            ]

        return await db.run(work)

    async def live(today: date) -> list[Figure]:
        return [
            (AUDITS, len(await audits(today))),
            (OVERDUE, len(await overdue(today))),
            (WAITING, len(await waiting(today))),
        ]

    async def competence(today: date) -> list[Figure]:
        return [(EXPIRED, len(await expired(today)))]

    board = NowBoard()
    board.add(live, {AUDITS: audits, OVERDUE: overdue, WAITING: waiting})
    board.add(competence, {EXPIRED: expired})
    return board
