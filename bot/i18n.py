"""aiogram's gettext I18n, reading the `.po` files in `locales/` directly (compiled in
memory with Babel), so there is no build step and no binary `.mo` in the repository."""

from __future__ import annotations

import functools
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
            stamp = po.stat()
            translations[folder.name] = _compiled(
                po, folder.name, self.domain, stamp.st_mtime_ns, stamp.st_size
            )
        return translations


@functools.lru_cache(maxsize=16)
def _compiled(po: Path, locale: str, domain: str, mtime_ns: int, size: int) -> Translations:
    """A catalogue compiled once per process (and again when its file changes): Babel takes
    ~30 ms per locale, and the tests build the app hundreds of times. Lookups never change
    a Translations object, so the apps may share it."""
    del mtime_ns, size  # part of the cache key only
    with po.open("rb") as source:
        catalog = read_po(source, locale=locale)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain=domain)


def create_i18n(default_locale: str) -> PoI18n:
    return PoI18n(path=LOCALES_DIR, default_locale=default_locale, domain="messages")
