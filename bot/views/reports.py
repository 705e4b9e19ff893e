"""Display texts for the report renderers, in the current language."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

KIND_KEYS = {
    "audit": "audit.status.{}",
    "nc": "nc.status.{}",
    "source": "nc.source.{}",
    "severity": "nc.severity.{}",
    "answer": "report.answer.{}",
    "objective": "objective.{}",
}


def translate(kind: str, value: str) -> str:
    """A status, source, severity, answer or objective as the reader's language says it."""
    return _(KIND_KEYS[kind].format(value))


def gettext(key: str) -> str:
    return _(key)
