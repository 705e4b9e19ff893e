"""What counts as content in a typed answer, and when two texts say similar things."""

from __future__ import annotations

import re

# Words that acknowledge a question instead of answering it.
_NOT_CONTENT = frozenset(
    {
        "готово", "сделано", "выполнено", "ок", "окей", "ok", "okay", "да", "нет", "не знаю",
        "ясно", "понятно", "всё", "все", "нормально", "done", "yes", "no", "n/a", "na", "tbd",
        "нет причины", "причина", "действие", "коррекция", "исправлено", "fixed",
    }
)  # fmt: skip
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
MIN_LETTERS = 3


def meaningful(text: str) -> bool:
    """True for a text that says something: at least a few letters, and not a bare "done",
    "-", "ok" or a single character that a hurried tap on the keyboard produces."""
    cleaned = " ".join(text.lower().split()).strip(" .!?,;:-—–…")
    if cleaned in _NOT_CONTENT:
        return False
    return sum(len(word) for word in _WORD.findall(cleaned)) >= MIN_LETTERS


def same_text(a: str, b: str) -> bool:
    """The same words, whatever the case and spacing: a message sent twice (no answer came
    on a flaky network, so the person sent it again) reads this way."""
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split())


def stems(text: str) -> set[str]:
    """Rough word stems for comparing texts in Russian and English: words of four letters
    or more, cut to their first five (enough to match "журнал", "журнала", "журналы")."""
    return {word[:5] for word in _WORD.findall(text.lower()) if len(word) >= 4}


def similar(a: str, b: str, threshold: float = 0.3) -> bool:
    """Whether two descriptions share enough words (Jaccard index of their stems)."""
    first, second = stems(a), stems(b)
    if not first or not second:
        return False
    return len(first & second) / len(first | second) >= threshold
