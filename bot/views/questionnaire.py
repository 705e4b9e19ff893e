"""How a questionnaire reads on a phone: /audits (mine and the running ones), one question
per screen, the review, what is missing, and submitting.

The question a screen shows travels in its buttons' callback data (see the handlers)."""

from __future__ import annotations

from aiogram import html
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.callbacks import QCB, MenuCB, QAction
from bot.domain.audits import Audit, Respondent
from bot.domain.checklists import YES_NO_VALUES, AnswerType, EvidenceRule, Question, label_key
from bot.domain.dates import format_date
from bot.keyboards.pages import button
from bot.services.questionnaire import Questionnaire
from bot.views.answers import format_value, has_own_mark, progress_bar, shorten
from bot.views.audit import audit_status, card_button
from bot.views.nc import Screen, markup

REVIEW_ROW = 8  # number buttons in a row of the review and of the missing list
SHORT_REVIEW = 60  # the longest a question's text gets in the review


# -- /audits -----------------------------------------------------------------------------------


def list_screen(mine: list[tuple[Audit, Respondent, int]], running: list[Audit]) -> Screen:
    """The questionnaires this person answers (audit, his progress, its question count),
    then the audits he runs, each with a button to its card."""
    lines: list[str] = []
    rows: list[list[InlineKeyboardButton]] = []
    if mine:
        lines.append(_("audits.mine_title"))
        for audit, person, total in mine:
            lines.append(
                _("audits.mine_line").format(
                    number=audit.number,
                    title=html.quote(audit.title),
                    deadline=format_date(audit.deadline),
                    answered=person.answered,
                    total=total,
                )
            )
            label = f"▶️ {audit.number} ({person.answered}/{total})"
            rows.append([button(label, QCB(action=QAction.OPEN, audit=audit.id))])
    else:
        lines.append(_("audits.mine_empty"))
    if running:
        lines += ["", _("audits.running_title")]
        for audit in running:
            lines.append(
                _("audits.running_line").format(
                    number=audit.number,
                    title=html.quote(audit.title),
                    status=audit_status(audit.status),
                )
            )
            rows.append([card_button(audit)])
    return "\n".join(lines), markup(rows)


# -- one question ------------------------------------------------------------------------------


def _title(q: Questionnaire) -> str:
    return f"<b>{q.audit.number} · {html.quote(q.checklist.title)}</b>"


def question_text(q: Questionnaire, index: int) -> str:
    question = q.question(index)
    section = q.checklist.section_of(index)
    lines = [
        _title(q),
        _("q.where").format(
            section=html.quote(section.title),
            clause=question.clause,
            n=index + 1,
            total=q.total,
        ),
        progress_bar(index + 1, q.total),  # the same count as "question n/total" above
        "",
        f"<b>{html.quote(question.text)}</b>",
    ]
    if question.hint:
        lines.append(f"<i>💡 {html.quote(question.hint)}</i>")
    if question.evidence is EvidenceRule.REQUIRED:
        lines.append(evidence_rule_text(question))
    if question.type in (AnswerType.NUMBER, AnswerType.TEXT):
        lines.append(_(f"q.type_{question.type.value}"))
    record = q.record(question)
    status = [_("q.your_answer").format(answer=format_value(question, q.value(question)))]
    if record and record.comment:
        status.append(_("q.comment_mark").format(comment=html.quote(shorten(record.comment))))
    if q.pieces(question):
        status.append(_("q.evidence_mark").format(count=q.pieces(question)))
    lines += ["", *status]
    if q.value(question) is not None and q.needs_evidence(question):
        lines += ["", _("q.attach_now")]
    return "\n".join(lines)


def evidence_rule_text(question: Question) -> str:
    """What must be shown, said before the answer: for which answers, never for N/A."""
    if question.evidence_for is not None:
        answers = ", ".join(f"«{format_value(question, v)}»" for v in question.evidence_for)
        return _("q.evidence_required_for").format(answers=answers)
    if question.type is AnswerType.YES_NO_NA:
        return _("q.evidence_required_but_na")
    return _("q.evidence_required")


def _answer_buttons(
    q: Questionnaire, index: int, question: Question
) -> list[list[InlineKeyboardButton]]:
    """The answers to tap, the current one marked "● " in place of its own emoji ("● Да",
    never "● ✅ Да"); a choice travels as its option's number (an option's text may not fit
    in callback data)."""
    current = q.value(question)

    def choice(text: str, value: str, data: str | None = None) -> InlineKeyboardButton:
        if current == value:
            plain = label_key(value) if kind in YES_NO_VALUES else None
            text = "● " + (_(plain) if plain else text)
        sent = value if data is None else data
        return button(text, QCB(action=QAction.ANSWER, audit=q.audit.id, q=index, v=sent))

    kind = question.type
    if kind in YES_NO_VALUES:
        return [[choice(_(f"answer.{v}"), v) for v in YES_NO_VALUES[kind]]]
    if kind is AnswerType.SCALE:
        return [[choice(str(v), str(v)) for v in range(1, 6)]]
    if kind is AnswerType.CHOICE:
        return [
            [choice(option, option, str(number))]
            for number, option in enumerate(question.options or [])
        ]
    return []  # number and text are typed


def question_keyboard(q: Questionnaire, index: int) -> InlineKeyboardMarkup:
    question = q.question(index)
    audit = q.audit.id
    rows = _answer_buttons(q, index, question)
    extra = [button(_("q.comment"), QCB(action=QAction.COMMENT, audit=audit, q=index))]
    if question.evidence is not EvidenceRule.NONE:
        extra.append(button(_("q.evidence"), QCB(action=QAction.EVIDENCE, audit=audit, q=index)))
    rows.append(extra)
    rows.append(
        [
            button(_("q.back"), QCB(action=QAction.BACK, audit=audit, q=index)),
            button(_("q.skip"), QCB(action=QAction.SKIP, audit=audit, q=index)),
        ]
    )
    rows.append([button(_("q.review"), QCB(action=QAction.REVIEW, audit=audit))])
    return markup(rows)


def question_screen(q: Questionnaire, index: int) -> Screen:
    return question_text(q, index), question_keyboard(q, index)


def comment_question(index: int) -> str:
    return _("q.ask_comment").format(n=index + 1)


def _evidence_done(audit_id: int, index: int) -> InlineKeyboardMarkup:
    done = QCB(action=QAction.EVIDENCE_DONE, audit=audit_id, q=index)
    return markup([[button(_("q.evidence_done"), done)]])


def evidence_question(audit_id: int, index: int) -> Screen:
    """Files for question `index`, then "Done" back to the question."""
    return _("q.ask_evidence").format(n=index + 1), _evidence_done(audit_id, index)


def evidence_saved_screen(audit_id: int, index: int, pieces: int) -> Screen:
    """After the files (an album is confirmed once): how many the question has now."""
    text = _("q.evidence_saved").format(n=index + 1, count=pieces)
    return text, _evidence_done(audit_id, index)


# -- review and submitting ---------------------------------------------------------------------


def _number_buttons(q: Questionnaire, indexes: list[int]) -> list[list[InlineKeyboardButton]]:
    """A button per question number, REVIEW_ROW to a row: each opens its question."""
    numbers = [button(str(i + 1), QCB(action=QAction.SHOW, audit=q.audit.id, q=i)) for i in indexes]
    return [numbers[n : n + REVIEW_ROW] for n in range(0, len(numbers), REVIEW_ROW)]


def _back_to_review(q: Questionnaire) -> list[InlineKeyboardButton]:
    return [button(_("q.back_to_review"), QCB(action=QAction.REVIEW, audit=q.audit.id))]


def review_screen(q: Questionnaire) -> Screen:
    """Every answer; before submission each number opens its question and "Submit" ends,
    after it the answers are only read (no number buttons: nothing opens to change)."""
    if q.submitted and q.anonymous:  # his answers are kept apart from him now (issue 12)
        text = _title(q) + "\n" + _("q.anonymous_submitted")
        return text, markup([[button(_("q.to_list"), MenuCB(command="audits"))]])
    title = "q.review_title_submitted" if q.submitted else "q.review_title"
    lines = [_title(q), _(title).format(answered=q.answered, total=q.total), ""]
    # Shorter question texts when there are many, so the list fits in one message.
    limit = max(20, min(SHORT_REVIEW, 3300 // max(q.total, 1)))
    for index, question in enumerate(q.checklist.questions):
        value = q.value(question)
        if value is None:
            mark = "⬜ "
        elif q.needs_evidence(question):
            mark = "⚠️ "
        else:  # "✅ Да" and "⭐ 4/5" carry their own mark: no "✅ ✅ Да"
            mark = "" if has_own_mark(question) else "✅ "
        extras = ("💬" if (r := q.record(question)) and r.comment else "") + (
            "📎" if q.pieces(question) else ""
        )
        answer = format_value(question, value) if value is not None else "—"
        lines.append(
            f"{index + 1}. {mark}{answer}{' ' + extras if extras else ''}"
            f" · {html.quote(shorten(question.text, limit))}"
        )
    if q.submitted:
        return "\n".join(lines), markup([[button(_("q.to_list"), MenuCB(command="audits"))]])
    rows = _number_buttons(q, list(range(q.total)))
    rows.append([button(_("q.submit"), QCB(action=QAction.SUBMIT, audit=q.audit.id))])
    return "\n".join(lines), markup(rows)


def missing_screen(q: Questionnaire, missing: list[int]) -> Screen:
    """Why the questionnaire cannot go yet: the required questions unanswered or without
    their evidence, each a button."""
    lines = [_("q.missing_title").format(count=len(missing)), ""]
    for index in missing:
        question = q.question(index)
        reason = _("q.missing_evidence") if q.value(question) is not None else ""
        lines.append(f"{index + 1}. {html.quote(shorten(question.text))} {reason}".rstrip())
    rows = _number_buttons(q, missing)
    rows.append(_back_to_review(q))
    return "\n".join(lines), markup(rows)


def submit_confirm_screen(q: Questionnaire) -> Screen:
    rows = [
        [button(_("q.submit_sure"), QCB(action=QAction.SUBMIT_SURE, audit=q.audit.id))],
        _back_to_review(q),
    ]
    return _("q.submit_confirm").format(number=q.audit.number), markup(rows)


def submitted_text(q: Questionnaire) -> str:
    return _("q.submitted").format(number=q.audit.number)
