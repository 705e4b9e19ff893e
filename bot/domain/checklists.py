"""Checklist templates: the model (answer types, questions, sections) and its rules.

The cross-field rules run in two places: on the raw file, so `checklist_files.parse_checklist()`
reports every problem at once, each located by section, question and field and named by a
locale key (`checklist.error.<key>`); and in the models' validators, so a `Checklist` built
any other way obeys them too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from bot.domain.clauses import is_clause

_SHOWN_VALUE_CHARS = 60


class AnswerType(StrEnum):
    YES_NO = "yes_no"
    YES_NO_NA = "yes_no_na"
    SCALE = "scale_1_5"
    CHOICE = "choice"
    NUMBER = "number"
    TEXT = "text"


class EvidenceRule(StrEnum):
    NONE = "none"
    OPTIONAL = "optional"
    REQUIRED = "required"


LANGUAGES = ("ru", "en")
YES_NO_VALUES: dict[AnswerType, tuple[str, ...]] = {
    AnswerType.YES_NO: ("yes", "no"),
    AnswerType.YES_NO_NA: ("yes", "no", "na"),
}


def label_key(value: str) -> str | None:
    """The locale key of a stored yes / no / not-applicable value ("value.yes"), the one
    rule for showing answer values in text and files; any other value is shown as given."""
    return f"value.{value}" if value in YES_NO_VALUES[AnswerType.YES_NO_NA] else None


# Allowed values shown in `bad_value` problems, by field name.
ALLOWED_VALUES: dict[str, tuple[str, ...]] = {
    "type": tuple(t.value for t in AnswerType),
    "evidence": tuple(e.value for e in EvidenceRule),
    "language": LANGUAGES,
}

_CODE_PATTERN = r"^[a-z0-9_]{2,40}$"
_ID_PATTERN = r"^[A-Za-z0-9_-]{1,20}$"
_COMPARISON = re.compile(r"\s*(<=|>=|==|!=|<|>)?\s*([+-]?\d+(?:[.,]\d+)?)\s*")


# --- problems ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a template file, located as precisely as possible."""

    key: str  # locale key suffix: "missing" -> "checklist.error.missing"
    params: dict[str, str]
    section: int | None = None  # 1-based section number
    question: int | None = None  # 1-based question number within the section
    question_id: str | None = None
    field: str | None = None  # "nc_trigger", or "options[2]" for the 2nd item of a list
    section_title: str | None = None


def one_line(value: Any) -> str:
    """A user-supplied value, shortened to fit in one line of a message."""
    text = " ".join(str(value).split())
    if len(text) > _SHOWN_VALUE_CHARS:
        text = text[: _SHOWN_VALUE_CHARS - 1] + "…"
    return text


# --- coercions shared by the models and the raw-file rules ---------------------------------


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _coerce_options(value: Any) -> Any:
    """Unquoted numbers in `options` (`[1, 2, "3+"]`) are taken as their text."""
    if isinstance(value, list):
        return [str(item) if _is_number(item) else item for item in value]
    return value


def _coerce_trigger(value: Any) -> str | list[str] | None:
    """nc_trigger as str / list[str] / None. YAML's unquoted `no`/`yes` arrive as booleans and
    a bare `0` as a number; both are taken as the text they were meant to be."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if _is_number(value):
        return str(value)
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, list):
        items: list[str] = []
        for item in value:
            if _is_number(item):
                item = str(item)
            if not isinstance(item, str):
                raise PydanticCustomError("expected_trigger", "must be a string or strings")
            items.append(item.strip())
        return items
    raise PydanticCustomError("expected_trigger", "must be a string or strings")


def _coerce_answers(value: Any) -> list[str] | None:
    """`evidence_for` as a list of answers; one answer alone, and YAML's unquoted yes/no
    (booleans, also inside the list), are taken as meant."""
    if value is None:
        return None
    items = value if isinstance(value, list) else [value]
    answers = []
    for item in items:
        answer = _coerce_trigger(item)
        if not isinstance(answer, str):
            raise PydanticCustomError("expected_trigger", "must be a string or strings")
        answers.append(answer)
    return answers


def _clean_options(value: Any) -> list[str] | None:
    """The options as stripped strings, or None when absent or not a proper list."""
    value = _coerce_options(value)
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        return None
    return [item.strip() for item in value]


# --- rules that involve more than one field (run on the raw file and on the models) --------


def parse_comparison(trigger: str) -> tuple[str, Decimal] | None:
    """`<=2`, `> 0`, `==3,5` or a bare `4` (meaning `==4`) -> (operator, number)."""
    match = _COMPARISON.fullmatch(trigger)
    if match is None:
        return None
    return match.group(1) or "==", Decimal(match.group(2).replace(",", "."))


def _trigger_problems(
    kind: AnswerType, trigger: str | list[str], options: list[str] | None
) -> list[tuple[str, dict[str, str]]]:
    if kind is AnswerType.TEXT:
        return [("trigger_forbidden", {"type": kind.value})]
    if isinstance(trigger, list):
        if kind is not AnswerType.CHOICE:
            return [("trigger_not_list", {})]
        if not trigger:
            return [("empty", {})]
        items = trigger
    else:
        items = [trigger]
    if kind in YES_NO_VALUES:
        allowed = YES_NO_VALUES[kind]
        if trigger not in allowed:
            return [("bad_value", {"value": one_line(trigger), "allowed": ", ".join(allowed)})]
    elif kind in (AnswerType.SCALE, AnswerType.NUMBER):
        assert isinstance(trigger, str)
        parsed = parse_comparison(trigger)
        if parsed is None:
            return [("trigger_not_comparison", {"value": one_line(trigger)})]
        if kind is AnswerType.SCALE and not 1 <= parsed[1] <= 5:
            return [("trigger_out_of_scale", {"value": one_line(trigger)})]
    elif kind is AnswerType.CHOICE and options is not None:
        return [
            ("trigger_not_option", {"value": one_line(item)})
            for item in items
            if item not in options
        ]
    return []


def _question_rules(question: Mapping[str, Any]) -> list[tuple[str, dict[str, str], str]]:
    """Options vs type, trigger vs type and options, repeated options: (key, params, field)."""
    kind_value = question.get("type")
    if not isinstance(kind_value, str) or kind_value not in ALLOWED_VALUES["type"]:
        return []  # the type itself is reported by validation
    kind = AnswerType(kind_value)
    found: list[tuple[str, dict[str, str], str]] = []
    raw_options = question.get("options")
    if kind is AnswerType.CHOICE and raw_options is None:
        found.append(("options_required", {}, "options"))
    elif kind is not AnswerType.CHOICE and raw_options is not None:
        found.append(("options_forbidden", {"type": kind.value}, "options"))
    options = _clean_options(raw_options)
    if options is not None:
        seen: set[str] = set()
        reported: set[str] = set()
        for option in options:
            if option in seen and option not in reported:
                found.append(("duplicate_option", {"value": one_line(option)}, "options"))
                reported.add(option)
            seen.add(option)
    try:
        evidence_for = _coerce_answers(question.get("evidence_for"))
    except PydanticCustomError:
        evidence_for = None  # reported by validation
    if evidence_for is not None:
        rule = question.get("evidence")
        for key, params in _evidence_for_problems(kind, rule, evidence_for, options):
            found.append((key, params, "evidence_for"))
    try:
        trigger = _coerce_trigger(question.get("nc_trigger"))
    except PydanticCustomError:
        return found  # reported by validation
    if trigger is not None:
        for key, params in _trigger_problems(kind, trigger, options):
            found.append((key, params, "nc_trigger"))
    return found


def _evidence_for_problems(
    kind: AnswerType, rule: Any, items: list[str], options: list[str] | None
) -> list[tuple[str, dict[str, str]]]:
    """`evidence_for` names answers of a yes/no or choice question, under `evidence: required`;
    "na" is never one of them: what does not apply cannot be shown."""
    if kind not in YES_NO_VALUES and kind is not AnswerType.CHOICE:
        return [("evidence_for_forbidden", {"type": kind.value})]
    if rule != EvidenceRule.REQUIRED.value:
        return [("evidence_for_not_required", {})]
    if not items:
        return [("empty", {})]
    if kind in YES_NO_VALUES:
        if "na" in items:
            return [("evidence_for_na", {})]
        allowed = ("yes", "no")
        return [
            ("bad_value", {"value": one_line(item), "allowed": ", ".join(allowed)})
            for item in items
            if item not in allowed
        ]
    if options is None:
        return []
    return [
        ("trigger_not_option", {"value": one_line(item)}) for item in items if item not in options
    ]


def text_or_none(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) else None


def rule_problems(data: Mapping[str, Any], *, with_questions: bool = True) -> list[Problem]:
    """Cross-field rules, checked defensively on whatever the file holds, so they are reported
    together with the validation errors. Shapes that are wrong are left to validation."""
    problems: list[Problem] = []
    sections = data.get("sections")
    if not isinstance(sections, list):
        return problems
    ids: dict[str, tuple[int, int]] = {}
    titles: dict[str, int] = {}
    for s_number, section in enumerate(sections, 1):
        if not isinstance(section, Mapping):
            continue
        title = text_or_none(section.get("title"))
        if title:
            if title in titles:
                problems.append(
                    Problem(
                        "duplicate_section",
                        {"value": one_line(title), "section": str(titles[title])},
                        section=s_number,
                        field="title",
                        section_title=title,
                    )
                )
            titles.setdefault(title, s_number)
        questions = section.get("questions")
        if not isinstance(questions, list):
            continue
        for q_number, question in enumerate(questions, 1):
            if not isinstance(question, Mapping):
                continue
            qid = question.get("id") if isinstance(question.get("id"), str) else None
            place: dict[str, Any] = {
                "section": s_number,
                "question": q_number,
                "question_id": qid,
                "section_title": title,
            }
            if qid is not None:
                if qid in ids:
                    first_section, first_question = ids[qid]
                    params = {
                        "value": one_line(qid),
                        "section": str(first_section),
                        "question": str(first_question),
                    }
                    problems.append(Problem("duplicate_id", params, field="id", **place))
                ids.setdefault(qid, (s_number, q_number))
            if with_questions:
                for key, params, name in _question_rules(question):
                    problems.append(Problem(key, params, field=name, **place))
    return problems


# --- the models ----------------------------------------------------------------------------

# Tells the model validators that the caller of validate_shapes() runs the cross-field rules.
_RULES_CHECKED = "rules_checked"


def _rules_checked(info: ValidationInfo) -> bool:
    return isinstance(info.context, dict) and bool(info.context.get(_RULES_CHECKED))


Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
OptionText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]


DocumentCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=30)]


class Question(BaseModel):
    """One question of a checklist."""

    model_config = ConfigDict(extra="forbid")

    id: Annotated[str, StringConstraints(pattern=_ID_PATTERN)]
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    clause: str
    type: AnswerType
    options: Annotated[list[OptionText], Field(min_length=2, max_length=10)] | None = None
    hint: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] | None = None
    evidence: EvidenceRule = EvidenceRule.NONE
    # With `evidence: required`: only these answers require it, the others may have it.
    evidence_for: list[str] | None = None
    nc_trigger: str | list[str] | None = None
    required: Annotated[bool, Field(strict=True)] = True
    # The code of the controlled document (/docs) the question checks, e.g. "П-01": the
    # audit report lists it among the criteria. Must be in the register when imported.
    document: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=30)] | None
    ) = None

    @field_validator("clause", mode="before")
    @classmethod
    def _clause_from_number(cls, value: Any) -> Any:
        # Unquoted, YAML reads `clause: 8.5` as a float; accept it via str(). Quoting is
        # recommended: an unquoted 7.10 becomes the float 7.1 and silently names another clause.
        return str(value) if _is_number(value) else value

    @field_validator("clause")
    @classmethod
    def _clause_format(cls, value: str) -> str:
        value = value.strip()
        if not is_clause(value):
            raise PydanticCustomError("bad_clause", "not a clause: {value}", {"value": value})
        return value

    @field_validator("options", mode="before")
    @classmethod
    def _options_from_numbers(cls, value: Any) -> Any:
        return _coerce_options(value)

    @field_validator("nc_trigger", mode="before")
    @classmethod
    def _trigger_as_text(cls, value: Any) -> str | list[str] | None:
        return _coerce_trigger(value)

    @field_validator("evidence_for", mode="before")
    @classmethod
    def _evidence_answers_as_text(cls, value: Any) -> list[str] | None:
        return _coerce_answers(value)

    @model_validator(mode="after")
    def _cross_field_rules(self, info: ValidationInfo) -> Question:
        if not _rules_checked(info):
            for key, params, name in _question_rules(self.model_dump()):
                raise PydanticCustomError(key, f"{name}: {key} {{value}}", {**params})
        return self


class Section(BaseModel):
    """A titled group of questions."""

    model_config = ConfigDict(extra="forbid")

    title: Title
    questions: Annotated[list[Question], Field(min_length=1)]


class Checklist(BaseModel):
    """A validated checklist template."""

    model_config = ConfigDict(extra="forbid")

    code: Annotated[str, StringConstraints(pattern=_CODE_PATTERN)]
    version: Annotated[int, Field(strict=True, ge=1)]
    language: Literal["ru", "en"]
    title: Title
    description: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] | None
    ) = None
    sections: Annotated[list[Section], Field(min_length=1)]
    # Anonymous questionnaires (issue 12): the auditor sees counts and comments, never who
    # answered what; every audit of this checklist is anonymous.
    anonymous: Annotated[bool, Field(strict=True)] = False

    @model_validator(mode="after")
    def _unique_ids_and_titles(self, info: ValidationInfo) -> Checklist:
        if not _rules_checked(info):
            for problem in rule_problems(self.model_dump(), with_questions=False):
                raise PydanticCustomError(problem.key, "{value}", {**problem.params})
        return self

    @cached_property
    def questions(self) -> list[Question]:
        """All questions in template order (computed once: a checklist never changes)."""
        return [question for section in self.sections for question in section.questions]

    @property
    def question_count(self) -> int:
        return sum(len(section.questions) for section in self.sections)

    def section_of(self, index: int) -> Section:
        """The section holding the question at flat 0-based `index`; IndexError if none."""
        if index >= 0:
            for section in self.sections:
                if index < len(section.questions):
                    return section
                index -= len(section.questions)
        raise IndexError("question index out of range")

    def question_by_id(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)


def validate_shapes(data: Mapping[str, Any]) -> Checklist:
    """`data` as a Checklist, without the cross-field rules: the caller checks those on the raw
    data with `rule_problems()`, which reports every broken rule, located, where the models'
    validators would raise at the first one, and the same problem twice."""
    return Checklist.model_validate(data, context={_RULES_CHECKED: True})
