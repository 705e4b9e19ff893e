"""Which language a person gets."""

SUPPORTED = ("ru", "en")


def pick_language(stored: str | None, telegram_code: str | None, default: str) -> str:
    """The user's own choice first; else Telegram's `en*` means English, `ru*` Russian,
    and anything else the school's default."""
    if stored in SUPPORTED:
        return stored
    code = (telegram_code or "").lower()
    if code.startswith("en"):
        return "en"
    if code.startswith("ru"):
        return "ru"
    return default
