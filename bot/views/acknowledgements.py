"""How acknowledgements of audit results read: on the card, and the pop-up after the tap."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram import html
from aiogram.utils.i18n import gettext as _

from bot.domain.acknowledgements import Ack
from bot.domain.audits import Audit


def when_text(ack: Ack, zone: ZoneInfo) -> str:
    assert ack.acknowledged_at is not None
    return ack.acknowledged_at.astimezone(zone).strftime("%d.%m.%Y %H:%M")


def acknowledged_alert(audit: Audit, ack: Ack, recorded: bool, zone: ZoneInfo) -> str:
    key = "acks.recorded" if recorded else "acks.already"
    return _(key).format(number=audit.number, when=when_text(ack, zone))


def card_lines(acks: list[Ack], zone: ZoneInfo) -> list[str]:
    """Who was told of the results and who acknowledged them; those who have not are the
    manager's to chase (ISO 19011 6.5)."""
    if not acks:
        return []
    done = [a for a in acks if a.acknowledged_at is not None]
    lines = ["", _("acks.card_title").format(done=len(done), total=len(acks))]
    for ack in acks:
        role = _(f"acks.role.{ack.role.value}")
        name = html.quote(ack.full_name)
        if ack.acknowledged_at is not None:
            lines.append(f"✅ {name} ({role}) — {when_text(ack, zone)}")
        else:
            lines.append(f"⏳ {name} ({role}) — {_('acks.waiting')}")
    return lines
