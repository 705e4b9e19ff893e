"""ISO 9001:2015 clause numbers: one rule for what a clause is, one for their order."""

from __future__ import annotations

import re

# 4..10 at the top, then up to three more levels ("7.1.5.1"); no level is 0 ("7.0").
_CLAUSE = re.compile(r"(?:[4-9]|10)(?:\.[1-9]\d?){0,3}")


def is_clause(text: str) -> bool:
    return _CLAUSE.fullmatch(text.strip()) is not None


def clause_sort_key(clause: str) -> tuple[int, ...]:
    """Numeric order of clauses: 7.1.3 < 7.1.4 < 7.2 < 10.2."""
    return tuple(int(part) if part.isdigit() else 0 for part in clause.split("."))
