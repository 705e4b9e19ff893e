"""Checklist templates: the YAML format, its rules, answers and compliance results.

Plain Python (pydantic + PyYAML). `parse_checklist()` turns an uploaded file into a validated
`Checklist` or raises `ChecklistError` listing every problem at once, each located by section,
question and field and named by a locale key (`checklist.error.<key>`), so `describe()` can
explain it in the user's language.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from bot.domain.clauses import clause_sort_key, is_clause
from bot.paths import ROOT

TEMPLATES_DIR = ROOT / "templates"

MAX_FILE_BYTES = 256 * 1024
MAX_YAML_DEPTH = 12  # a checklist nests 5 deep: sections, questions, options
MAX_YAML_NODES = 50_000
MAX_TEXT_ANSWER = 2000
MAX_NUMBER = Decimal(10**9)
_MAX_NUMBER_CHARS = 40
_SHOWN_VALUE_CHARS = 60

log = logging.getLogger(__name__)


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
_YES_NO_VALUES: dict[AnswerType, tuple[str, ...]] = {
    AnswerType.YES_NO: ("yes", "no"),
    AnswerType.YES_NO_NA: ("yes", "no", "na"),
}
_SCALE_VALUES = ("1", "2", "3", "4", "5")
# Allowed values shown in `bad_value` problems, by field name.
_ALLOWED: dict[str, tuple[str, ...]] = {
    "type": tuple(t.value for t in AnswerType),
    "evidence": tuple(e.value for e in EvidenceRule),
    "language": LANGUAGES,
}

_CODE_PATTERN = r"^[a-z0-9_]{2,40}$"
_ID_PATTERN = r"^[A-Za-z0-9_-]{1,20}$"
_COMPARISON = re.compile(r"\s*(<=|>=|==|!=|<|>)?\s*([+-]?\d+(?:[.,]\d+)?)\s*")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)")

# Every `Problem.key` this module produces; each has a `checklist.error.<key>` locale text.
PROBLEM_KEYS: frozenset[str] = frozenset(
    {
        "too_large",
        "not_utf8",
        "not_yaml",
        "not_yaml_line",
        "aliases",
        "too_complex",
        "duplicate_key",
        "empty_file",
        "not_mapping",
        "missing",
        "unknown_field",
        "expected_text",
        "expected_int",
        "expected_bool",
        "expected_list",
        "expected_mapping",
        "expected_trigger",
        "bad_value",
        "empty",
        "too_long",
        "too_few",
        "too_many",
        "too_small",
        "bad_code",
        "bad_id",
        "bad_clause",
        "duplicate_id",
        "duplicate_section",
        "duplicate_option",
        "options_required",
        "options_forbidden",
        "trigger_forbidden",
        "trigger_not_list",
        "trigger_not_comparison",
        "trigger_out_of_scale",
        "trigger_not_option",
        "evidence_for_forbidden",
        "evidence_for_not_required",
        "evidence_for_na",
        "language_mismatch",
        "invalid",
    }
)


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


class ChecklistError(Exception):
    """A template file was refused; `problems` lists everything that is wrong with it."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        summary = "; ".join(_debug_line(p) for p in self.problems[:5])
        more = f" (+{len(self.problems) - 5} more)" if len(self.problems) > 5 else ""
        super().__init__(f"{summary}{more}" or "invalid checklist")


def _debug_line(problem: Problem) -> str:
    where = [
        f"section {problem.section}" if problem.section is not None else "",
        f"question {problem.question}" if problem.question is not None else "",
        problem.field or "",
    ]
    place = "/".join(w for w in where if w)
    return (
        f"{place}: {problem.key} {problem.params}" if place else f"{problem.key} {problem.params}"
    )


def _show(value: Any) -> str:
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


# --- answers -------------------------------------------------------------------------------


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


def _parse_comparison(trigger: str) -> tuple[str, Decimal] | None:
    """`<=2`, `> 0`, `==3,5` or a bare `4` (meaning `==4`) -> (operator, number)."""
    match = _COMPARISON.fullmatch(trigger)
    if match is None:
        return None
    return match.group(1) or "==", Decimal(match.group(2).replace(",", "."))


def _compare(value: Decimal, operator: str, limit: Decimal) -> bool:
    return {
        "<": value < limit,
        "<=": value <= limit,
        ">": value > limit,
        ">=": value >= limit,
        "==": value == limit,
        "!=": value != limit,
    }[operator]


# --- rules that involve more than one field (run on the raw file and on the models) --------


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
    if kind in _YES_NO_VALUES:
        allowed = _YES_NO_VALUES[kind]
        if trigger not in allowed:
            return [("bad_value", {"value": _show(trigger), "allowed": ", ".join(allowed)})]
    elif kind in (AnswerType.SCALE, AnswerType.NUMBER):
        assert isinstance(trigger, str)
        parsed = _parse_comparison(trigger)
        if parsed is None:
            return [("trigger_not_comparison", {"value": _show(trigger)})]
        if kind is AnswerType.SCALE and not 1 <= parsed[1] <= 5:
            return [("trigger_out_of_scale", {"value": _show(trigger)})]
    elif kind is AnswerType.CHOICE and options is not None:
        return [
            ("trigger_not_option", {"value": _show(item)}) for item in items if item not in options
        ]
    return []


def _question_rules(question: Mapping[str, Any]) -> list[tuple[str, dict[str, str], str]]:
    """Options vs type, trigger vs type and options, repeated options: (key, params, field)."""
    kind_value = question.get("type")
    if not isinstance(kind_value, str) or kind_value not in _ALLOWED["type"]:
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
                found.append(("duplicate_option", {"value": _show(option)}, "options"))
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
    if kind not in _YES_NO_VALUES and kind is not AnswerType.CHOICE:
        return [("evidence_for_forbidden", {"type": kind.value})]
    if rule != EvidenceRule.REQUIRED.value:
        return [("evidence_for_not_required", {})]
    if not items:
        return [("empty", {})]
    if kind in _YES_NO_VALUES:
        if "na" in items:
            return [("evidence_for_na", {})]
        allowed = ("yes", "no")
        return [
            ("bad_value", {"value": _show(item), "allowed": ", ".join(allowed)})
            for item in items
            if item not in allowed
        ]
    if options is None:
        return []
    return [("trigger_not_option", {"value": _show(item)}) for item in items if item not in options]


def evidence_required(question: Question, value: str | None) -> bool:
    """Whether this answer must come with evidence: under `evidence: required`, any answer
    but "not applicable", or only the answers `evidence_for` names."""
    if question.evidence is not EvidenceRule.REQUIRED or value is None or value == "na":
        return False
    return question.evidence_for is None or value in question.evidence_for


def _text_or_none(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) else None


def _rule_problems(data: Mapping[str, Any], *, with_questions: bool = True) -> list[Problem]:
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
        title = _text_or_none(section.get("title"))
        if title:
            if title in titles:
                problems.append(
                    Problem(
                        "duplicate_section",
                        {"value": _show(title), "section": str(titles[title])},
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
                        "value": _show(qid),
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

# Tells the model validators that parse_checklist() already ran the cross-field rules.
_RULES_CHECKED = "rules_checked"


def _rules_checked(info: ValidationInfo) -> bool:
    return isinstance(info.context, dict) and bool(info.context.get(_RULES_CHECKED))


Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
OptionText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]


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

    @model_validator(mode="after")
    def _unique_ids_and_titles(self, info: ValidationInfo) -> Checklist:
        if not _rules_checked(info):
            for problem in _rule_problems(self.model_dump(), with_questions=False):
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


# --- parsing -------------------------------------------------------------------------------


class _AliasFound(Exception):
    def __init__(self, line: int) -> None:
        self.line = line


class _TooComplex(Exception):
    def __init__(self, line: int) -> None:
        self.line = line


class _Loader(yaml.SafeLoader):
    """SafeLoader that refuses aliases (no "billion laughs"), nesting deeper than any
    checklist needs and more nodes than a big one has (a file of nested brackets would
    otherwise keep the parser busy for seconds), and notes repeated keys."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.repeated_keys: list[tuple[str, int]] = []
        self.depth = 0
        self.nodes = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise _AliasFound(self.peek_event().start_mark.line + 1)
        self.nodes += 1
        if self.depth >= MAX_YAML_DEPTH or self.nodes > MAX_YAML_NODES:
            raise _TooComplex(self.peek_event().start_mark.line + 1)
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, _ in node.value:
                if isinstance(key_node, yaml.ScalarNode):
                    if key_node.value in seen:
                        self.repeated_keys.append((key_node.value, key_node.start_mark.line + 1))
                    seen.add(key_node.value)
        return super().construct_mapping(node, deep)


def _read_yaml(text: str) -> tuple[Any, list[Problem]]:
    loader: _Loader | None = None
    try:
        loader = _Loader(text)  # the reader already refuses control characters here
        data = loader.get_single_data()
    except _AliasFound as found:
        return None, [Problem("aliases", {"line": str(found.line)})]
    except _TooComplex as found:
        return None, [Problem("too_complex", {"line": str(found.line)})]
    except Exception as error:  # PyYAML also raises ValueError (bad dates), RecursionError...
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        if mark is not None:
            return None, [Problem("not_yaml_line", {"line": str(mark.line + 1)})]
        return None, [Problem("not_yaml", {})]
    finally:
        if loader is not None:
            loader.dispose()
    repeated = [
        Problem("duplicate_key", {"name": _show(name), "line": str(line)})
        for name, line in loader.repeated_keys
    ]
    return data, repeated


def _decode(source: str | bytes) -> str | Problem:
    limit = {"limit": str(MAX_FILE_BYTES // 1024)}
    if isinstance(source, bytes | bytearray):
        if len(source) > MAX_FILE_BYTES:
            return Problem("too_large", limit)
        try:
            text = bytes(source).decode("utf-8-sig")
        except UnicodeDecodeError:
            return Problem("not_utf8", {})
    elif isinstance(source, str):
        text = source
        if len(text) > MAX_FILE_BYTES or len(text.encode("utf-8", "replace")) > MAX_FILE_BYTES:
            return Problem("too_large", limit)
    else:
        return Problem("not_yaml", {})
    return text.removeprefix("\ufeff")


_ERROR_KEYS = {
    "missing": "missing",
    "extra_forbidden": "unknown_field",
    "invalid_key": "unknown_field",
    "string_type": "expected_text",
    "int_type": "expected_int",
    "int_parsing": "expected_int",
    "int_from_float": "expected_int",
    "bool_type": "expected_bool",
    "bool_parsing": "expected_bool",
    "list_type": "expected_list",
    "model_type": "expected_mapping",
    "model_attributes_type": "expected_mapping",
    "dict_type": "expected_mapping",
    "string_too_short": "empty",
    "greater_than_equal": "too_small",
}


def _problem_from_error(error: Mapping[str, Any], data: Mapping[str, Any]) -> Problem:
    loc = list(error.get("loc", ()))
    section = question = None
    section_title = question_id = None
    if len(loc) >= 2 and loc[0] == "sections" and isinstance(loc[1], int):
        section = loc[1] + 1
        section_data = _item(data.get("sections"), loc[1])
        section_title = _text_or_none(section_data.get("title"))
        loc = loc[2:]
        if len(loc) >= 2 and loc[0] == "questions" and isinstance(loc[1], int):
            question = loc[1] + 1
            question_data = _item(section_data.get("questions"), loc[1])
            raw_id = question_data.get("id")
            question_id = raw_id if isinstance(raw_id, str) else None
            loc = loc[2:]
    name = None
    if loc:
        name = _show(loc[0]) + "".join(
            f"[{part + 1}]" if isinstance(part, int) else f".{part}" for part in loc[1:]
        )
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    value = error.get("input")
    field_name = str(loc[0]) if loc else ""
    key = _ERROR_KEYS.get(kind, "invalid")
    params: dict[str, str] = {}
    if kind in ("enum", "literal_error"):
        allowed = _ALLOWED.get(field_name, ())
        key, params = "bad_value", {"value": _show(value), "allowed": ", ".join(allowed)}
    elif kind == "string_too_long":
        length = len(value.strip()) if isinstance(value, str) else 0
        key, params = "too_long", {"max": str(ctx.get("max_length")), "length": str(length)}
    elif kind == "too_short":
        key, params = "too_few", {"min": str(ctx.get("min_length"))}
    elif kind == "too_long":
        key, params = "too_many", {"max": str(ctx.get("max_length"))}
    elif kind == "greater_than_equal":
        params = {"min": str(ctx.get("ge"))}
    elif kind == "string_pattern_mismatch":
        key = {"code": "bad_code", "id": "bad_id"}.get(field_name, "invalid")
        params = {"value": _show(value)}
    elif kind in PROBLEM_KEYS:  # raised by our own validators
        key, params = kind, {k: _show(v) for k, v in ctx.items()}
    return Problem(
        key,
        params,
        section=section,
        question=question,
        question_id=question_id,
        field=name,
        section_title=section_title,
    )


def _item(container: Any, index: int) -> Mapping[str, Any]:
    if isinstance(container, list) and 0 <= index < len(container):
        item = container[index]
        if isinstance(item, Mapping):
            return item
    return {}


def parse_checklist(source: str | bytes) -> Checklist:
    """YAML text -> validated Checklist. Raises ChecklistError with every problem found."""
    try:
        return _parse(source)
    except ChecklistError:
        raise
    except Exception as error:  # a bug here must not crash the upload handler
        log.exception("unexpected error while parsing a checklist")
        raise ChecklistError([Problem("invalid", {})]) from error


def _parse(source: str | bytes) -> Checklist:
    text = _decode(source)
    if isinstance(text, Problem):
        raise ChecklistError([text])
    data, problems = _read_yaml(text)
    if data is None and not problems:
        raise ChecklistError([Problem("empty_file", {})])
    if problems and data is None:
        raise ChecklistError(problems)
    if not isinstance(data, dict):
        raise ChecklistError([*problems, Problem("not_mapping", {})])
    checklist: Checklist | None = None
    try:
        checklist = Checklist.model_validate(data, context={_RULES_CHECKED: True})
    except ValidationError as invalid:
        problems += [_problem_from_error(e, data) for e in invalid.errors(include_url=False)]
    problems += _rule_problems(data)
    if problems or checklist is None:
        problems.sort(key=lambda p: (p.section or 0, p.question or 0))
        raise ChecklistError(problems)
    return checklist


def describe(problem: Problem, gettext: Callable[[str], str]) -> str:
    """One line in the current language: where the problem is, then what it is."""
    where: list[str] = []
    if problem.section is not None:
        if problem.section_title:
            where.append(
                gettext("checklist.where.section_titled").format(
                    number=problem.section, title=_show(problem.section_title)
                )
            )
        else:
            where.append(gettext("checklist.where.section").format(number=problem.section))
    if problem.question is not None:
        if problem.question_id:
            where.append(
                gettext("checklist.where.question_id").format(
                    number=problem.question, id=_show(problem.question_id)
                )
            )
        else:
            where.append(gettext("checklist.where.question").format(number=problem.question))
    if problem.field:
        where.append(gettext("checklist.where.field").format(field=problem.field))
    what = gettext(f"checklist.error.{problem.key}").format_map(_Params(problem.params))
    if where:
        line = gettext("checklist.where.line").format(where=", ".join(where), problem=what)
    else:
        line = what
    return line[:1].upper() + line[1:]


class _Params(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "?"


# --- writing and loading -------------------------------------------------------------------


def dump_yaml(checklist: Checklist) -> str:
    """YAML text that parse_checklist() reads back to an equal Checklist."""
    data = checklist.model_dump(mode="json", exclude_none=True)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10_000)


def load_shipped(root: Path | None = None) -> list[Checklist]:
    """Every `<root>/<language>/*.yaml` (root defaults to TEMPLATES_DIR), sorted by path.
    Raises ChecklistError (with a note naming the file) if one is broken or sits in the
    folder of another language."""
    base = TEMPLATES_DIR if root is None else root
    result: list[Checklist] = []
    for path in sorted(base.glob("*/*.yaml")):
        try:
            checklist = parse_checklist(path.read_bytes())
            if checklist.language != path.parent.name:
                params = {"value": checklist.language, "folder": path.parent.name}
                raise ChecklistError([Problem("language_mismatch", params, field="language")])
        except ChecklistError as error:
            error.add_note(f"in {path}")
            raise
        result.append(checklist)
    return result


# --- answers and results -------------------------------------------------------------------


def normalize_answer(question: Question, raw: str) -> str | None:
    """The canonical stored value for a raw answer, or None if it is not acceptable."""
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    kind = question.type
    if kind in _YES_NO_VALUES:
        lowered = text.lower()
        return lowered if lowered in _YES_NO_VALUES[kind] else None
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
        comparison = _parse_comparison(trigger) if isinstance(trigger, str) else None
        return comparison is not None and _compare(Decimal(canonical), *comparison)
    if kind is AnswerType.CHOICE:
        return canonical in ([trigger] if isinstance(trigger, str) else trigger)
    if kind in _YES_NO_VALUES:
        return canonical == trigger
    return False


def score(question: Question, value: str) -> float | None:
    """Contribution of one answer to compliance, 0..1, or None when it is not scored."""
    canonical = normalize_answer(question, value)
    if canonical is None:
        return None
    kind = question.type
    if kind in _YES_NO_VALUES:
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
