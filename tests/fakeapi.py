"""The tests' fake Telegram: the local Bot API server that ships with the sandbox."""

from bot.sandbox.botapi import ApiError, FakeTelegram, Fault, Msg, Reply, TgUser, html_to_text

__all__ = ["ApiError", "FakeTelegram", "Fault", "Msg", "Reply", "TgUser", "html_to_text"]
