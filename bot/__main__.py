"""`python -m bot` starts the bot: long polling, or a webhook server when WEBHOOK_URL is set."""

from __future__ import annotations

import asyncio
import logging
import sys

from pydantic import ValidationError

from bot.config import Settings, describe_errors


def load_settings() -> Settings:
    try:
        return Settings()  # type: ignore[call-arg]
    except ValidationError as error:
        for line in describe_errors(error):
            print(line, file=sys.stderr)
        raise SystemExit(2) from None


async def serve_webhook(settings: Settings) -> None:
    from aiohttp import web

    from bot.app import create_app, create_webhook_app

    app = await create_app(settings)
    runner = web.AppRunner(create_webhook_app(app))
    await runner.setup()
    await web.TCPSite(runner, settings.webhook_host, settings.webhook_port).start()
    logging.getLogger(__name__).info("webhook server on port %s", settings.webhook_port)
    try:
        await asyncio.Event().wait()  # until Ctrl+C / SIGTERM cancels the loop
    finally:
        await runner.cleanup()
        await app.close()


def main() -> None:
    # Settings are checked before the heavy imports, so a typo is reported at once.
    settings = load_settings()
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if settings.webhook_url:
        if settings.webhook_secret is None:
            print("Setting WEBHOOK_SECRET: is required when WEBHOOK_URL is set", file=sys.stderr)
            raise SystemExit(2)
        asyncio.run(serve_webhook(settings))
        return

    async def polling() -> None:
        from bot.app import create_app, run_polling

        await run_polling(await create_app(settings))

    asyncio.run(polling())


if __name__ == "__main__":
    main()
