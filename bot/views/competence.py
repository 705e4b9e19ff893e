"""/competence screens: a person's qualifications and trainings, sending a certificate,
confirming it, the manager's requirements, and the matrix of a department."""

from __future__ import annotations

from datetime import date

from aiogram import html
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.callbacks import CompAction, CompCB
from bot.domain.competence import STATUS_ICONS, Cell, Matrix, Requirement, Status
from bot.domain.dates import format_date
from bot.domain.models import Department, User
from bot.domain.roles import ALL_ROLES
from bot.keyboards.pages import button
from bot.reports.model import CompetenceRow, format_percent
from bot.views.common import plural
from bot.views.reports import gettext

Screen = tuple[str, InlineKeyboardMarkup]
TEXT_LIMIT = 3800  # Telegram's 4096, with room for the last line


def markup(rows: list[list[InlineKeyboardButton]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=rows)


def cb(action: CompAction, id: int = 0, v: str = "") -> CompCB:
    return CompCB(action=action, id=id, v=v)


def req_name(requirement: Requirement) -> str:
    """A renamed requirement's own name, a shipped one's in the reader's language."""
    return requirement.name or _(f"competence.req.{requirement.code}")


def cell_text(cell: Cell) -> str:
    """✅ до 01.03.2028 / ⚠️ до … / ❌ истёк … / — нет; «на подтверждении» when one waits."""
    text = STATUS_ICONS[cell.status]
    if cell.expires is not None:
        key = "competence.expired_on" if cell.status is Status.EXPIRED else "competence.until"
        text += " " + _(key).format(date=format_date(cell.expires))
    else:
        text += " " + _("competence.missing")
    if cell.pending:
        text += " · " + _("competence.pending")
    return text


def home_screen(
    mine: list[tuple[Requirement, Cell]], headed: Department | None, manager: bool
) -> Screen:
    lines = [_("competence.title"), ""]
    lines += [f"• {html.quote(req_name(req))}: {cell_text(cell)}" for req, cell in mine] or [
        _("competence.nothing_required")
    ]
    rows = [[button(_("competence.add"), cb(CompAction.ADD))]]
    if headed is not None:
        rows.append([button(_("competence.my_matrix"), cb(CompAction.MATRIX, headed.id))])
    if manager:
        rows.append(
            [
                button(_("competence.matrix"), cb(CompAction.DEPTS)),
                button(_("competence.requirements"), cb(CompAction.REQS)),
            ]
        )
        rows.append([button(_("competence.xlsx"), cb(CompAction.XLSX))])
    return "\n".join(lines), markup(rows)


def pick_screen(requirements: list[Requirement]) -> Screen:
    rows = [[button(req_name(r), cb(CompAction.ADD, r.id))] for r in requirements]
    rows.append([button(_("common.back"), cb(CompAction.HOME))])
    return _("competence.ask_requirement"), markup(rows)


def ask_file(requirement: Requirement) -> str:
    return _("competence.ask_file").format(requirement=html.quote(req_name(requirement)))


def ask_date(files: int) -> str:
    return _("competence.ask_date").format(files=plural("competence.files", files))


def ask_hours(requirement: Requirement) -> tuple[str, InlineKeyboardMarkup | None]:
    if requirement.course:
        return _("competence.ask_hours_course"), None
    rows = [[button(_("competence.skip_hours"), cb(CompAction.SKIP_HOURS))]]
    return _("competence.ask_hours"), markup(rows)


def submitted_text(requirement: Requirement, reviewers: list[User]) -> str:
    names = ", ".join(html.quote(u.full_name) for u in reviewers) or "—"
    return _("competence.submitted").format(
        requirement=html.quote(req_name(requirement)), reviewers=names
    )


def reviewed_text(requirement: Requirement, owner: User, confirmed: bool) -> str:
    key = "competence.confirmed_by_you" if confirmed else "competence.rejected_by_you"
    return _(key).format(name=html.quote(owner.full_name), requirement=req_name(requirement))


# -- requirements (manager) ----------------------------------------------------------------


def requirements_screen(requirements: list[Requirement]) -> Screen:
    lines = [_("competence.requirements_title"), ""]
    rows = []
    for req in requirements:
        mark = "" if req.active else "🗄 "
        lines.append(
            _("competence.requirement_line").format(
                mark=mark, name=html.quote(req_name(req)), roles=_roles(req),
                months=plural("competence.months", req.months),
            )
        )  # fmt: skip
        rows.append([button(mark + req_name(req), cb(CompAction.REQ, req.id))])
    rows.append([button(_("competence.new_requirement"), cb(CompAction.REQ_NEW))])
    rows.append([button(_("common.back"), cb(CompAction.HOME))])
    return "\n".join(lines), markup(rows)


def _roles(req: Requirement) -> str:
    return ", ".join(_(f"role.{role.value}") for role in ALL_ROLES if role in req.roles)


def requirement_card(req: Requirement) -> Screen:
    text = _("competence.requirement_card").format(
        name=html.quote(req_name(req)), roles=_roles(req),
        months=plural("competence.months", req.months),
        course=_("report.yes") if req.course else _("report.no"),
        state=_("competence.active") if req.active else _("competence.archived"),
    )  # fmt: skip
    role_row = [
        button(
            ("✅ " if role in req.roles else "▫️ ") + _(f"role.{role.value}"),
            # Each button carries what it sets, not "toggle": a double tap sets it twice.
            cb(CompAction.REQ_ROLE, req.id, f"{role.value}.{'0' if role in req.roles else '1'}"),
        )
        for role in ALL_ROLES
    ]
    rows = [
        role_row[:3],
        role_row[3:],
        [
            button(_("competence.rename"), cb(CompAction.REQ_RENAME, req.id)),
            button(_("competence.set_months"), cb(CompAction.REQ_MONTHS, req.id)),
        ],
        [
            button(
                _("competence.toggle_course"),
                cb(CompAction.REQ_COURSE, req.id, "0" if req.course else "1"),
            ),
            button(
                _("competence.archive") if req.active else _("competence.restore"),
                cb(CompAction.REQ_ACTIVE, req.id, "0" if req.active else "1"),
            ),
        ],
        [button(_("common.back"), cb(CompAction.REQS))],
    ]
    return text, markup(rows)


# -- the matrix ------------------------------------------------------------------------------


def departments_screen(departments: list[Department]) -> Screen:
    rows = [[button(d.name, cb(CompAction.MATRIX, d.id))] for d in departments]
    rows.append([button(_("competence.no_department"), cb(CompAction.MATRIX, 0))])
    rows.append([button(_("common.back"), cb(CompAction.HOME))])
    return _("competence.ask_department"), markup(rows)


def share_text(matrix: Matrix) -> str:
    staff = matrix.staff
    return _("competence.share").format(
        percent=format_percent(matrix.share, gettext),
        valid=sum(row.all_valid for row in staff),
        staff=len(staff),
    )


def matrix_screen(matrix: Matrix, where: str, manager: bool) -> Screen:
    names = {r.id: req_name(r) for r in matrix.requirements}
    lines = [_("competence.matrix_title").format(where=html.quote(where)), share_text(matrix)]
    lines.append(_("competence.legend"))
    for index, row in enumerate(matrix.rows):
        block = ["", f"<b>{html.quote(row.name)}</b>"]
        block += [
            f"{html.quote(names[req_id])}: {cell_text(cell)}" for req_id, cell in row.cells.items()
        ] or [_("competence.nothing_required")]
        if len("\n".join(lines + block)) > TEXT_LIMIT:  # a phone's message has a limit
            lines += ["", _("competence.more").format(count=len(matrix.rows) - index)]
            break
        lines += block
    if not matrix.rows:
        lines += ["", _("competence.nobody")]
    back = cb(CompAction.DEPTS) if manager else cb(CompAction.HOME)
    return "\n".join(lines), markup([[button(_("common.back"), back)]])


def sheet_rows(matrix: Matrix) -> tuple[list[str], list[CompetenceRow]]:
    """The matrix as the XLSX has it, in the reader's language."""
    names = [req_name(r) for r in matrix.requirements]
    rows = []
    for row in matrix.rows:
        cells: list[tuple[str | None, date | None]] = []
        for req in matrix.requirements:
            cell = row.cells.get(req.id)
            if cell is None:
                cells.append((None, None))
                continue
            status = f"{STATUS_ICONS[cell.status]} {_(f'competence.status.{cell.status.value}')}"
            cells.append((status, cell.expires))
        rows.append(
            CompetenceRow(
                name=row.name,
                department=row.department or _("competence.no_department"),
                cells=cells,
                all_valid=_("report.yes") if row.all_valid else _("report.no"),
            )
        )
    return names, rows
