"""/program's own actions (issue 12): recurring lines, sending the year's programme to the
director, and his decision."""

from __future__ import annotations

from aiogram import Router


def make_router() -> Router:
    """This feature's handlers, on a router of their own (a fresh one per app)."""
    return Router(name=__name__)
