"""`python -m bot` — the bot and its administration.

python -m bot                 start the bot (polling, or webhook when WEBHOOK_URL is set)
python -m bot sandbox         the whole bot offline in a browser (demo data)
python -m bot check [--offline]
                              settings, database, integrity, Telegram: 0 when all is well
python -m bot backup          the database and its stored files, one archive in BACKUP_DIR
python -m bot restore FILE    replace the database with a backup (the bot must be stopped)
python -m bot migrate-to-postgres
                              copy the SQLite database into DATABASE_URL's empty PostgreSQL
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import signal
import sys
from datetime import datetime

from pydantic import ValidationError

from bot.config import Settings, describe_errors


def settle_heap() -> None:
    """Called once the app is assembled: what start-up made (a quarter of a million objects,
    aiogram's types most of them) lives as long as the process, so it leaves the collector's
    sight, and the collector, off while they were made (0,9 s of a start), runs again; a full
    collection then walks only what updates make."""
    gc.freeze()
    gc.enable()


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        for line in describe_errors(error):
            print(line, file=sys.stderr)
        raise SystemExit(2) from None


async def serve_webhook(settings: Settings) -> None:
    from aiohttp import web

    from bot.app import create_app, create_webhook_app

    app = await create_app(settings)
    settle_heap()
    try:
        await app.bot.get_me()  # a wrong token or no Telegram: fail now, in one line
        runner = web.AppRunner(create_webhook_app(app))
        await runner.setup()
        await web.TCPSite(runner, settings.webhook_host, settings.webhook_port).start()
    except BaseException:
        await app.close()
        raise
    logging.getLogger(__name__).info("webhook server on port %s", settings.webhook_port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()  # the dispatcher's shutdown waits for running handlers
        await app.close()


def start_failure(error: BaseException, settings: Settings) -> str | None:
    """The one line an administrator needs when the bot cannot start, or None for a bug."""
    from bot.storage.lock import DatabaseInUse

    if isinstance(error, DatabaseInUse):  # found before aiogram was imported: keep it so
        return f"{error}: stop it first (one bot per database)."
    from aiogram.exceptions import (
        TelegramConflictError,
        TelegramNetworkError,
        TelegramServerError,
        TelegramUnauthorizedError,
    )

    if isinstance(error, TelegramUnauthorizedError):
        return "Telegram refused BOT_TOKEN (401 Unauthorized): copy the token from @BotFather."
    if isinstance(error, TelegramConflictError):
        return (
            "Another process is already getting this bot's updates (409 Conflict): stop it first."
        )
    if isinstance(error, TelegramNetworkError | TelegramServerError):
        return f"Telegram is unreachable at {settings.telegram_api_url}: {one_line(error)}"
    return None


def run(settings: Settings) -> None:
    from bot import logs

    logs.configure(settings.log_level, settings.log_format, settings.bot_token.get_secret_value())
    if settings.webhook_url:
        if settings.webhook_secret is None:
            print("Setting WEBHOOK_SECRET: is required when WEBHOOK_URL is set", file=sys.stderr)
            raise SystemExit(2)
        main_coroutine = serve_webhook(settings)
    else:

        async def polling() -> None:
            from bot.storage.lock import ProcessLock

            # Before aiogram's import (seconds): a second bot is refused at once. (On
            # PostgreSQL several may share the database; Telegram refuses a second poller.)
            lock = None
            if settings.postgres_url is None:
                lock = ProcessLock(settings.database_path).acquire()
            from bot.app import create_app, run_polling

            app = await create_app(settings, lock=lock)
            settle_heap()
            await run_polling(app)

        main_coroutine = polling()
    try:
        asyncio.run(main_coroutine)
    except KeyboardInterrupt:
        pass
    except Exception as error:
        line = start_failure(error, settings)
        if line is None:
            raise
        print(line, file=sys.stderr)
        raise SystemExit(1) from None


def one_line(error: BaseException) -> str:
    """The driver's own words when a library wrapped them, on one line."""
    cause = getattr(error, "orig", None) or error
    return (str(cause).strip().splitlines() or [type(cause).__name__])[0]


async def check(settings: Settings, offline: bool) -> list[str]:
    """One line per problem; an empty list when all is well."""
    from bot.storage.backup import file_problems, problems_with
    from bot.storage.db import Database

    problems = []
    try:
        db = Database.of(settings)
        await db.migrate()
        await db.close()
        if settings.postgres_url is None:  # the SQLite file's own checks (and its files')
            problems += problems_with(settings.database_path)
            problems += file_problems(settings.database_path)
    except Exception as error:  # any failure here is a line for the administrator
        where = "DATABASE_URL" if settings.postgres_url else settings.database_path
        problems.append(f"Database {where}: {one_line(error)}")
    if not offline:
        from bot.app import create_bot

        bot = create_bot(settings)
        try:
            me = await bot.get_me()
            if not me.username:
                problems.append("Telegram: the bot has no username")
        except Exception as error:
            problems.append(f"Telegram ({settings.telegram_api_url}): {one_line(error)}")
        finally:
            await bot.session.close()
    return problems


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["sandbox"]:  # its own options (--port, --data) go to it untouched
        from bot.sandbox.run import main as sandbox_main

        sandbox_main(args[1:])
        return
    parser = argparse.ArgumentParser(prog="python -m bot", description="QMS Assistant")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("run", help="start the bot (the default)")
    commands.add_parser("sandbox", help="the whole bot offline in a browser (--port, --data)")
    checking = commands.add_parser("check", help="check settings, database and Telegram")
    checking.add_argument("--offline", action="store_true", help="do not call Telegram")
    commands.add_parser("backup", help="archive the database and its files into BACKUP_DIR")
    restoring = commands.add_parser("restore", help="replace the database with a backup")
    restoring.add_argument("file")
    commands.add_parser(
        "migrate-to-postgres", help="copy DATABASE_PATH into DATABASE_URL's empty database"
    )
    arguments = parser.parse_args(args)
    # Settings are checked before the heavy imports, so a typo is reported at once.
    settings = load_settings()
    if arguments.command in ("backup", "restore") and settings.postgres_url:
        print(f"DATABASE_URL is PostgreSQL: {arguments.command} it with pg_dump / pg_restore "
              "(README, PostgreSQL).", file=sys.stderr)  # fmt: skip
        raise SystemExit(1)
    if arguments.command in (None, "run"):
        gc.disable()  # until settle_heap()
        run(settings)
    elif arguments.command == "migrate-to-postgres":
        to_postgres(settings)
    elif arguments.command == "check":
        problems = asyncio.run(check(settings, arguments.offline))
        for line in problems:
            print(line, file=sys.stderr)
        if problems:
            raise SystemExit(1)
        print("All checks passed.")
    elif arguments.command == "backup":
        from bot.storage.backup import nightly

        target = nightly(
            settings.database_path, settings.backup_dir, datetime.now(), settings.backup_keep
        )
        print(f"Backup written: {target}")
    elif arguments.command == "restore":
        from pathlib import Path

        from bot.storage.backup import problems_with, restore
        from bot.storage.lock import DatabaseInUse, ProcessLock

        candidate = Path(arguments.file)
        problems = problems_with(candidate)
        for line in problems:
            print(line, file=sys.stderr)
        if problems:
            raise SystemExit(1)
        try:
            with ProcessLock(settings.database_path):  # no bot may start meanwhile
                kept = restore(candidate, settings.database_path)
        except DatabaseInUse as error:
            print(f"{error}: stop the bot before restoring.", file=sys.stderr)
            raise SystemExit(1) from None
        print(f"Restored {candidate} into {settings.database_path}.")
        if kept:
            print(f"The previous database is kept as {kept}.")


def to_postgres(settings: Settings) -> None:
    """`migrate-to-postgres`: one line when it cannot, the tables' counts when it did."""
    from bot.storage.lock import DatabaseInUse, ProcessLock
    from bot.storage.to_postgres import CopyRefused, migrate_to_postgres

    url = settings.postgres_url
    if url is None:
        print("Setting DATABASE_URL: the PostgreSQL database to copy into (postgresql://…)",
              file=sys.stderr)  # fmt: skip
        raise SystemExit(2)
    if not settings.database_path.is_file():
        print(f"{settings.database_path}: no such file (DATABASE_PATH)", file=sys.stderr)
        raise SystemExit(1)
    try:
        with ProcessLock(settings.database_path):  # no bot may write meanwhile
            counts = asyncio.run(migrate_to_postgres(settings.database_path, url))
    except DatabaseInUse as error:
        print(f"{error}: stop the bot before copying.", file=sys.stderr)
        raise SystemExit(1) from None
    except CopyRefused as error:
        print(error, file=sys.stderr)
        raise SystemExit(1) from None
    except Exception as error:  # the server refused, the address is wrong: one line
        print(f"DATABASE_URL: {one_line(error)}", file=sys.stderr)
        raise SystemExit(1) from None
    total = sum(counts.values())
    tables = sum(1 for count in counts.values() if count)
    print(f"Copied {total} rows of {tables} tables into DATABASE_URL; set it and start the bot.")


def sandbox() -> None:
    """The `qms-sandbox` console script."""
    main(["sandbox", *sys.argv[1:]])


if __name__ == "__main__":
    main()
