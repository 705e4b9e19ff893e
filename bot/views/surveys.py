"""/surveys screens (the manager's) and the questions a respondent answers by a link."""

from __future__ import annotations

from aiogram import html
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.callbacks import SurveyAction, SurveyAnswerCB, SurveyCB
from bot.domain import numbers
from bot.domain.dates import format_date
from bot.domain.surveys import (
    DAYS_MAX,
    SCALE,
    GroupKind,
    Question,
    QuestionResult,
    QuestionType,
    SurveyTemplate,
)
from bot.keyboards.pages import button
from bot.services.surveys import GroupResults, Report
from bot.storage.surveys import GroupRow, SurveyRow
from bot.views.common import plural, reader_locale

Screen = tuple[str, InlineKeyboardMarkup]
NO_COMMENT = -1
TEXT_LIMIT = 3800


def markup(rows: list[list[InlineKeyboardButton]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=rows)


def cb(action: SurveyAction, id: int = 0, v: str = "") -> SurveyCB:
    return SurveyCB(action=action, id=id, v=v)


def group_name(group: GroupRow) -> str:
    if group.kind is GroupKind.ALL:
        return _("surveys.group.all")
    if group.kind is GroupKind.PARALLEL:
        return _("surveys.group.parallel").format(name=group.name)
    return group.name


def overall_name(report: Report) -> str:
    if report.overall.partial:
        return _("surveys.overall_partial").format(min=report.minimum)
    return _("surveys.overall")


def period(survey: SurveyRow) -> str:
    return f"{format_date(survey.opens_on)}–{format_date(survey.closes_on)}"


def state_text(survey: SurveyRow, is_open: bool) -> str:
    return _("surveys.state.open") if is_open else _("surveys.state.closed")


# -- the manager -----------------------------------------------------------------------------


def home_screen(
    surveys: list[tuple[SurveyRow, str, bool]],
) -> Screen:
    """(survey, its title in the reader's language, open now) of each survey."""
    lines = [_("surveys.title"), ""]
    rows = []
    for survey, title, is_open in surveys:
        lines.append(
            _("surveys.line").format(
                title=html.quote(title), period=period(survey), state=state_text(survey, is_open),
                answers=plural("surveys.responses", survey.responses),
            )
        )  # fmt: skip
        rows.append([button(f"{title} · {period(survey)}", cb(SurveyAction.CARD, survey.id))])
    if not surveys:
        lines.append(_("surveys.none"))
    rows.append([button(_("surveys.new"), cb(SurveyAction.NEW))])
    return "\n".join(lines), markup(rows)


def templates_screen(templates: list[SurveyTemplate]) -> Screen:
    rows = [[button(t.title, cb(SurveyAction.NEW, v=t.code))] for t in templates]
    rows.append([button(_("common.back"), cb(SurveyAction.HOME))])
    return _("surveys.ask_template"), markup(rows)


def ask_closes(example: str) -> str:
    return _("surveys.ask_closes").format(example=example, days=DAYS_MAX)


def ask_groups() -> Screen:
    return _("surveys.ask_groups"), markup(
        [[button(_("surveys.whole_school"), cb(SurveyAction.ALL))]]
    )


def card_screen(survey: SurveyRow, title: str, is_open: bool, links: dict[int, str]) -> Screen:
    lines = [
        _("surveys.card").format(
            title=html.quote(title), period=period(survey), state=state_text(survey, is_open),
            answers=plural("surveys.responses", survey.responses),
        )
    ]  # fmt: skip
    for group in survey.groups:
        lines.append(
            _("surveys.group_line").format(
                group=html.quote(group_name(group)),
                answers=plural("surveys.responses", group.responses),
                link=links[group.id] if is_open else _("surveys.link_off"),
            )
        )
    rows = [
        [
            button(_("surveys.results"), cb(SurveyAction.RESULTS, survey.id)),
            button(_("surveys.xlsx"), cb(SurveyAction.XLSX, survey.id)),
        ]
    ]
    if is_open:
        rows.append([button(_("surveys.close"), cb(SurveyAction.CLOSE, survey.id))])
    rows.append([button(_("common.back"), cb(SurveyAction.HOME))])
    return "\n".join(lines), markup(rows)


def _question_lines(index: int, result: QuestionResult, threshold: float) -> list[str]:
    question = result.question
    if question.type is QuestionType.SCALE:
        if result.average is None:
            value = "—"
        else:
            value = _("surveys.average").format(
                value=numbers.decimal(result.average, reader_locale())
            )
        mark = "⚠️ " if result.average is not None and result.average < threshold else ""
        return [
            f"{mark}{index}. {html.quote(question.text)} — {value} "
            f"({plural('surveys.responses', result.answered)})"
        ]
    lines = [f"{index}. {html.quote(question.text)}"]
    lines += [
        f"   {html.quote(option)}: {count}"
        for option, count in zip(question.options, result.counts, strict=True)
    ]
    return lines


def _block(title: str, found: GroupResults, report: Report) -> list[str]:
    head = f"<b>{html.quote(title)}</b> · {plural('surveys.responses', found.responses)}"
    if found.results is None:
        return [head, _("surveys.hidden").format(min=report.minimum)]
    lines = [head]
    for index, result in enumerate(found.results, 1):
        lines += _question_lines(index, result, report.threshold)
    return lines


def results_screen(report: Report, title: str) -> Screen:
    lines = [
        _("surveys.results_title").format(title=html.quote(title), period=period(report.survey)),
        _("surveys.min_rule").format(min=report.minimum),
        "",
    ]
    lines += _block(overall_name(report), report.overall, report)
    for found in report.groups:
        if len(report.groups) > 1 or (found.group and found.group.kind is not GroupKind.ALL):
            assert found.group is not None
            lines += ["", *_block(group_name(found.group), found, report)]
    lines += ["", _("surveys.comments")]
    lines += [f"• {html.quote(group)}: {html.quote(text)}" for group, text in report.comments] or [
        _("surveys.no_comments")
    ]
    text = "\n".join(lines)
    if len(text) > TEXT_LIMIT:
        text = text[:TEXT_LIMIT].rsplit("\n", 1)[0] + "\n" + _("surveys.more_in_xlsx")
    rows = []
    positions = {q.id: i for i, q in enumerate(report.template.questions, 1)}
    for result in report.weak:
        qid = result.question.id
        label = _("surveys.improve").format(n=positions[qid])
        if qid in report.improvements:
            label = "✅ " + label
        rows.append([button(label, cb(SurveyAction.IMPROVE, report.survey.id, qid))])
    rows.append(
        [
            button(_("surveys.chart"), cb(SurveyAction.CHART, report.survey.id)),
            button(_("surveys.xlsx"), cb(SurveyAction.XLSX, report.survey.id)),
        ]
    )
    rows.append([button(_("common.back"), cb(SurveyAction.CARD, report.survey.id))])
    return text, markup(rows)


def improvement_text(report: Report, title: str, question_id: str) -> str:
    """The improvement opportunity's description, as the NC keeps it."""
    result = next(r for r in report.weak if r.question.id == question_id)
    assert result.average is not None
    locale = reader_locale()
    return _("surveys.improvement_text").format(
        title=title, period=period(report.survey), question=result.question.text,
        average=numbers.decimal(result.average, locale),
        answers=plural("surveys.responses", result.answered),
        threshold=numbers.decimal(report.threshold, locale),
    )  # fmt: skip


# -- a respondent ----------------------------------------------------------------------------


def intro_text(template: SurveyTemplate) -> str:
    return _("surveys.intro").format(
        title=html.quote(template.title), intro=html.quote(template.intro),
        questions=plural("surveys.questions", len(template.questions)),
    )  # fmt: skip


def question_screen(template: SurveyTemplate, group_id: int, index: int) -> Screen:
    question: Question = template.questions[index]
    total = len(template.questions)
    text = _("surveys.question").format(n=index + 1, total=total, text=html.quote(question.text))
    if question.type is QuestionType.SCALE:
        text += "\n" + _("surveys.scale_hint")
        rows = [[button(str(v), SurveyAnswerCB(g=group_id, q=index, v=v)) for v in SCALE]]
    else:
        rows = [
            [button(option, SurveyAnswerCB(g=group_id, q=index, v=i))]
            for i, option in enumerate(question.options)
        ]
    return text, markup(rows)


def comment_screen(template: SurveyTemplate, group_id: int) -> Screen:
    index = len(template.questions)
    skip = SurveyAnswerCB(g=group_id, q=index, v=NO_COMMENT)
    text = _("surveys.ask_comment").format(text=html.quote(template.comment))
    return text, markup([[button(_("surveys.no_comment"), skip)]])
