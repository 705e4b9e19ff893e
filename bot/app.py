"""The one factory that builds the bot; `__main__` and the tests both use it."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from aiogram import Bot, Dispatcher, F
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiohttp import web

from bot.clock import Clock, SystemClock
from bot.commands import set_public_commands, sync_all_commands
from bot.config import TELEGRAM_API, Settings
from bot.handlers import errors, get_routers
from bot.i18n import PoI18n, create_i18n
from bot.middlewares import LanguageMiddleware, UserMiddleware
from bot.scheduler.runner import SweepScheduler
from bot.scheduler.sender import Sender
from bot.scheduler.sweep import Sweeper
from bot.services.accounts import AccountService
from bot.services.audits import AuditService
from bot.services.departments import DepartmentService
from bot.services.invites import InviteService
from bot.services.nonconformities import NcService
from bot.services.questionnaire import QuestionnaireService
from bot.services.reports import ReportService
from bot.services.templates import TemplateService
from bot.session import BotSession
from bot.storage.db import Database
from bot.storage.fsm import SQLStorage

log = logging.getLogger(__name__)
WEBHOOK_PATH = "/telegram/webhook"


def create_bot(settings: Settings) -> Bot:
    session = BotSession()
    if settings.telegram_api_url != TELEGRAM_API:
        session = BotSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
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
    dispatcher: Dispatcher
    i18n: PoI18n
    sweeper: Sweeper
    clock: Clock = field(default_factory=SystemClock)

    async def close(self) -> None:
        await self.bot.session.close()
        await self.db.close()
        release_routers(self.dispatcher)


def release_routers(dispatcher: Dispatcher) -> None:
    """Routers are module-level (decorators need them at import) and aiogram lets a
    router join one parent only. Releasing them when an app closes lets the same
    process build the app again: the tests restart the bot on the same database."""
    for router in dispatcher.sub_routers:
        router._parent_router = None
    dispatcher.sub_routers.clear()


def create_dispatcher(settings: Settings, db: Database, clock: Clock, i18n: PoI18n) -> Dispatcher:
    accounts = AccountService(db, clock, settings.admin_ids)
    templates = TemplateService(db, clock)
    audits = AuditService(db, clock, templates, settings.tz)
    dispatcher = Dispatcher(
        storage=SQLStorage(db),
        settings=settings,
        db=db,
        clock=clock,
        accounts=accounts,
        departments=DepartmentService(db, clock, accounts.forget),
        invites=InviteService(db, clock, settings.invite_ttl_days),
        templates=templates,
        audits=audits,
        questionnaires=QuestionnaireService(db, clock, templates),
        ncs=NcService(db, clock, settings.tz, templates),
        reports=ReportService(db, clock, settings.tz, templates),
    )
    # The bot works in private chats only; group messages are ignored.
    dispatcher.message.filter(F.chat.type == "private")
    dispatcher.update.outer_middleware(UserMiddleware(accounts, settings.default_language))
    LanguageMiddleware(i18n, settings.default_language).setup(dispatcher)
    dispatcher.include_router(errors.router)
    dispatcher.include_routers(*get_routers())

    async def on_startup(bot: Bot) -> None:
        await set_public_commands(bot, i18n, settings.default_language)
        await sync_all_commands(bot, i18n, accounts, settings.default_language)

    dispatcher.startup.register(on_startup)
    return dispatcher


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


async def create_app(settings: Settings, clock: Clock | None = None) -> App:
    clock = clock or SystemClock()
    db = Database.sqlite(settings.database_path)
    await db.migrate()
    i18n = create_i18n(settings.default_language)
    bot = create_bot(settings)
    dispatcher = create_dispatcher(settings, db, clock, i18n)
    await dispatcher["templates"].sync_shipped()
    sweeper = Sweeper(
        bot=bot,
        i18n=i18n,
        db=db,
        clock=clock,
        settings=settings,
        accounts=dispatcher["accounts"],
        audits=dispatcher["audits"],
        templates=dispatcher["templates"],
        sender=Sender(bot, settings.send_rate),
    )
    dispatcher["i18n"] = i18n
    dispatcher["sweeper"] = sweeper
    return App(
        settings=settings,
        db=db,
        bot=bot,
        dispatcher=dispatcher,
        i18n=i18n,
        sweeper=sweeper,
        clock=clock,
    )


async def run_polling(app: App) -> None:
    attach_scheduler(app)
    await app.bot.delete_webhook(drop_pending_updates=False)
    try:
        await app.dispatcher.start_polling(app.bot, close_bot_session=False)
    finally:
        await app.close()


def create_webhook_app(app: App) -> web.Application:
    from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application

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
