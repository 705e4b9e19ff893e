"""One router per feature, built fresh for each app; the catch-all router comes last."""

from aiogram import Router

from bot.handlers import (
    audit_card,
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
    questionnaire,
    reminders,
    risks,
    start,
    summaries,
    suppliers,
    survey_answers,
    surveys,
    templates,
    users,
)


def get_routers() -> list[Router]:
    return [
        survey_answers.make_router(),  # before /start: a survey's link is never an invite
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
        surveys.make_router(),
        risks.make_router(),
        suppliers.make_router(),
        fallback.make_router(),
    ]
