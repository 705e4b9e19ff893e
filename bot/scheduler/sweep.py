"""One pass over what is due now: audits whose start date has come are opened."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from aiogram import Bot
from aiogram.utils.i18n import I18n

from bot.notifications import tell_respondents
from bot.services.audits import AuditService
from bot.services.templates import TemplateService

log = logging.getLogger(__name__)


@dataclass
class Sweeper:
    bot: Bot
    i18n: I18n
    audits: AuditService
    templates: TemplateService
    default_language: str

    async def run_once(self) -> None:
        for audit, respondents in await self.audits.open_due():
            count = (await self.templates.checklist(audit.template_id)).question_count
            sent = await tell_respondents(
                self.bot,
                self.i18n,
                self.default_language,
                audit,
                respondents,
                "audit.opened_notice",
                count,
            )
            log.info("audit %s opened; %s respondents told", audit.number, sent)
