"""«Ознакомлен» under a closed audit's results (ISO 9001 9.2.2 c), and what follows the
results message: the clause chart and the DOCX report."""

from __future__ import annotations

import asyncio

from aiogram import Bot, Router
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.callbacks import AckCB
from bot.domain.models import User
from bot.domain.reminders import Due
from bot.domain.roles import ALL_ROLES
from bot.filters import HasRole
from bot.scheduler.sweep import FollowUp
from bot.services.audits import AuditService
from bot.services.reports import ReportService
from bot.views import acknowledgements as views
from bot.views.audit import docx_caption
from bot.views.reports import gettext, translate


async def acknowledge(
    callback: CallbackQuery, callback_data: AckCB, user: User, audits: AuditService
) -> None:
    audit, ack, recorded = await audits.acknowledge(user, callback_data.audit)
    message = callback.message
    if recorded and isinstance(message, Message) and message.reply_markup is not None:
        # The button goes; the chart and report buttons stay.
        rows = [
            row
            for row in message.reply_markup.inline_keyboard
            if not any((b.callback_data or "").startswith("ak1:") for b in row)
        ]
        await message.edit_reply_markup(reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))
    await callback.answer(
        views.acknowledged_alert(audit, ack, recorded, audits.tz), show_alert=True
    )


def results_follow_up(
    bot: Bot, i18n: I18n, audits: AuditService, reports: ReportService, target: float
) -> FollowUp:
    """After a results message: the clause chart and the DOCX, in the reader's language."""

    async def follow(due: Due, person: User) -> None:
        from bot.reports.charts import compliance_by_clause  # matplotlib: not at every start

        audit = await audits.get(due.object_id)
        locale = person.language or i18n.default_locale
        with i18n.context(), i18n.use_locale(locale):
            clauses = dict((audit.results or {}).get("by_clause") or {})
            picture = await asyncio.to_thread(
                compliance_by_clause, clauses, audit.number, gettext, target
            )
            await bot.send_photo(
                person.tg_id,
                BufferedInputFile(picture, f"{audit.number}.png"),
                caption=_("results.chart"),
            )
            data = await reports.audit_report(audit, gettext, translate)
            await bot.send_document(
                person.tg_id,
                BufferedInputFile(data, f"{audit.number}-report.docx"),
                caption=docx_caption(audit),
            )

    return follow


def make_router() -> Router:
    """This feature's handlers, on a router of their own (a fresh one per app)."""
    router = Router(name=__name__)
    router.callback_query.filter(HasRole(*ALL_ROLES))  # registered people only
    router.callback_query.register(acknowledge, AckCB.filter())
    return router
