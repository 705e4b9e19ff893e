"""One router per feature, built fresh for each app; the catch-all router comes last."""

from aiogram import Router

from bot.handlers import (
    audit_card,
    audit_edit,
    audit_planning,
    backups,
    calendar,
    common,
    competence,
    departments,
    fallback,
    findings,
    invites,
    nc_card,
    nc_list,
    nc_report,
    programme,
    questionnaire,
    reminders,
    start,
    summaries,
    templates,
    users,
)


def get_routers() -> list[Router]:
    return [
        start.make_router(),
        common.make_router(),
        questionnaire.make_router(),
        audit_planning.make_router(),
        findings.make_router(),
        audit_card.make_router(),
        nc_report.make_router(),
        nc_card.make_router(),
        nc_list.make_router(),
        reminders.make_router(),
        summaries.make_router(),
        backups.make_router(),
        templates.make_router(),
        calendar.make_router(),
        departments.make_router(),
        invites.make_router(),
        users.make_router(),
        competence.make_router(),
        audit_edit.make_router(),
        programme.make_router(),
        fallback.make_router(),
    ]
