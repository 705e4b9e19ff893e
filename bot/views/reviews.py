"""/review screens: past reviews, the new review's questions, a review's card with its
decisions, and the decision's questions."""

from __future__ import annotations

from aiogram import html
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.callbacks import DecisionAction, DecisionCB, ReviewAction, ReviewCB
from bot.domain.dates import format_date
from bot.domain.models import User
from bot.domain.objectives import Decision, DecisionKind, Review, ReviewStatus
from bot.keyboards.pages import button
from bot.views.audit import school_year_label

Screen = tuple[str, InlineKeyboardMarkup]
PEOPLE_SHOWN = 40


def markup(rows: list[list[InlineKeyboardButton]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=rows)


def period_text(review: Review) -> str:
    return f"{format_date(review.period_start)}–{format_date(review.period_end)}"


def list_screen(reviews: list[Review]) -> Screen:
    lines = [_("reviews.title"), ""]
    lines += [
        f"📑 {format_date(r.held_on)} · {period_text(r)} · {_(f'reviews.status.{r.status.value}')}"
        for r in reviews
    ] or [_("reviews.none")]
    rows = [
        [button(f"📑 {format_date(r.held_on)}", ReviewCB(action=ReviewAction.OPEN, id=r.id))]
        for r in reviews[:20]
    ]
    rows.append([button(_("reviews.new"), ReviewCB(action=ReviewAction.NEW))])
    return "\n".join(lines), markup(rows)


def year_screen(years: list[int]) -> Screen:
    rows = [[button(school_year_label(y), ReviewCB(action=ReviewAction.YEAR, id=y))] for y in years]
    return _("reviews.ask_year"), markup(rows)


def ask_issues(key: str) -> Screen:
    skip = button(_("reviews.no_change"), ReviewCB(action=ReviewAction.SKIP))
    return _(key), markup([[skip]])


def card_screen(review: Review, decisions: list[Decision]) -> Screen:
    lines = [
        _("reviews.card").format(
            held_on=format_date(review.held_on),
            period=period_text(review),
            status=_(f"reviews.status.{review.status.value}"),
            participants=html.quote(review.participants),
        ),
        "",
        _("reviews.decisions"),
    ]
    lines += [
        f"• {_(f'reviews.kind.{d.kind.value}')}: {html.quote(d.text)}" for d in decisions
    ] or [_("reviews.no_decisions")]
    rows = [[button(_("reviews.pack"), ReviewCB(action=ReviewAction.PACK, id=review.id))]]
    if review.status is ReviewStatus.DRAFT:  # the pack sent to the director holds them all
        new = DecisionCB(action=DecisionAction.NEW, id=review.id)
        rows.append([button(_("reviews.add_decision"), new)])
        send = DecisionCB(action=DecisionAction.SEND, id=review.id)
        rows.append([button(_("reviews.send"), send)])
    rows.append([button(_("common.back"), ReviewCB(action=ReviewAction.LIST))])
    return "\n".join(lines), markup(rows)


def kind_screen() -> Screen:
    rows = [
        [button(_(f"reviews.kind.{k.value}"), DecisionCB(action=DecisionAction.KIND, v=k.value))]
        for k in DecisionKind
    ]
    return _("reviews.ask_kind"), markup(rows)


def owner_screen(people: list[User]) -> Screen:
    rows = [
        [button(p.full_name, DecisionCB(action=DecisionAction.OWNER, id=p.id))]
        for p in people[:PEOPLE_SHOWN]
    ]
    return _("reviews.ask_owner"), markup(rows)
