"""Satisfaction surveys of parents and students (ISO 9001 9.1.2): the shipped templates,
the groups a survey is opened for, the anonymous respondent key and the results.

A template lives in `templates/surveys/<language>/<code>.yaml`; each language has the same
questions (ids, types, number of options), so answers given in Russian and in English are
counted together. A scale question is answered 1–5; a choice question by its option's
position; one free comment ends the survey.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

from bot.paths import ROOT

SURVEYS_DIR = ROOT / "templates" / "surveys"
SCALE = (1, 2, 3, 4, 5)
OPTIONS_MAX = 6
TEXT_MAX = 300
COMMENT_MAX = 1000
GROUP_NAME_MAX = 20
GROUPS_MAX = 40  # their links fit one message
DAYS_MAX = 92  # a survey runs at most a school term


class QuestionType(StrEnum):
    SCALE = "scale"
    CHOICE = "choice"


class GroupKind(StrEnum):
    CLASS = "class"  # 5А
    PARALLEL = "parallel"  # 5 (all the fifth classes)
    ALL = "all"  # the whole school


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    type: QuestionType
    text: str
    options: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SurveyTemplate:
    code: str
    language: str
    title: str
    intro: str
    questions: tuple[Question, ...]
    comment: str


class TemplateError(ValueError):
    """A survey template file that cannot be used; the message names what is wrong."""


def _text(data: dict[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise TemplateError(f"{where}: '{key}' must be a non-empty text")
    if len(value) > TEXT_MAX:
        raise TemplateError(f"{where}: '{key}' is longer than {TEXT_MAX} characters")
    return value.strip()


def parse_template(raw: str, language: str) -> SurveyTemplate:
    """A template from its YAML text, or TemplateError naming the first problem."""
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as error:
        raise TemplateError(f"not valid YAML: {error}") from None
    if not isinstance(data, dict):
        raise TemplateError("expected a mapping with code, title, intro, questions, comment")
    code = _text(data, "code", "survey")
    if not re.fullmatch(r"[a-z_]{1,40}", code):
        raise TemplateError("survey: 'code' must be lowercase latin letters")
    items = data.get("questions")
    if not isinstance(items, list) or not items:
        raise TemplateError("survey: 'questions' must be a non-empty list")
    questions: list[Question] = []
    for number, item in enumerate(items, 1):
        where = f"question {number}"
        if not isinstance(item, dict):
            raise TemplateError(f"{where}: expected id, type and text")
        qid = _text(item, "id", where)
        if not re.fullmatch(r"[a-z_]{1,20}", qid) or any(q.id == qid for q in questions):
            raise TemplateError(f"{where}: 'id' must be unique lowercase latin letters")
        try:
            kind = QuestionType(str(item.get("type")))
        except ValueError:
            raise TemplateError(f"{where}: 'type' must be scale or choice") from None
        options: tuple[str, ...] = ()
        if kind is QuestionType.CHOICE:
            raw_options = item.get("options")
            if (
                not isinstance(raw_options, list)
                or not 2 <= len(raw_options) <= OPTIONS_MAX
                or not all(isinstance(o, str) and o.strip() for o in raw_options)
            ):
                raise TemplateError(f"{where}: 'options' must be 2 to {OPTIONS_MAX} texts")
            options = tuple(o.strip() for o in raw_options)
        questions.append(Question(qid, kind, _text(item, "text", where), options))
    return SurveyTemplate(
        code=code,
        language=language,
        title=_text(data, "title", "survey"),
        intro=_text(data, "intro", "survey"),
        questions=tuple(questions),
        comment=_text(data, "comment", "survey"),
    )


def _shape(template: SurveyTemplate) -> list[tuple[str, QuestionType, int]]:
    return [(q.id, q.type, len(q.options)) for q in template.questions]


@functools.lru_cache(maxsize=4)
def load_templates(root: Path = SURVEYS_DIR) -> dict[str, dict[str, SurveyTemplate]]:
    """code -> language -> template, every file checked, and every language of a code
    checked to ask the same questions. Raises TemplateError naming the file."""
    found: dict[str, dict[str, SurveyTemplate]] = {}
    for path in sorted(root.glob("*/*.yaml")):
        try:
            template = parse_template(path.read_text(encoding="utf-8"), path.parent.name)
            if template.code != path.stem:
                raise TemplateError(f"'code' is {template.code!r}, the file is {path.stem!r}")
        except TemplateError as error:
            raise TemplateError(f"{path}: {error}") from None
        found.setdefault(template.code, {})[template.language] = template
    for code, languages in found.items():
        shapes = {language: _shape(t) for language, t in languages.items()}
        if len({repr(s) for s in shapes.values()}) > 1:
            raise TemplateError(f"survey {code!r}: its languages ask different questions")
    return found


def template_for(
    templates: dict[str, dict[str, SurveyTemplate]], code: str, language: str
) -> SurveyTemplate:
    """The template in the reader's language, else in any it has."""
    languages = templates[code]
    return languages.get(language) or languages.get("ru") or next(iter(languages.values()))


def respondent_key(salt: str, account_id: int) -> str:
    """What a response keeps of its author: enough to refuse a second response to the same
    survey, not enough to tell who answered (the salt is the survey's own)."""
    return hmac.new(salt.encode(), str(account_id).encode(), hashlib.sha256).hexdigest()


def parse_groups(raw: str) -> list[tuple[GroupKind, str]]:
    """'5А, 5Б, 6' -> two classes and a parallel; 'все'/'all' -> the whole school.
    Raises ValueError naming the first name that is neither."""
    groups: list[tuple[GroupKind, str]] = []
    for part in re.split(r"[,;\n]+", raw):
        name = " ".join(part.split()).upper()
        if not name:
            continue
        if name.lower() in ("все", "всё", "all", "вся школа", "whole school"):
            kind, name = GroupKind.ALL, "*"
        elif re.fullmatch(r"\d{1,2}", name) and 1 <= int(name) <= 11:
            kind = GroupKind.PARALLEL
        elif (found := re.fullmatch(r"(\d{1,2})\s*-?\s*([A-ZА-ЯЁ]{1,2})", name)) and (
            1 <= int(found[1]) <= 11
        ):
            kind, name = GroupKind.CLASS, found[1] + found[2]
        else:
            raise ValueError(part.strip()[:GROUP_NAME_MAX])
        if (kind, name) not in groups:
            groups.append((kind, name))
    if not groups:
        raise ValueError("")
    return groups


def is_open(opens_on: date, closes_on: date, closed: bool, today: date) -> bool:
    return not closed and opens_on <= today <= closes_on


@dataclass(frozen=True, slots=True)
class QuestionResult:
    question: Question
    answered: int
    average: float | None  # scale questions
    counts: tuple[int, ...]  # per scale point (1..5) or per option


def results(template: SurveyTemplate, answers: Iterable[dict[str, int]]) -> list[QuestionResult]:
    """Each question's count of answers, its average (a scale) and the spread."""
    rows = list(answers)
    out: list[QuestionResult] = []
    for question in template.questions:
        values = [a[question.id] for a in rows if isinstance(a.get(question.id), int)]
        counter = Counter(values)
        if question.type is QuestionType.SCALE:
            counts = tuple(counter[v] for v in SCALE)
            average = round(sum(values) / len(values), 2) if values else None
        else:
            counts = tuple(counter[i] for i in range(len(question.options)))
            average = None
        out.append(QuestionResult(question, len(values), average, counts))
    return out


def below(results_: Sequence[QuestionResult], threshold: float) -> list[QuestionResult]:
    """Scale questions whose average is under the threshold: improvement opportunities."""
    return [r for r in results_ if r.average is not None and r.average < threshold]


def shown(responses: int, minimum: int) -> bool:
    """Whether a group's results may be shown: from `minimum` responses, so that nobody's
    answer can be told from a small group's."""
    return responses >= minimum
