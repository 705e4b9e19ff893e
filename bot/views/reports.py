"""Display texts for the report renderers, in the current language."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from bot.domain.checklists import label_key

KIND_KEYS = {
    "audit": "audit.status.{}",
    "nc": "nc.status.{}",
    "source": "nc.source.{}",
    "severity": "nc.severity.{}",
    "objective": "objective.{}",
}


def translate(kind: str, value: str) -> str:
    """A status, source, severity, objective or answer as the reader's language says it."""
    if kind == "answer":
        return value_label(value)
    return _(KIND_KEYS[kind].format(value))


def value_label(value: str) -> str:
    """An answer value as a person reads it: yes/no/n.a. in his language, others as given."""
    key = label_key(value)
    return _(key) if key else value


def gettext(key: str) -> str:
    return _(key)
