"""/docs: the register of controlled documents. Everyone reads the documents in force that
concern him and acknowledges them («Ознакомлен(а)»); the manager registers a document with
its file (a short wizard with back and cancel), chooses whom a version goes to, puts an
approved version in force and keeps its review date; the manager or the director (the
observer) approves; the sheet of a version as DOCX, the matrix of the school as XLSX."""

from __future__ import annotations

import asyncio
from datetime import date

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import DocAction, DocCB, DocListCB, DocWizardAction, DocWizardCB, MenuCB
from bot.dialogs import advance, need, set_dialog
from bot.domain.dates import format_date, parse_date
from bot.domain.documents import Card, DocType
from bot.domain.models import User
from bot.domain.roles import Role
from bot.evidence import received_item
from bot.filters import HasRole
from bot.scheduler.sweep import Sweeper
from bot.services.departments import DepartmentService
from bot.services.documents import DocumentService
from bot.services.errors import Refused
from bot.services.files import FileService
from bot.services.nonconformities import NcService
from bot.services.notices import Notices
from bot.ui import ask, refusal_text, send_file, show
from bot.views import documents as views
from bot.views.reports import gettext

MANAGER = HasRole(Role.MANAGER)


class DocWizard(StatesGroup):
    code = State()
    title = State()
    type = State()
    file = State()  # data "doc": a new version of that document
    album = State()  # the rest of an album whose first file became the document


class DocTyped(StatesGroup):
    search = State()
    review = State()


# -- reading -----------------------------------------------------------------------------------


async def _home(
    event: Message | CallbackQuery, state: FSMContext, user: User, documents: DocumentService
) -> None:
    await state.clear()
    waiting = len(await documents.to_acknowledge(user))
    await show(event, *views.home_screen(user, waiting))


async def docs_command(
    message: Message, state: FSMContext, user: User, documents: DocumentService
) -> None:
    await _home(message, state, user, documents)


async def docs_menu(
    callback: CallbackQuery, state: FSMContext, user: User, documents: DocumentService
) -> None:
    await _home(callback, state, user, documents)


async def _show_card(
    event: Message | CallbackQuery,
    card: Card,
    user: User,
    documents: DocumentService,
    alert: str | None = None,
) -> None:
    names, departments = await documents.labels()
    await show(event, *views.card_screen(card, user, names, departments), alert=alert)


async def open_card(
    callback: CallbackQuery, callback_data: DocCB, user: User, documents: DocumentService
) -> None:
    await _show_card(callback, await documents.card(user, callback_data.id), user, documents)


async def listed(
    callback: CallbackQuery,
    callback_data: DocListCB,
    user: User,
    documents: DocumentService,
    departments: DepartmentService,
) -> None:
    if callback_data.by_dept:
        await show(callback, *views.departments_screen(await departments.list()))
        return
    if callback_data.kind:
        try:
            kind = DocType(callback_data.kind)
        except ValueError:
            raise Refused("stale") from None
        found = await documents.browse(user, kind=kind)
        heading = _(f"documents.types.{kind.value}")
    else:
        department = await departments.get(callback_data.dept)
        found = await documents.browse(user, department_id=department.id)
        heading = _("documents.of_department").format(name=department.name)
    await show(callback, *views.list_screen(heading, found, callback_data.page, callback_data))


async def mine(callback: CallbackQuery, user: User, documents: DocumentService) -> None:
    found = await documents.to_acknowledge(user)
    await show(callback, *views.list_screen(_("documents.mine_title"), found, 0, None))


async def search_ask(callback: CallbackQuery, state: FSMContext) -> None:
    await set_dialog(state, DocTyped.search)
    await ask(callback, _("documents.ask_word"), views.wizard_keyboard(back=False))


async def search_typed(
    message: Message, state: FSMContext, user: User, documents: DocumentService
) -> None:
    word = " ".join((message.text or "").split())
    found = await documents.browse(user, word=word)
    await state.clear()
    heading = _("documents.found").format(word=word)
    await show(message, *views.list_screen(heading, found, 0, None))


async def show_file(
    callback: CallbackQuery,
    callback_data: DocCB,
    user: User,
    documents: DocumentService,
    bot: Bot,
    file_store: FileService,
) -> None:
    document, version = await documents.file_of(user, callback_data.id)
    await callback.answer()
    caption = f"{document.code} · {document.title} · v{version.number}"
    await send_file(bot, user.tg_id, version.file, caption, file_store)


# -- the wizard: a new document or a new version -----------------------------------------------


async def new_document(callback: CallbackQuery, state: FSMContext) -> None:
    await set_dialog(state, DocWizard.code)
    await ask(callback, _("documents.ask_code"), views.wizard_keyboard(back=False))


async def new_version(
    callback: CallbackQuery,
    callback_data: DocCB,
    state: FSMContext,
    user: User,
    documents: DocumentService,
) -> None:
    if not user.has(Role.MANAGER):
        raise Refused("documents.manager_only")
    card = await documents.card(user, callback_data.id)
    if card.pending is not None:
        raise Refused("documents.draft_exists", number=card.pending.number)
    await set_dialog(state, DocWizard.file, doc=card.document.id)
    text = _("documents.ask_version_file").format(code=card.document.code)
    await ask(callback, text, views.wizard_keyboard(back=False))


async def code_typed(message: Message, state: FSMContext, documents: DocumentService) -> None:
    try:
        code = await documents.check_code(message.text or "")
    except Refused as refusal:  # the question stays
        await message.answer(refusal_text(refusal), reply_markup=views.wizard_keyboard(False))
        return
    await advance(state, DocWizard.title, code=code)
    await message.answer(_("documents.ask_title"), reply_markup=views.wizard_keyboard())


async def title_typed(message: Message, state: FSMContext, documents: DocumentService) -> None:
    try:
        title = await documents.check_title(message.text or "")
    except Refused as refusal:  # the question stays
        await message.answer(refusal_text(refusal), reply_markup=views.wizard_keyboard())
        return
    await advance(state, DocWizard.type, title=title)
    await message.answer(_("documents.ask_type"), reply_markup=views.type_keyboard())


async def type_picked(
    callback: CallbackQuery, callback_data: DocWizardCB, state: FSMContext
) -> None:
    try:
        kind = DocType(callback_data.v)
    except ValueError:
        raise Refused("stale") from None
    await advance(state, DocWizard.file, type=kind.value)
    await ask(callback, _("documents.ask_file"), views.wizard_keyboard())


async def file_given(
    message: Message,
    state: FSMContext,
    user: User,
    documents: DocumentService,
    file_store: FileService,
) -> None:
    item = await received_item(message, file_store)
    assert item is not None
    data = await state.get_data()
    if "doc" in data:
        card = await documents.new_version(user, data["doc"], item)
    else:
        code, title, kind = need(data, "code", "title", "type")
        try:
            card = await documents.create(user, code, title, DocType(kind), item)
        except Refused as refusal:
            await state.clear()
            await message.answer(refusal_text(refusal))
            return
    if message.media_group_id:  # a document is one file: the album's first is kept
        await set_dialog(state, DocWizard.album, group=message.media_group_id)
    else:
        await state.clear()
    pending = card.pending
    assert pending is not None
    text = _("documents.registered").format(code=card.document.code, number=pending.number)
    if message.media_group_id:
        text += "\n" + _("documents.album_first")
    await message.answer(text)
    await _show_card(message, card, user, documents)


async def album_rest(message: Message, state: FSMContext) -> None:
    """The album's other pages: already answered for; anything else ends the wait."""
    (group,) = need(await state.get_data(), "group")
    if message.media_group_id != group:
        await state.clear()
        await message.answer(_("documents.album_over"))


async def file_missing(message: Message) -> None:
    await message.answer(_("documents.need_file"), reply_markup=views.wizard_keyboard())


async def wizard_back(
    callback: CallbackQuery, state: FSMContext, user: User, documents: DocumentService
) -> None:
    current = await state.get_state()
    data = await state.get_data()
    if current == DocWizard.title.state:
        await set_dialog(state, DocWizard.code)
        await ask(callback, _("documents.ask_code"), views.wizard_keyboard(back=False))
    elif current == DocWizard.type.state:
        await advance(state, DocWizard.title)
        await ask(callback, _("documents.ask_title"), views.wizard_keyboard())
    elif current == DocWizard.file.state and "doc" not in data:
        await advance(state, DocWizard.type)
        await ask(callback, _("documents.ask_type"), views.type_keyboard())
    else:
        await wizard_cancel(callback, state, user, documents)


async def wizard_cancel(
    callback: CallbackQuery, state: FSMContext, user: User, documents: DocumentService
) -> None:
    await state.clear()
    await callback.answer(_("documents.cancelled"))
    waiting = len(await documents.to_acknowledge(user))
    if callback.message is not None:
        text, keyboard = views.home_screen(user, waiting)
        await callback.message.answer(text, reply_markup=keyboard)


async def stale_wizard(callback: CallbackQuery) -> None:
    """A wizard's button after the wizard ended (or from another one)."""
    await callback.answer(_("refused.documents.stale"), show_alert=True)


async def owners(
    callback: CallbackQuery, callback_data: DocCB, user: User, documents: DocumentService
) -> None:
    card = await documents.card(user, callback_data.id)
    people = await documents.people()
    await show(callback, *views.owners_screen(card, people, callback_data.n))


async def set_owner(
    callback: CallbackQuery, callback_data: DocCB, user: User, documents: DocumentService
) -> None:
    card = await documents.set_owner(user, callback_data.id, callback_data.n)
    await _show_card(callback, card, user, documents)


# -- documents an NC cites -----------------------------------------------------------------


async def nc_documents(
    callback: CallbackQuery,
    callback_data: DocCB,
    user: User,
    documents: DocumentService,
    ncs: NcService,
) -> None:
    if callback_data.action is DocAction.CITE:
        await ncs.get(user, callback_data.id)  # may he see it at all
        await documents.cite(user, callback_data.id, callback_data.n, callback_data.v == "1")
    nc = await ncs.get(user, callback_data.id)
    cited, candidates = await documents.citations(nc.id)
    may_change = user.has(Role.MANAGER, Role.AUDITOR)
    await show(callback, *views.citations_screen(nc.id, nc.number, cited, candidates, may_change))


# -- approval, entry into force, withdrawal ----------------------------------------------------


async def audience(
    callback: CallbackQuery,
    callback_data: DocCB,
    user: User,
    documents: DocumentService,
    departments: DepartmentService,
) -> None:
    if callback_data.action is DocAction.ROLE:
        try:
            role = Role(callback_data.v)
        except ValueError:
            raise Refused("stale") from None
        present = callback_data.n == 1
        card = await documents.choose_audience(user, callback_data.id, role=role, present=present)
    elif callback_data.action is DocAction.DEPT:
        department = await departments.get(callback_data.n)
        card = await documents.choose_audience(
            user, callback_data.id, department=department.id, present=callback_data.v == "1"
        )
    else:
        card = await documents.card_of_version(user, callback_data.id)
    if card.pending is None or card.pending.id != callback_data.id:
        raise Refused("documents.stale")
    await show(callback, *views.audience_screen(card, await departments.list()))


async def approve(
    callback: CallbackQuery, callback_data: DocCB, user: User, documents: DocumentService
) -> None:
    card = await documents.approve(user, callback_data.id)
    await _show_card(callback, card, user, documents, alert=_("documents.approved"))


async def enforce(
    callback: CallbackQuery,
    callback_data: DocCB,
    user: User,
    documents: DocumentService,
    notices: Notices,
    sweeper: Sweeper,
) -> None:
    done = await documents.enforce(user, callback_data.id)
    current = done.card.in_force
    assert current is not None
    if done.withdrawn is not None:
        document = done.card.document
        await notices.document_replaced(
            document.code, document.title, done.withdrawn.number, current.number,
            document.id, done.withdrawn.id, done.readers,
        )  # fmt: skip
    # The distribution is the reminders' (ledger, quiet hours): a sweep now sends it.
    sweeper.inflight.spawn(sweeper.run_once(), name="documents-distribution")
    alert = _("documents.enforced").format(count=len(done.card.audience))
    await _show_card(callback, done.card, user, documents, alert=alert)


async def withdraw(
    callback: CallbackQuery, callback_data: DocCB, user: User, documents: DocumentService
) -> None:
    card = await documents.withdraw(user, callback_data.id)
    await _show_card(callback, card, user, documents, alert=_("documents.withdrawn"))


async def acknowledge(
    callback: CallbackQuery, callback_data: DocCB, user: User, documents: DocumentService
) -> None:
    card, new = await documents.acknowledge(user, callback_data.id)
    if not new:
        await callback.answer(_("documents.already_acked"), show_alert=True)
        return
    await show(callback, *views.acked_screen(card, documents.today()))


# -- review --------------------------------------------------------------------------------


async def still_valid(
    callback: CallbackQuery, callback_data: DocCB, user: User, documents: DocumentService
) -> None:
    if callback_data.n < 1:  # a forged button: no date drawn on it
        raise Refused("documents.stale")
    card = await documents.still_valid(user, callback_data.id, date.fromordinal(callback_data.n))
    current = card.in_force
    assert current is not None and current.review_on is not None
    alert = _("documents.review_moved").format(date=format_date(current.review_on))
    await _show_card(callback, card, user, documents, alert=alert)


async def review_ask(callback: CallbackQuery, callback_data: DocCB, state: FSMContext) -> None:
    await set_dialog(state, DocTyped.review, version=callback_data.id)
    await ask(callback, _("documents.ask_review"), views.wizard_keyboard(back=False))


async def review_typed(
    message: Message, state: FSMContext, user: User, documents: DocumentService
) -> None:
    day = parse_date(message.text or "")
    if day is None:
        await message.answer(_("refused.audits.bad_date"))
        return
    (version_id,) = need(await state.get_data(), "version")
    try:
        card = await documents.set_review(user, version_id, day)
    except Refused as refusal:
        if refusal.key != "documents.review_in_past":
            await state.clear()
        await message.answer(refusal_text(refusal))
        return
    await state.clear()
    await _show_card(message, card, user, documents)


# -- the sheet and the matrix --------------------------------------------------------------


async def sheet_docx(
    callback: CallbackQuery, callback_data: DocCB, user: User, documents: DocumentService, bot: Bot
) -> None:
    from bot.reports.docx import build_ack_sheet

    await callback.answer(_("export.preparing"))
    sheet = await documents.sheet(user, callback_data.id, views.sheet_words())
    heading, lines, columns = views.sheet_texts(sheet)
    data = await asyncio.to_thread(
        build_ack_sheet, heading, lines, columns, views.sheet_table(sheet),
        _("report.docx.language"),
    )  # fmt: skip
    name = f"{sheet.document.code}-v{sheet.version.number}-sheet.docx"
    caption = views.sheet_caption(sheet)
    await bot.send_document(user.tg_id, BufferedInputFile(data, name), caption=caption)


async def matrix_xlsx(
    callback: CallbackQuery, user: User, documents: DocumentService, bot: Bot
) -> None:
    from bot.reports.xlsx import build_documents_workbook

    await callback.answer(_("export.preparing"))
    matrix = await documents.matrix(user)
    names, rows = views.matrix_rows(matrix)
    data = await asyncio.to_thread(build_documents_workbook, names, rows, gettext)
    name = f"documents-{documents.today().isoformat()}.xlsx"
    caption = _("documents.matrix_caption").format(count=len(matrix.documents))
    await bot.send_document(user.tg_id, BufferedInputFile(data, name), caption=caption)


def make_router() -> Router:
    """This feature's handlers, on a router of their own (a fresh one per app)."""
    router = Router(name=__name__)
    router.message.filter(HasRole())
    router.callback_query.filter(HasRole())

    def on(action: DocAction) -> CallbackQueryFilter:
        return DocCB.filter(F.action == action)

    def wizard(action: DocWizardAction) -> CallbackQueryFilter:
        return DocWizardCB.filter(F.action == action)

    text = (F.text, ~F.text.startswith("/"))
    router.message.register(docs_command, Command("docs"))
    router.callback_query.register(docs_menu, MenuCB.filter(F.command == "docs"))
    router.callback_query.register(docs_menu, on(DocAction.HOME))
    router.callback_query.register(open_card, on(DocAction.OPEN))
    router.callback_query.register(listed, DocListCB.filter())
    router.callback_query.register(mine, on(DocAction.MINE))
    router.callback_query.register(search_ask, on(DocAction.SEARCH))
    router.message.register(search_typed, DocTyped.search, *text)
    router.callback_query.register(show_file, on(DocAction.FILE))
    router.callback_query.register(new_document, on(DocAction.NEW), MANAGER)
    router.callback_query.register(new_version, on(DocAction.NEW_VERSION))
    router.message.register(code_typed, DocWizard.code, MANAGER, *text)
    router.message.register(title_typed, DocWizard.title, MANAGER, *text)
    router.callback_query.register(
        type_picked, DocWizard.type, wizard(DocWizardAction.TYPE), MANAGER
    )
    router.message.register(file_given, DocWizard.file, MANAGER, F.photo | F.document)
    router.message.register(file_missing, DocWizard.file, MANAGER, *text)
    router.message.register(album_rest, DocWizard.album, F.photo | F.document)
    wizard_steps = (DocWizard.code, DocWizard.title, DocWizard.type, DocWizard.file)
    for step in (*wizard_steps, DocTyped.search, DocTyped.review):
        router.callback_query.register(wizard_back, step, wizard(DocWizardAction.BACK))
        router.callback_query.register(wizard_cancel, step, wizard(DocWizardAction.CANCEL))
    router.callback_query.register(stale_wizard, DocWizardCB.filter())
    for action in (DocAction.AUDIENCE, DocAction.ROLE, DocAction.DEPT):
        router.callback_query.register(audience, on(action), MANAGER)
    router.callback_query.register(owners, on(DocAction.OWNERS), MANAGER)
    router.callback_query.register(set_owner, on(DocAction.SET_OWNER), MANAGER)
    router.callback_query.register(nc_documents, on(DocAction.NC_DOCS))
    router.callback_query.register(nc_documents, on(DocAction.CITE))
    router.callback_query.register(approve, on(DocAction.APPROVE))
    router.callback_query.register(enforce, on(DocAction.ENFORCE), MANAGER)
    router.callback_query.register(withdraw, on(DocAction.WITHDRAW), MANAGER)
    router.callback_query.register(acknowledge, on(DocAction.ACK))
    router.callback_query.register(still_valid, on(DocAction.STILL_VALID))
    router.callback_query.register(review_ask, on(DocAction.REVIEW_DATE), MANAGER)
    router.message.register(review_typed, DocTyped.review, MANAGER, *text)
    router.callback_query.register(sheet_docx, on(DocAction.SHEET))
    router.callback_query.register(matrix_xlsx, on(DocAction.MATRIX))
    return router
