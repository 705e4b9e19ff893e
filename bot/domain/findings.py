"""Audit findings (ISO 19011 terms): nonconformities, observations, opportunities for
improvement and strengths; and the facts of a question's answers that a finding stands on.

A finding from a question is counted over SUBMITTED questionnaires only (an answer that may
still change is not evidence), and names nobody: the facts are counts by answer value.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.domain.audits import AnswerRecord
from bot.domain.checklists import Checklist, Question, label_key
from bot.domain.scoring import is_nonconforming


class FindingKind(StrEnum):
    NONCONFORMITY = "nonconformity"
    OBSERVATION = "observation"
    IMPROVEMENT = "improvement"  # an opportunity for improvement
    STRENGTH = "strength"  # good practice
    DISMISSED = "dismissed"  # the auditor looked and found nothing to record


RECORDED = (
    FindingKind.NONCONFORMITY,
    FindingKind.OBSERVATION,
    FindingKind.IMPROVEMENT,
    FindingKind.STRENGTH,
)


@dataclass(frozen=True, slots=True)
class Facts:
    """How a question was answered: enough to say "7 of 23: No" in any language."""

    question_id: str
    index: int  # 0-based position in the checklist; people read index + 1
    clause: str
    triggering: int  # answers that hit the question's nonconformity trigger
    answered: int  # submitted answers to the question
    values: dict[str, int] = field(default_factory=dict)  # triggering value -> count
    comments: list[str] = field(default_factory=list)  # the triggering answers' comments
    evidence: list[dict[str, Any]] = field(default_factory=list)  # their photos and files

    def as_json(self) -> dict[str, Any]:
        return {
            "question_id": self.question_id,
            "index": self.index,
            "clause": self.clause,
            "triggering": self.triggering,
            "answered": self.answered,
            "values": dict(self.values),
        }


@dataclass(frozen=True, slots=True)
class Finding:
    id: int
    audit_id: int
    kind: FindingKind
    created_by: int
    created_at: datetime
    question_id: str | None = None
    text: str | None = None
    facts: dict[str, Any] | None = None
    nc_id: int | None = None


def question_facts(
    checklist: Checklist, answers: list[AnswerRecord], submitted: set[int]
) -> list[Facts]:
    """For every question with at least one triggering answer among submitted
    questionnaires, its facts; in checklist order."""
    by_question: dict[str, list[AnswerRecord]] = {}
    for record in answers:
        if record.user_id in submitted and record.value is not None:
            by_question.setdefault(record.question_id, []).append(record)
    found = []
    for index, question in enumerate(checklist.questions):
        given = by_question.get(question.id, [])
        hits = [r for r in given if is_nonconforming(question, r.value or "")]
        if hits:
            found.append(_facts(index, question, given, hits))
    return found


def _facts(
    index: int, question: Question, given: list[AnswerRecord], hits: list[AnswerRecord]
) -> Facts:
    return Facts(
        question_id=question.id,
        index=index,
        clause=question.clause,
        triggering=len(hits),
        answered=len(given),
        values=dict(Counter(r.value for r in hits if r.value is not None).most_common()),
        comments=[r.comment for r in hits if r.comment],
        evidence=[item for r in hits for item in r.evidence],
    )


def finding_text(
    finding: dict[str, Any],
    audit_number: str | None,
    gettext: Callable[[str], str],
    quote: Callable[[str], str] = str,
) -> str:
    """An NC's audit facts as a sentence: "A-2026-001, question 2 [7.1.4]: 7 of 23 —
    «No» — 7". `gettext` gives the reader's (or the file's) language; `quote` escapes for
    the chat's HTML. Nothing internal (question ids, stored values) is shown."""

    def label(value: str) -> str:
        key = label_key(value)
        return gettext(key) if key else value

    values = ", ".join(
        f"«{quote(label(value))}» — {count}"
        for value, count in (finding.get("values") or {}).items()
    )
    text = gettext("nc.finding").format(
        audit=audit_number or "—",
        n=int(finding.get("index", 0)) + 1,
        clause=finding.get("clause") or "—",
        count=finding.get("triggering", 0),
        total=finding.get("answered", 0),
        values=values,
    )
    if finding.get("respondents"):
        names = ", ".join(quote(str(name)) for name in finding["respondents"])
        text += "\n" + gettext("nc.finding_named").format(names=names)
    return text


def plain_description(
    description: str,
    finding: dict[str, Any] | None,
    audit: str | None,
    gettext: Callable[[str], str],
) -> str:
    """An NC's words for a file: its audit question's facts first, when it has them."""
    if finding:
        return finding_text(finding, audit, gettext) + "\n" + description
    return description
