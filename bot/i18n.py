"""aiogram's gettext I18n, reading the `.po` files in `locales/` directly (compiled in
memory with Babel), so there is no build step and no binary `.mo` in the repository."""

from __future__ import annotations

import gettext
from collections.abc import Iterator
from contextlib import contextmanager
from io import BytesIO
from pathlib import Path

from aiogram.utils.i18n import I18n
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from bot.paths import LOCALES_DIR


def po_path(locale: str, root: Path = LOCALES_DIR) -> Path:
    return root / locale / "LC_MESSAGES" / "messages.po"


class PoI18n(I18n):
    @contextmanager
    def context(self) -> Iterator[I18n]:
        # aiogram's gettext() looks up the current I18n by the base class; a subclass
        # would otherwise register itself under its own name and never be found.
        token = I18n.set_current(self)
        try:
            yield self
        finally:
            I18n.reset_current(token)

    def find_locales(self) -> dict[str, gettext.GNUTranslations]:
        translations: dict[str, gettext.GNUTranslations] = {}
        for folder in sorted(self.path.iterdir()):
            po = folder / "LC_MESSAGES" / f"{self.domain}.po"
            if not po.exists():
                continue
            with po.open("rb") as source:
                catalog = read_po(source, locale=folder.name)
            compiled = BytesIO()
            write_mo(compiled, catalog)
            compiled.seek(0)
            translations[folder.name] = Translations(compiled, domain=self.domain)
        return translations


def create_i18n(default_locale: str) -> PoI18n:
    return PoI18n(path=LOCALES_DIR, default_locale=default_locale, domain="messages")
