"""/surveys (manager): open a satisfaction survey for a period and for groups, hand out each
group's public link, read the results with a chart and the comments, download them as
XLSX, close a survey early, and turn a weak question into an improvement opportunity."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from types import SimpleNamespace

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.deep_linking import create_start_link
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.callbacks import MenuCB, SurveyAction, SurveyCB
from bot.dialogs import advance, need, set_dialog
from bot.domain.dates import format_date
from bot.domain.models import User
from bot.domain.roles import Role
from bot.domain.surveys import QuestionType
from bot.filters import HasRole
from bot.handlers.date_input import future_day_typed
from bot.services.errors import Refused
from bot.services.notices import Notices
from bot.services.surveys import Report, SurveyService
from bot.storage.surveys import SurveyRow
from bot.ui import ask, refusal_text, show
from bot.views import surveys as views
from bot.views.reports import gettext

LINK_PREFIX = "sv_"


class NewSurvey(StatesGroup):
    closes = State()
    groups = State()


def _locale(i18n: I18n) -> str:
    return i18n.current_locale


async def _home(event: Message | CallbackQuery, state: FSMContext, surveys: SurveyService,
                i18n: I18n) -> None:  # fmt: skip
    await state.clear()
    rows = [
        (s, surveys.template(s.template, _locale(i18n)).title, surveys.is_open(s))
        for s in await surveys.list()
    ]
    await show(event, *views.home_screen(rows))


async def surveys_command(
    message: Message, state: FSMContext, surveys: SurveyService, i18n: I18n
) -> None:
    await _home(message, state, surveys, i18n)


async def surveys_menu(
    callback: CallbackQuery, state: FSMContext, surveys: SurveyService, i18n: I18n
) -> None:
    await _home(callback, state, surveys, i18n)


async def new_survey(
    callback: CallbackQuery,
    callback_data: SurveyCB,
    state: FSMContext,
    surveys: SurveyService,
    i18n: I18n,
) -> None:
    templates = surveys.templates()
    if not callback_data.v:
        shown = [surveys.template(code, _locale(i18n)) for code in sorted(templates)]
        await show(callback, *views.templates_screen(shown))
        return
    if callback_data.v not in templates:
        raise Refused("stale")
    await set_dialog(state, NewSurvey.closes, template=callback_data.v)
    example = format_date(surveys.today() + timedelta(days=14))
    await ask(callback, views.ask_closes(example))


async def closes_given(message: Message, state: FSMContext, surveys: SurveyService) -> None:
    day = await future_day_typed(message, surveys.today())
    if day is None:
        return
    await advance(state, NewSurvey.groups, closes=day.isoformat())
    await show(message, *views.ask_groups())


async def _create(
    event: Message | CallbackQuery,
    state: FSMContext,
    user: User,
    surveys: SurveyService,
    bot: Bot,
    i18n: I18n,
    raw_groups: str,
) -> None:
    code, closes = need(await state.get_data(), "template", "closes")
    try:
        survey = await surveys.create(user, code, date.fromisoformat(closes), raw_groups)
    except Refused as refusal:
        if refusal.key in ("surveys.bad_groups", "surveys.too_many_groups"):  # it stays
            await ask(event, refusal_text(refusal))
            return
        raise
    await state.clear()
    await show(event, *await _card(survey, surveys, bot, i18n))


async def groups_given(
    message: Message,
    state: FSMContext,
    user: User,
    surveys: SurveyService,
    bot: Bot,
    i18n: I18n,
) -> None:
    await _create(message, state, user, surveys, bot, i18n, message.text or "")


async def whole_school(
    callback: CallbackQuery,
    state: FSMContext,
    user: User,
    surveys: SurveyService,
    bot: Bot,
    i18n: I18n,
) -> None:
    await _create(callback, state, user, surveys, bot, i18n, "all")


async def _card(survey: SurveyRow, surveys: SurveyService, bot: Bot, i18n: I18n) -> views.Screen:
    links = {g.id: await create_start_link(bot, LINK_PREFIX + g.token) for g in survey.groups}
    title = surveys.template(survey.template, _locale(i18n)).title
    return views.card_screen(survey, title, surveys.is_open(survey), links)


async def card(
    callback: CallbackQuery, callback_data: SurveyCB, surveys: SurveyService, bot: Bot, i18n: I18n
) -> None:
    await show(callback, *await _card(await surveys.get(callback_data.id), surveys, bot, i18n))


async def close(
    callback: CallbackQuery,
    callback_data: SurveyCB,
    user: User,
    surveys: SurveyService,
    bot: Bot,
    i18n: I18n,
) -> None:
    try:
        survey = await surveys.close(user, callback_data.id)
    except Refused as refusal:
        if refusal.key != "surveys.already_closed":
            raise
        current = await surveys.get(callback_data.id)  # the card as it is now, and why
        await show(callback, *await _card(current, surveys, bot, i18n), alert=refusal_text(refusal))
        return
    await show(callback, *await _card(survey, surveys, bot, i18n), alert=_("surveys.closed_now"))


async def _report(surveys: SurveyService, survey_id: int, i18n: I18n) -> tuple[Report, str]:
    report = await surveys.report(survey_id, _locale(i18n))
    return report, report.template.title


async def results(
    callback: CallbackQuery, callback_data: SurveyCB, surveys: SurveyService, i18n: I18n
) -> None:
    report, title = await _report(surveys, callback_data.id, i18n)
    await show(callback, *views.results_screen(report, title))


async def chart(
    callback: CallbackQuery,
    callback_data: SurveyCB,
    user: User,
    surveys: SurveyService,
    bot: Bot,
    i18n: I18n,
) -> None:
    from bot.reports.charts import survey_averages

    report, title = await _report(surveys, callback_data.id, i18n)
    await callback.answer()
    values = {
        f"{i}. {r.question.text}": r.average
        for i, r in enumerate(report.overall.results or [], 1)
        if r.question.type is QuestionType.SCALE
    }
    heading = _("surveys.chart_title").format(title=title)
    image = await asyncio.to_thread(survey_averages, values, heading, gettext)
    caption = views.period(report.survey)
    if report.overall.results is None:
        caption += "\n" + _("surveys.hidden").format(min=report.minimum)
    await bot.send_photo(user.tg_id, BufferedInputFile(image, "survey.png"), caption=caption)


async def xlsx(
    callback: CallbackQuery,
    callback_data: SurveyCB,
    user: User,
    surveys: SurveyService,
    bot: Bot,
    i18n: I18n,
) -> None:
    from bot.reports.xlsx import build_survey_workbook

    await callback.answer(_("export.preparing"))
    report, title = await _report(surveys, callback_data.id, i18n)
    rows, hidden = [], _("surveys.hidden").format(min=report.minimum)
    for found in [report.overall, *report.groups]:
        name = views.overall_name(report) if found.group is None else views.group_name(found.group)
        if found.results is None:
            rows.append(SimpleNamespace(group=name, question=hidden, responses=found.responses,
                                        average=None, spread=None))  # fmt: skip
            continue
        for result in found.results:
            labels = (
                [str(v) for v in range(1, 6)]
                if result.question.type is QuestionType.SCALE
                else list(result.question.options)
            )
            spread = "; ".join(f"{k}: {n}" for k, n in zip(labels, result.counts, strict=True))
            rows.append(
                SimpleNamespace(
                    group=name, question=result.question.text, responses=result.answered,
                    average=result.average, spread=spread,
                )
            )  # fmt: skip
    comments = [SimpleNamespace(group=g, comment=c) for g, c in report.comments]
    data = await asyncio.to_thread(build_survey_workbook, rows, comments, gettext)
    name = f"survey-{report.survey.id}-{surveys.today().isoformat()}.xlsx"
    caption = f"{title} · {views.period(report.survey)}"
    await bot.send_document(user.tg_id, BufferedInputFile(data, name), caption=caption)


async def improve(
    callback: CallbackQuery,
    callback_data: SurveyCB,
    user: User,
    surveys: SurveyService,
    notices: Notices,
    i18n: I18n,
) -> None:
    report, title = await _report(surveys, callback_data.id, i18n)
    if callback_data.v not in {r.question.id for r in report.weak}:
        raise Refused("surveys.not_weak")
    description = views.improvement_text(report, title, callback_data.v)
    nc, created = await surveys.improve(user, report.survey.id, callback_data.v, description)
    report, title = await _report(surveys, callback_data.id, i18n)
    if created:
        await notices.about_nc(nc, "nc.told.reported", user, await surveys.ncs.managers())
        alert = _("surveys.improvement_raised").format(number=nc.number)
    else:
        alert = _("surveys.improvement_exists").format(number=nc.number)
    await show(callback, *views.results_screen(report, title), alert=alert)


def make_router() -> Router:
    """This feature's handlers, on a router of their own (a fresh one per app)."""
    router = Router(name=__name__)
    manager = HasRole(Role.MANAGER)
    router.message.filter(manager)
    router.callback_query.filter(manager)

    def on(action: SurveyAction) -> CallbackQueryFilter:
        return SurveyCB.filter(F.action == action)

    text = (F.text, ~F.text.startswith("/"))
    router.message.register(surveys_command, Command("surveys"))
    router.callback_query.register(surveys_menu, MenuCB.filter(F.command == "surveys"))
    router.callback_query.register(surveys_menu, on(SurveyAction.HOME))
    router.callback_query.register(new_survey, on(SurveyAction.NEW))
    router.message.register(closes_given, NewSurvey.closes, *text)
    router.message.register(groups_given, NewSurvey.groups, *text)
    router.callback_query.register(whole_school, NewSurvey.groups, on(SurveyAction.ALL))
    router.callback_query.register(card, on(SurveyAction.CARD))
    router.callback_query.register(close, on(SurveyAction.CLOSE))
    router.callback_query.register(results, on(SurveyAction.RESULTS))
    router.callback_query.register(chart, on(SurveyAction.CHART))
    router.callback_query.register(xlsx, on(SurveyAction.XLSX))
    router.callback_query.register(improve, on(SurveyAction.IMPROVE))
    return router
