"""Invite tokens: unguessable, stored only as a hash."""

from __future__ import annotations

import hashlib
import secrets
from enum import StrEnum

# 16 random bytes -> 22 url-safe characters, well inside Telegram's 64-character start payload.
TOKEN_BYTES = 16
USES_CHOICES: tuple[int, ...] = (1, 5, 30)


class InviteProblem(StrEnum):
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED_UP = "used_up"
    REVOKED = "revoked"


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(payload: str) -> bool:
    return 8 <= len(payload) <= 64 and all(c.isalnum() or c in "-_" for c in payload)
