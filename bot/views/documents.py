"""/docs screens: the register by type, department or a typed word, a document's card
with its versions and acknowledgements, the audience chosen at approval, the wizard."""

from __future__ import annotations

from datetime import date

from aiogram import html
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import (
    DocAction,
    DocCB,
    DocListCB,
    DocWizardAction,
    DocWizardCB,
    NcCB,
    NcView,
)
from bot.domain.dates import format_date
from bot.domain.documents import APPROVERS, Card, DocType, Document, Version, VersionStatus
from bot.domain.models import Department, User
from bot.domain.roles import ALL_ROLES, Role
from bot.keyboards.pages import button, page_buttons
from bot.services.documents import DocMatrix, Sheet
from bot.views.common import plural

Screen = tuple[str, InlineKeyboardMarkup]
PAGE = 10
UNPAGED = 30
NAMES_SHOWN = 20  # not-acknowledged names on a card; the sheet has them all


def markup(rows: list[list[InlineKeyboardButton]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=rows)


def cb(action: DocAction, id: int = 0, n: int = 0, v: str = "") -> DocCB:
    return DocCB(action=action, id=id, n=n, v=v)


def type_name(kind: DocType) -> str:
    return _(f"documents.type.{kind.value}")


def status_name(status: VersionStatus) -> str:
    return _(f"documents.status.{status.value}")


def doc_line(document: Document, version: Version) -> str:
    return _("documents.line").format(
        code=html.quote(document.code), title=html.quote(document.title),
        number=version.number, status=status_name(version.status),
    )  # fmt: skip


def home_screen(user: User, waiting: int) -> Screen:
    lines = [_("documents.title")]
    rows = []
    if waiting:
        lines.append(plural("documents.waiting", waiting))
        rows.append([button(_("documents.mine"), cb(DocAction.MINE))])
    else:
        lines.append(_("documents.nothing_waiting"))
    types = [button(_(f"documents.types.{k.value}"), DocListCB(kind=k.value)) for k in DocType]
    rows += [types[:3], types[3:]]
    rows.append(
        [
            button(_("documents.by_department"), DocListCB(by_dept=True)),
            button(_("documents.search"), cb(DocAction.SEARCH)),
        ]
    )
    if user.has(Role.MANAGER):
        rows.append([button(_("documents.new"), cb(DocAction.NEW))])
    if user.has(Role.MANAGER, Role.OBSERVER):
        rows.append([button(_("documents.matrix"), cb(DocAction.MATRIX))])
    return "\n".join(lines), markup(rows)


def list_screen(
    heading: str, found: list[tuple[Document, Version]], page: int, make: DocListCB | None
) -> Screen:
    lines = [heading, ""]
    builder = InlineKeyboardBuilder()
    # A browsable list pages; what is waiting for him and a search's results come whole (up
    # to UNPAGED: Telegram takes 100 buttons, a phone shows 30 comfortably).
    shown = found[page * PAGE : (page + 1) * PAGE] if make is not None else found[:UNPAGED]
    for document, version in shown:
        lines.append("• " + doc_line(document, version))
        builder.row(
            button(f"{document.code} · {document.title}"[:60], cb(DocAction.OPEN, document.id))
        )
    if not found:
        lines.append(_("documents.none_found"))
    elif make is None and len(found) > UNPAGED:
        lines.append(_("documents.and_more").format(count=len(found) - UNPAGED))
    if make is not None:
        page_buttons(
            builder, page, len(found), PAGE,
            lambda p: DocListCB(kind=make.kind, dept=make.dept, page=p),
        )  # fmt: skip
    builder.row(button(_("common.back"), cb(DocAction.HOME)))
    return "\n".join(lines), builder.as_markup()


def departments_screen(departments: list[Department]) -> Screen:
    rows = [[button(d.name, DocListCB(dept=d.id))] for d in departments]
    rows.append([button(_("common.back"), cb(DocAction.HOME))])
    return _("documents.ask_department"), markup(rows)


def audience_text(version: Version, departments: dict[int, str]) -> str:
    if not version.has_audience:
        return _("documents.audience_none")
    roles = ", ".join(_(f"role.{r.value}") for r in ALL_ROLES if r in version.roles)
    places = ", ".join(html.quote(departments.get(d, "?")) for d in sorted(version.department_ids))
    return " · ".join(
        part
        for part in (roles or _("documents.all_roles"), places or _("documents.all_departments"))
    )


def _version_lines(
    version: Version, names: dict[int, str], departments: dict[int, str]
) -> list[str]:
    lines = [
        _("documents.version_line").format(
            number=version.number, status=status_name(version.status)
        )
    ]
    if version.approved_on is not None:
        lines.append(
            _("documents.approved_line").format(
                name=html.quote(names.get(version.approved_by or 0, "—")),
                date=format_date(version.approved_on),
            )
        )
    if version.effective_on is not None:
        lines.append(_("documents.effective_line").format(date=format_date(version.effective_on)))
    if version.review_on is not None and version.status is VersionStatus.IN_FORCE:
        lines.append(_("documents.review_line").format(date=format_date(version.review_on)))
    lines.append(_("documents.audience_line").format(audience=audience_text(version, departments)))
    return lines


def card_screen(
    card: Card, user: User, names: dict[int, str], departments: dict[int, str]
) -> Screen:
    document = card.document
    lines = [
        _("documents.card_title").format(
            code=html.quote(document.code), title=html.quote(document.title)
        ),
        _("documents.type_line").format(type=type_name(document.type)),
        _("documents.owner_line").format(name=html.quote(names.get(document.owner_id, "—"))),
    ]
    current, pending = card.in_force, card.pending
    reader = user.has(Role.MANAGER, Role.OBSERVER) or document.owner_id == user.id
    rows: list[list[InlineKeyboardButton]] = []
    if current is not None:
        lines += ["", *_version_lines(current, names, departments)]
        lines.append(
            _("documents.acked_line").format(
                acked=sum(p.id in card.acked_on for p in card.audience), total=len(card.audience)
            )
        )
        missing = card.not_acknowledged
        if reader and missing:
            shown = ", ".join(html.quote(p.full_name) for p in missing[:NAMES_SHOWN])
            if len(missing) > NAMES_SHOWN:
                shown += " " + _("documents.and_more").format(count=len(missing) - NAMES_SHOWN)
            lines.append(_("documents.missing_line").format(names=shown))
        rows.append([button(_("documents.show_file"), cb(DocAction.FILE, current.id))])
        if current.concerns(user) and user.id not in card.acked_on:
            rows.append([button(_("documents.ack"), cb(DocAction.ACK, current.id))])
        elif user.id in card.acked_on:
            day = format_date(card.acked_on[user.id])
            lines.append(_("documents.you_acked").format(date=day))
        if reader:
            rows.append([button(_("documents.sheet"), cb(DocAction.SHEET, current.id))])
    elif not pending:
        lines += ["", _("documents.not_in_force")]
    if card.cited_by:
        lines += ["", _("documents.cited_by").format(numbers=", ".join(card.cited_by))]
    if pending is not None and user.has(Role.MANAGER, Role.OBSERVER):
        lines += ["", *_version_lines(pending, names, departments)]
        rows.append([button(_("documents.show_draft"), cb(DocAction.FILE, pending.id))])
        if pending.status is VersionStatus.DRAFT:
            step = []
            if user.has(Role.MANAGER):
                step.append(button(_("documents.audience"), cb(DocAction.AUDIENCE, pending.id)))
            if user.has(*APPROVERS):
                step.append(button(_("documents.approve"), cb(DocAction.APPROVE, pending.id)))
            rows.append(step)
        elif user.has(Role.MANAGER):
            rows.append([button(_("documents.enforce"), cb(DocAction.ENFORCE, pending.id))])
    if user.has(Role.MANAGER):
        rows.append([button(_("documents.owner"), cb(DocAction.OWNERS, document.id))])
        manage = []
        if pending is None:
            manage.append(
                button(_("documents.new_version"), cb(DocAction.NEW_VERSION, document.id))
            )
        if current is not None:
            manage.append(button(_("documents.review_date"), cb(DocAction.REVIEW_DATE, current.id)))
            manage.append(button(_("documents.withdraw"), cb(DocAction.WITHDRAW, current.id)))
        if manage:
            rows.append(manage)
    rows.append([button(_("common.back"), cb(DocAction.HOME))])
    return "\n".join(lines), markup(rows)


def audience_screen(card: Card, departments: list[Department]) -> Screen:
    version = card.pending
    assert version is not None
    lines = [
        _("documents.audience_title").format(
            code=html.quote(card.document.code), number=version.number
        ),
        _("documents.audience_hint"),
    ]
    roles = [
        button(
            ("✅ " if role in version.roles else "▫️ ") + _(f"role.{role.value}"),
            cb(DocAction.ROLE, version.id, n=int(role not in version.roles), v=role.value),
        )
        for role in ALL_ROLES
    ]
    rows = [roles[:3], roles[3:]]
    rows += [
        [
            button(
                ("✅ " if d.id in version.department_ids else "▫️ ") + d.name,
                cb(
                    DocAction.DEPT,
                    version.id,
                    n=d.id,
                    v=str(int(d.id not in version.department_ids)),
                ),
            )
        ]
        for d in departments
    ]
    rows.append([button(_("common.back"), cb(DocAction.OPEN, card.document.id))])
    return "\n".join(lines), markup(rows)


def wizard_keyboard(back: bool = True) -> InlineKeyboardMarkup:
    row = [button(_("documents.cancel"), DocWizardCB(action=DocWizardAction.CANCEL))]
    if back:
        row.insert(0, button(_("common.back"), DocWizardCB(action=DocWizardAction.BACK)))
    return markup([row])


def type_keyboard() -> InlineKeyboardMarkup:
    rows = [
        [button(type_name(k), DocWizardCB(action=DocWizardAction.TYPE, v=k.value))] for k in DocType
    ]
    return markup(rows + wizard_keyboard().inline_keyboard)


def acked_screen(card: Card, when: date) -> Screen:
    text = _("documents.acked").format(
        code=html.quote(card.document.code), title=html.quote(card.document.title),
        date=format_date(when),
    )  # fmt: skip
    return text, markup([[button(_("documents.open"), cb(DocAction.OPEN, card.document.id))]])


def sheet_words() -> dict[str, str]:
    words = {f"role.{r.value}": _(f"role.{r.value}") for r in ALL_ROLES}
    words["no_department"] = _("competence.no_department")
    return words


def sheet_table(sheet: Sheet) -> list[list[str]]:
    return [
        [
            str(index),
            row.name,
            row.position,
            format_date(row.acknowledged) if row.acknowledged else "",
            "",
        ]
        for index, row in enumerate(sheet.rows, start=1)
    ]


def matrix_rows(
    matrix: DocMatrix,
) -> tuple[list[str], list[tuple[str, str, list[tuple[str | None, date | None]]]]]:
    """A row per person: for each document in force whether he acknowledged it and when;
    nothing where it does not concern him."""
    headers = [f"{d.code} v{v.number}" for d, v in matrix.documents]
    rows = []
    for person in matrix.people:
        cells: list[tuple[str | None, date | None]] = []
        for _document, version in matrix.documents:
            day = matrix.acks.get((version.id, person.id))
            if day is not None:
                cells.append(("✅ " + _("documents.cell.acked"), day))
            elif version.concerns(person):
                cells.append(("❌ " + _("documents.cell.missing"), None))
            else:
                cells.append((None, None))
        department = person.department_name or _("competence.no_department")
        rows.append((person.full_name, department, cells))
    return headers, rows


def sheet_texts(sheet: Sheet) -> tuple[str, list[str], list[str]]:
    document, version = sheet.document, sheet.version
    heading = _("documents.sheet_heading")
    lines = [
        _("documents.sheet_document").format(
            code=document.code, title=document.title, number=version.number
        ),
        _("documents.type_line").format(type=type_name(document.type)),
    ]
    if version.effective_on is not None:
        lines.append(_("documents.effective_line").format(date=format_date(version.effective_on)))
    columns = [
        _("documents.col.number"),
        _("documents.col.name"),
        _("documents.col.position"),
        _("documents.col.date"),
        _("documents.col.signature"),
    ]
    return heading, lines, columns


def sheet_caption(sheet: Sheet) -> str:
    acked = sum(row.acknowledged is not None for row in sheet.rows)
    return _("documents.sheet_caption").format(
        code=html.quote(sheet.document.code), number=sheet.version.number,
        acked=acked, total=len(sheet.rows),
    )  # fmt: skip


def owners_screen(card: Card, people: list[User], page: int) -> Screen:
    builder = InlineKeyboardBuilder()
    for person in people[page * PAGE : (page + 1) * PAGE]:
        mark = "✅ " if person.id == card.document.owner_id else ""
        builder.row(
            button(mark + person.full_name, cb(DocAction.SET_OWNER, card.document.id, person.id))
        )
    page_buttons(
        builder, page, len(people), PAGE, lambda p: cb(DocAction.OWNERS, card.document.id, p)
    )
    builder.row(button(_("common.back"), cb(DocAction.OPEN, card.document.id)))
    text = _("documents.ask_owner").format(code=html.quote(card.document.code))
    return text, builder.as_markup()


def citations_screen(
    nc_id: int,
    number: str,
    cited: list[Document],
    candidates: list[Document],
    may_change: bool,
) -> Screen:
    lines = [_("documents.nc_title").format(number=html.quote(number))]
    lines += [f"• {html.quote(d.code)} «{html.quote(d.title)}»" for d in cited] or [
        _("documents.nc_none")
    ]
    builder = InlineKeyboardBuilder()
    if may_change:
        lines += ["", _("documents.nc_hint")]
        ids = {d.id for d in cited}
        for document in candidates[:UNPAGED]:
            mark = "✅ " if document.id in ids else "▫️ "
            label = f"{mark}{document.code} · {document.title}"[:60]
            wanted = str(int(document.id not in ids))  # what the tap makes it
            builder.row(button(label, cb(DocAction.CITE, nc_id, document.id, wanted)))
    builder.row(button(_("common.back"), NcCB(action=NcView.OPEN, id=nc_id)))
    return "\n".join(lines), builder.as_markup()
