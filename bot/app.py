"""The one factory that builds the bot; `__main__`, the sandbox and the tests all use it."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aiogram import Bot, F
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.storage.memory import SimpleEventIsolation

from bot.clock import Clock, SystemClock
from bot.commands import CommandMenus
from bot.config import TELEGRAM_API, Settings
from bot.domain.reminders import Kind
from bot.evidence import EvidenceCollector
from bot.handlers import acknowledgements, errors, get_routers
from bot.i18n import PoI18n, create_i18n
from bot.inflight import InFlight, TrackingDispatcher
from bot.middlewares import LanguageMiddleware, RedeliveryMiddleware, UserMiddleware
from bot.outbound import Outbound
from bot.scheduler.runner import SweepScheduler
from bot.scheduler.sender import Sender
from bot.scheduler.sweep import Sweeper
from bot.services.accounts import AccountService
from bot.services.audits import AuditService
from bot.services.calendar import CalendarService
from bot.services.competence import CompetenceService
from bot.services.departments import DepartmentService
from bot.services.documents import DocumentService
from bot.services.files import FileService, FileUnavailable
from bot.services.findings import FindingService
from bot.services.integration import add_to_board, wire_review_and_kpis
from bot.services.invites import InviteService
from bot.services.nonconformities import NcService
from bot.services.notices import Notices
from bot.services.now import standard_board
from bot.services.objectives import ObjectiveService
from bot.services.programme import ProgrammeService
from bot.services.questionnaire import QuestionnaireService
from bot.services.redelivery import HandledLog
from bot.services.reports import ReportService
from bot.services.reviews import ReviewService
from bot.services.risks import RiskService
from bot.services.suppliers import SupplierService
from bot.services.surveys import SurveyService
from bot.services.templates import TemplateService
from bot.session import BotSession
from bot.storage.db import Database
from bot.storage.files import FileStore, store_root
from bot.storage.fsm import SQLStorage
from bot.storage.lock import ProcessLock
from bot.storage.notifications import LedgerRepo

if TYPE_CHECKING:
    from aiohttp import web

log = logging.getLogger(__name__)
WEBHOOK_PATH = "/telegram/webhook"
STOP_WAIT = 10.0  # seconds a stop waits for running handlers and queued messages


def create_bot(settings: Settings, outbound: Outbound | None = None) -> Bot:
    # One session: each builds its own TLS context (certifi's bundle, ~45 ms).
    if settings.telegram_api_url != TELEGRAM_API:
        api = TelegramAPIServer.from_base(settings.telegram_api_url)
        session = BotSession(api=api, timeout=settings.telegram_timeout)
    else:
        session = BotSession(timeout=settings.telegram_timeout)
    session.middleware(outbound or Outbound(settings.send_rate, settings.chat_send_rate))
    return Bot(
        token=settings.bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )


@dataclass
class App:
    settings: Settings
    db: Database
    bot: Bot
    dispatcher: TrackingDispatcher
    i18n: PoI18n
    sweeper: Sweeper
    inflight: InFlight
    menus: CommandMenus
    outbound: Outbound
    lock: ProcessLock | None = None
    clock: Clock = field(default_factory=SystemClock)

    async def idle(self) -> None:
        """Returns once no update is being handled and nothing it started is running."""
        await self.inflight.idle()

    async def serve(self, handle_signals: bool = True, polling_timeout: int = 10) -> None:
        """Polls Telegram until stopped (SIGTERM, Ctrl+C or `stop_polling`). Each update is
        handled as its own task, as aiogram does by default; one person's in order."""
        await self.bot.get_me()  # a wrong token or no Telegram: fail now, in one line
        await self.bot.delete_webhook(drop_pending_updates=False)
        await self.bot.get_updates(limit=1, timeout=0)  # 409 when another bot polls
        await self.dispatcher.start_polling(
            self.bot,
            handle_signals=handle_signals,
            close_bot_session=False,
            polling_timeout=polling_timeout,
        )

    async def close(self) -> None:
        """After polling stopped: waits (bounded) for what is still running, then closes."""
        await self.inflight.drain(STOP_WAIT)
        await self.bot.session.close()
        await self.db.close()
        if self.lock is not None:
            self.lock.release()


async def create_app(
    settings: Settings, clock: Clock | None = None, lock: ProcessLock | None = None
) -> App:
    """The bot, ready to serve. `lock`: the database's process lock if the caller already
    holds it (`python -m bot` takes it before the slow imports, so a second bot is refused
    at once); else it is taken here. On PostgreSQL there is no lock: several processes
    share the database (their claims of a dead one expire: LedgerRepo.claim)."""
    clock = clock or SystemClock()
    shared = settings.postgres_url is not None
    if not shared:
        lock = lock or ProcessLock(settings.database_path).acquire()
    released = unknown = 0
    try:
        db = Database.of(settings)
        await db.migrate()
        if not shared:  # this process is the database's only one: the last run's claims
            released, unknown = await db.run(lambda conn: LedgerRepo(conn).recover())
    except BaseException:
        if lock is not None:
            lock.release()
        raise
    if released or unknown:
        log.info("messages of the last run: %s to send, %s maybe sent", released, unknown)
    i18n = create_i18n(settings.default_language)
    outbound = Outbound(settings.send_rate, settings.chat_send_rate)
    bot = create_bot(settings, outbound)
    inflight = InFlight()
    accounts = AccountService(db, clock, settings.admin_ids)
    templates = TemplateService(db, clock)
    audits = AuditService(db, clock, templates, settings.tz, settings.year_start)
    await templates.sync_shipped()
    sweeper = Sweeper(
        bot=bot,
        i18n=i18n,
        db=db,
        clock=clock,
        settings=settings,
        accounts=accounts,
        audits=audits,
        templates=templates,
        sender=Sender(bot, settings.send_rate),
        inflight=inflight,
    )
    menus = CommandMenus(bot, i18n, accounts, settings.default_language, inflight)
    ncs = NcService(db, clock, settings.tz, templates, settings.severity_due_days)
    file_store = FileService(
        db, clock, FileStore(store_root(settings.database_path)), settings.file_max_mb
    )
    calendar = CalendarService(db, clock, settings.database_path.parent)
    sweeper.calendar = calendar.current
    objectives = ObjectiveService(db, clock, settings.tz, calendar, ncs, settings.year_start)
    # One person's updates are handled one after another (aiogram's events isolation, a
    # lock per chat and user), everyone's in parallel: a dialog step sees the one before.
    isolation = SimpleEventIsolation()
    dispatcher = TrackingDispatcher(
        inflight,
        # Dialogs from memory while this process is the database's only one (SQLite).
        storage=SQLStorage(db, cache=not shared),
        events_isolation=isolation,
        settings=settings,
        db=db,
        clock=clock,
        i18n=i18n,
        accounts=accounts,
        departments=DepartmentService(db, clock, accounts.forget),
        invites=InviteService(db, clock, settings.invite_ttl_days),
        templates=templates,
        calendar=calendar,
        audits=audits,
        questionnaires=QuestionnaireService(db, clock, templates),
        ncs=ncs,
        findings=FindingService(db, clock, templates, ncs),
        reports=ReportService(
            db,
            clock,
            settings.tz,
            templates,
            settings.year_start,
            files=file_store,
            photos_max=settings.report_photos_max,
        ),
        competence=CompetenceService(db, clock, settings.tz, settings.competence_remind_days),
        notices=Notices(sweeper.tell, clock, settings.tz),
        objectives=objectives,
        reviews=ReviewService(db, objectives),
        surveys=SurveyService(
            db,
            clock,
            settings.tz,
            ncs,
            settings.survey_min_group,
            settings.survey_threshold,
            settings.survey_rate,
        ),
        risks=RiskService(db, clock, settings.tz),
        suppliers=SupplierService(db, clock, settings.tz, ncs),
        sweeper=sweeper,
        menus=menus,
        evidence=EvidenceCollector(isolation, inflight),
        documents=DocumentService(
            db, clock, settings.tz, settings.doc_ack_remind_days, settings.doc_review_notice_days
        ),
        file_store=file_store,
    )
    # Issue 12: the school year's audit programme (its calendar is the dispatcher's).
    dispatcher["programme"] = ProgrammeService(
        db, clock, audits, templates, dispatcher["calendar"], settings.programme_low_compliance,
        dispatcher["risks"].top_levels,
    )  # fmt: skip
    # The bot works in private chats only; group messages are ignored.
    dispatcher.message.filter(F.chat.type == "private")
    # Outermost of ours: a redelivered update is skipped before anything reads or writes.
    dispatcher.update.outer_middleware(RedeliveryMiddleware(HandledLog(db, clock)))
    dispatcher.update.outer_middleware(UserMiddleware(accounts, settings.default_language))
    LanguageMiddleware(i18n, settings.default_language).setup(dispatcher)
    dispatcher.include_router(errors.make_router())
    dispatcher.include_routers(*get_routers())

    async def on_startup() -> None:
        menus.sync_all()  # in the background: polling starts now
        # Evidence kept before the store, fetched while Telegram still has it; never
        # blocking the start.
        inflight.spawn(file_store.backfill(download), name="files-backfill")

    async def download(file_id: str) -> bytes:
        try:
            buffer = await bot.download(file_id)
        except TelegramBadRequest as error:  # an id this bot's Telegram does not know
            raise FileUnavailable(error.message) from None
        assert buffer is not None
        return buffer.read()

    async def on_shutdown() -> None:
        await inflight.drain(STOP_WAIT)

    dispatcher.startup.register(on_startup)
    dispatcher.shutdown.register(on_shutdown)
    # Issue 13: a closed audit's results message is followed by its chart and DOCX.
    sweeper.follow_ups[Kind.AUDIT_RESULTS] = acknowledgements.results_follow_up(
        bot, i18n, audits, dispatcher["reports"], settings.compliance_target
    )
    # /summary's "now" block: other features add their providers here.
    dispatcher["now"] = standard_board(db, settings.tz, max(settings.competence_remind_days))
    # Issues 14-16 fill the seams left for them: now, the review pack's sections, KPIs.
    add_to_board(
        dispatcher["now"], db, settings.tz, dispatcher["objectives"], dispatcher["documents"],
        dispatcher["surveys"], dispatcher["risks"], dispatcher["suppliers"],
    )  # fmt: skip
    wire_review_and_kpis(settings.survey_min_group, settings.tz)
    return App(
        settings=settings,
        db=db,
        bot=bot,
        dispatcher=dispatcher,
        i18n=i18n,
        sweeper=sweeper,
        inflight=inflight,
        menus=menus,
        outbound=outbound,
        lock=lock,
        clock=clock,
    )


def attach_scheduler(app: App) -> SweepScheduler:
    """The sweep runs while the dispatcher runs (polling or webhook)."""
    scheduler = SweepScheduler(app.sweeper, app.settings.sweep_seconds)

    async def start() -> None:
        scheduler.start()

    async def stop() -> None:
        scheduler.shutdown()

    app.dispatcher.startup.register(start)
    app.dispatcher.shutdown.register(stop)
    return scheduler


async def run_polling(app: App) -> None:
    attach_scheduler(app)
    try:
        await app.serve()
    finally:
        await app.close()


def create_webhook_app(app: App) -> web.Application:
    # The web server only in webhook mode: polling, the usual start, does without (1,5 MB).
    from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
    from aiohttp import web

    settings = app.settings
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    web_app = web.Application()
    SimpleRequestHandler(app.dispatcher, app.bot, secret_token=secret).register(
        web_app, path=WEBHOOK_PATH
    )

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    web_app.router.add_get("/healthz", healthz)

    async def set_webhook(bot: Bot) -> None:
        assert settings.webhook_url is not None
        await bot.set_webhook(f"{settings.webhook_url}{WEBHOOK_PATH}", secret_token=secret)

    app.dispatcher.startup.register(set_webhook)
    attach_scheduler(app)
    setup_application(web_app, app.dispatcher, bot=app.bot)
    return web_app
