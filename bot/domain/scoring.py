"""Answers to checklist questions: normalisation, nonconformity triggers, scores and results."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from bot.domain.checklists import (
    YES_NO_VALUES,
    AnswerType,
    Checklist,
    EvidenceRule,
    Question,
    parse_comparison,
)
from bot.domain.clauses import clause_sort_key

MAX_TEXT_ANSWER = 2000
MAX_NUMBER = Decimal(10**9)
_MAX_NUMBER_CHARS = 40

_SCALE_VALUES = ("1", "2", "3", "4", "5")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)")


def _parse_number(text: str) -> Decimal | None:
    text = text.strip()
    if len(text) > _MAX_NUMBER_CHARS or not _NUMBER.fullmatch(text):
        return None
    try:
        number = Decimal(text.replace(",", "."))
    except InvalidOperation:
        return None
    if not number.is_finite() or abs(number) > MAX_NUMBER:
        return None
    return number


def _format_number(number: Decimal) -> str:
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "+0", "") else text


def _compare(value: Decimal, operator: str, limit: Decimal) -> bool:
    return {
        "<": value < limit,
        "<=": value <= limit,
        ">": value > limit,
        ">=": value >= limit,
        "==": value == limit,
        "!=": value != limit,
    }[operator]


def evidence_required(question: Question, value: str | None) -> bool:
    """Whether this answer must come with evidence: under `evidence: required`, any answer
    but "not applicable", or only the answers `evidence_for` names."""
    if question.evidence is not EvidenceRule.REQUIRED or value is None or value == "na":
        return False
    return question.evidence_for is None or value in question.evidence_for


def normalize_answer(question: Question, raw: str) -> str | None:
    """The canonical stored value for a raw answer, or None if it is not acceptable."""
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    kind = question.type
    if kind in YES_NO_VALUES:
        lowered = text.lower()
        return lowered if lowered in YES_NO_VALUES[kind] else None
    if kind is AnswerType.SCALE:
        return text if text in _SCALE_VALUES else None
    if kind is AnswerType.CHOICE:
        return text if text in (question.options or ()) else None
    if kind is AnswerType.NUMBER:
        number = _parse_number(text)
        return None if number is None else _format_number(number)
    return text if 1 <= len(text) <= MAX_TEXT_ANSWER else None


def is_nonconforming(question: Question, value: str) -> bool:
    """Whether this answer hits the question's nc_trigger."""
    trigger = question.nc_trigger
    canonical = normalize_answer(question, value)
    if trigger is None or canonical is None:
        return False
    kind = question.type
    if kind in (AnswerType.SCALE, AnswerType.NUMBER):
        comparison = parse_comparison(trigger) if isinstance(trigger, str) else None
        return comparison is not None and _compare(Decimal(canonical), *comparison)
    if kind is AnswerType.CHOICE:
        return canonical in ([trigger] if isinstance(trigger, str) else trigger)
    if kind in YES_NO_VALUES:
        return canonical == trigger
    return False


def score(question: Question, value: str) -> float | None:
    """Contribution of one answer to compliance, 0..1, or None when it is not scored."""
    canonical = normalize_answer(question, value)
    if canonical is None:
        return None
    kind = question.type
    if kind in YES_NO_VALUES:
        trigger = question.nc_trigger
        if canonical == "na":
            return 0.0 if trigger == "na" else None
        bad = "yes" if trigger == "yes" else "no"
        return 0.0 if canonical == bad else 1.0
    if kind is AnswerType.SCALE:
        return (int(canonical) - 1) / 4
    if kind in (AnswerType.CHOICE, AnswerType.NUMBER):
        if question.nc_trigger is None:
            return None
        return 0.0 if is_nonconforming(question, canonical) else 1.0
    return None


@dataclass(frozen=True)
class Results:
    """Compliance percentages (0..100, one decimal); None where nothing was scored."""

    overall: float | None
    by_section: dict[str, float | None]  # section title -> percent, template order
    by_clause: dict[str, float | None]  # clause -> percent, numeric clause order
    scored: int


def _percent(scores: list[float]) -> float | None:
    return round(math.fsum(scores) / len(scores) * 100, 1) if scores else None


def compute_results(checklist: Checklist, answers: Iterable[tuple[str, str]]) -> Results:
    """Percent = mean of the scores * 100, over all respondents' answers together."""
    where: dict[str, tuple[Question, str]] = {}
    for section in checklist.sections:
        for question in section.questions:
            where[question.id] = (question, section.title)
    overall: list[float] = []
    by_section: dict[str, list[float]] = {section.title: [] for section in checklist.sections}
    clauses = sorted({q.clause for q in checklist.questions}, key=clause_sort_key)
    by_clause: dict[str, list[float]] = {clause: [] for clause in clauses}
    for question_id, value in answers:
        found = where.get(question_id)
        if found is None:
            continue
        question, title = found
        points = score(question, value)
        if points is None:
            continue
        overall.append(points)
        by_section[title].append(points)
        by_clause[question.clause].append(points)
    return Results(
        overall=_percent(overall),
        by_section={title: _percent(scores) for title, scores in by_section.items()},
        by_clause={clause: _percent(scores) for clause, scores in by_clause.items()},
        scored=len(overall),
    )
