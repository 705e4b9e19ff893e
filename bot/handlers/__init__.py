"""One router per feature; the catch-all router comes last."""

from aiogram import Router

from bot.handlers import (
    audit_card,
    audit_planning,
    backups,
    common,
    departments,
    fallback,
    findings,
    invites,
    nc_card,
    nc_list,
    nc_report,
    questionnaire,
    reminders,
    start,
    summaries,
    templates,
    users,
)


def get_routers() -> list[Router]:
    return [
        start.router,
        common.router,
        questionnaire.router,
        audit_planning.router,
        findings.router,  # before the audit card's old findings screens
        audit_card.router,
        nc_report.router,
        nc_card.router,
        nc_list.router,
        reminders.router,
        summaries.router,
        backups.router,
        templates.router,
        departments.router,
        invites.router,
        users.router,
        fallback.router,
    ]
