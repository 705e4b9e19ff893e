"""Every text exists in Russian and English, with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.domain.invites import InviteProblem
from bot.domain.language import SUPPORTED
from bot.domain.roles import ALL_ROLES, COMMAND_ROLES, PUBLIC_COMMANDS
from bot.i18n import create_i18n, po_path
from bot.keyboards.menu import MENU_COMMANDS

BOT = Path(__file__).resolve().parent.parent / "bot"
PLACEHOLDER = re.compile(r"\{(\w*)\}")


def catalog(locale: str) -> dict[str, str]:
    with po_path(locale).open("rb") as source:
        return {m.id: m.string for m in read_po(source) if m.id}


def test_both_locales_have_the_same_keys_and_placeholders() -> None:
    ru, en = catalog("ru"), catalog("en")
    assert sorted(set(ru) ^ set(en)) == []
    for key in ru:
        assert ru[key].strip() and en[key].strip(), key
        assert sorted(PLACEHOLDER.findall(ru[key])) == sorted(PLACEHOLDER.findall(en[key])), key


def keys_used_in_code() -> set[str]:
    used: set[str] = set()
    for path in BOT.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"""\b_\(\s*"([\w.]+)"\s*\)""", source))
        used |= set(re.findall(r"""gettext\(\s*"([\w.]+)"\s*[,)]""", source))
        used |= {f"refused.{k}" for k in re.findall(r"""Refused\(\s*"([\w.]+)\"""", source)}
    used |= {f"role.{r.value}" for r in ALL_ROLES} | {f"help.role.{r.value}" for r in ALL_ROLES}
    used |= {f"cmd.{c}" for c in [*COMMAND_ROLES, *PUBLIC_COMMANDS]}
    used |= {f"menu.{c}" for c in MENU_COMMANDS}
    used |= {f"invite.problem.{p.value}" for p in InviteProblem}
    used |= {f"language.name.{code}" for code in SUPPORTED}
    return used


def test_every_key_the_code_uses_exists() -> None:
    missing = sorted(keys_used_in_code() - set(catalog("ru")))
    assert missing == []


@pytest.mark.parametrize("locale", SUPPORTED)
def test_the_bot_loads_each_locale(locale: str) -> None:
    i18n = create_i18n("ru")
    assert set(i18n.available_locales) == set(SUPPORTED)
    assert i18n.gettext("cmd.help", locale=locale) == catalog(locale)["cmd.help"]
