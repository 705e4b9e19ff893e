"""Checklist templates: the YAML format, its rules, answers and results."""

from __future__ import annotations

import copy
import logging
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from babel.messages.pofile import read_po
from pydantic import ValidationError

from bot.domain.checklist_files import (
    PROBLEM_KEYS,
    TEMPLATES_DIR,
    ChecklistError,
    describe,
    dump_yaml,
    load_shipped,
    parse_checklist,
    shipped_versions,
)
from bot.domain.checklists import AnswerType, Checklist, EvidenceRule, Problem, Question
from bot.domain.scoring import (
    compute_results,
    evidence_required,
    is_nonconforming,
    normalize_answer,
    score,
)
from bot.i18n import po_path

VALID = """\
code: sample
version: 2
language: en
title: "Sample checklist"
description: "Covers every answer type."
sections:
  - title: "Planning"
    questions:
      - id: q1
        text: "Is the plan approved?"
        clause: "8.1"
        type: yes_no
        evidence: optional
        nc_trigger: "no"
      - id: q2
        text: "How well is the plan followed?"
        clause: "8.5.1"
        type: scale_1_5
        nc_trigger: "<=2"
      - id: q3
        text: "Which register is used?"
        clause: "7.5.3"
        type: choice
        options: ["Paper", "Electronic", "None"]
        nc_trigger: ["None"]
  - title: "Registers"
    questions:
      - id: q4
        text: "How many lessons were missed?"
        clause: "9.1.1"
        type: number
        nc_trigger: ">0"
      - id: q5
        text: "Are safety briefings recorded?"
        clause: "7.1.4"
        type: yes_no_na
        hint: "Photograph the register page."
        evidence: required
        nc_trigger: "no"
      - id: q6
        text: "Anything else?"
        clause: "10.2"
        type: text
        required: false
"""


def valid_data() -> dict[str, Any]:
    return yaml.safe_load(VALID)


def question(**fields: Any) -> Question:
    return Question.model_validate({"id": "q", "text": "?", "clause": "8.1", **fields})


def problems_of(source: str | bytes) -> list[Problem]:
    with pytest.raises(ChecklistError) as refused:
        parse_checklist(source)
    assert refused.value.problems
    return refused.value.problems


def catalog(locale: str) -> dict[str, str]:
    with po_path(locale).open("rb") as source:
        return {m.id: m.string for m in read_po(source) if m.id}


def fake_gettext(locale: str) -> Callable[[str], str]:
    texts = catalog(locale)
    return lambda key: texts[key]


# --- shipped templates ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped() -> list[Checklist]:
    return load_shipped()


def test_a_start_reads_the_shipped_versions_from_the_first_lines(
    shipped: list[Checklist], tmp_path: Path
) -> None:
    versions = shipped_versions()
    assert versions is not None
    assert sorted(versions) == sorted((c.code, c.language, c.version) for c in shipped)
    # A file not opening with the three keys: the full parse decides.
    (tmp_path / "ru").mkdir()
    (tmp_path / "ru" / "odd.yaml").write_text("title: x\ncode: odd\n", encoding="utf-8")
    assert shipped_versions(tmp_path) is None


def test_all_shipped_templates_parse(shipped: list[Checklist]) -> None:
    files = sorted(TEMPLATES_DIR.glob("*/*.yaml"))
    assert len(files) == 26
    assert len(shipped) == 26
    for path, checklist in zip(files, shipped, strict=True):
        assert checklist.code == path.stem
        assert checklist.language == path.parent.name
        assert checklist.question_count >= 15
        assert len(checklist.questions) == checklist.question_count


def test_russian_and_english_templates_match(shipped: list[Checklist]) -> None:
    by_language: dict[str, dict[str, Checklist]] = {"ru": {}, "en": {}}
    for checklist in shipped:
        by_language[checklist.language][checklist.code] = checklist
    assert set(by_language["ru"]) == set(by_language["en"])
    assert len(by_language["ru"]) == 13
    for code, ru in by_language["ru"].items():
        en = by_language["en"][code]
        assert ru.version == en.version
        assert [q.id for q in ru.questions] == [q.id for q in en.questions]
        assert [(q.type, q.clause) for q in ru.questions] == [
            (q.type, q.clause) for q in en.questions
        ]
        assert [len(s.questions) for s in ru.sections] == [len(s.questions) for s in en.sections]


def test_dump_yaml_round_trips_every_shipped_template(shipped: list[Checklist]) -> None:
    for checklist in shipped:
        text = dump_yaml(checklist)
        assert "None" not in text and "null" not in text
        assert checklist.title in text  # Cyrillic kept readable, not \u-escaped
        assert parse_checklist(text) == checklist
        assert parse_checklist(text.encode()) == checklist


def test_dump_yaml_quotes_what_yaml_would_misread() -> None:
    data = valid_data()
    data["sections"][0]["questions"][0]["clause"] = "8.5"
    checklist = parse_checklist(yaml.safe_dump(data))
    text = dump_yaml(checklist)
    assert parse_checklist(text) == checklist
    assert parse_checklist(text).questions[0].clause == "8.5"
    assert parse_checklist(text).questions[0].nc_trigger == "no"
    assert "hint" not in text.split("id: q1")[1].split("id: q2")[0]  # None fields are left out


def test_load_shipped_refuses_a_template_in_the_wrong_folder(tmp_path: Path) -> None:
    (tmp_path / "ru").mkdir()
    (tmp_path / "ru" / "sample.yaml").write_text(VALID, encoding="utf-8")
    with pytest.raises(ChecklistError) as refused:
        load_shipped(tmp_path)
    assert [p.key for p in refused.value.problems] == ["language_mismatch"]
    assert any("sample.yaml" in note for note in refused.value.__notes__)
    (tmp_path / "ru" / "sample.yaml").unlink()
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "sample.yaml").write_text(VALID, encoding="utf-8")
    assert [c.code for c in load_shipped(tmp_path)] == ["sample"]


# --- the model -----------------------------------------------------------------------------


def test_valid_file_parses_with_defaults() -> None:
    checklist = parse_checklist(VALID)
    assert checklist.question_count == 6
    assert [q.id for q in checklist.questions] == ["q1", "q2", "q3", "q4", "q5", "q6"]
    first = checklist.questions[0]
    assert first.type is AnswerType.YES_NO
    assert first.evidence is EvidenceRule.OPTIONAL
    assert first.required is True
    assert checklist.questions[1].evidence is EvidenceRule.NONE
    assert checklist.questions[5].required is False
    assert checklist.questions[2].options == ["Paper", "Electronic", "None"]


def test_section_of_uses_the_flat_index() -> None:
    checklist = parse_checklist(VALID)
    assert [checklist.section_of(i).title for i in range(6)] == ["Planning"] * 3 + ["Registers"] * 3
    with pytest.raises(IndexError):
        checklist.section_of(6)
    with pytest.raises(IndexError):
        checklist.section_of(-1)


def test_yaml_shortcuts_are_accepted() -> None:
    # unquoted, YAML reads 8.1 as a float and no as a boolean
    text = VALID.replace('clause: "8.1"', "clause: 8.1").replace('"no"', "no")
    checklist = parse_checklist(text)
    assert checklist.questions[0].clause == "8.1"
    assert checklist.questions[0].nc_trigger == "no"
    assert checklist.questions[4].nc_trigger == "no"
    data = valid_data()
    choice = data["sections"][0]["questions"][2]
    choice["options"] = [1, 2, "3+"]
    choice["nc_trigger"] = [1]
    data["sections"][1]["questions"][0]["nc_trigger"] = 0
    checklist = parse_checklist(yaml.safe_dump(data))
    assert checklist.questions[2].options == ["1", "2", "3+"]
    assert checklist.questions[2].nc_trigger == ["1"]
    assert checklist.questions[3].nc_trigger == "0"


def test_models_built_in_code_follow_the_same_rules() -> None:
    with pytest.raises(ValidationError, match="options_required"):
        question(type="choice")
    with pytest.raises(ValidationError, match="trigger_not_comparison"):
        question(type="number", nc_trigger="lots")
    data = valid_data()
    data["sections"][1]["questions"][0]["id"] = "q1"
    with pytest.raises(ValidationError, match="duplicate_id"):
        Checklist.model_validate(data)
    assert Checklist.model_validate(valid_data()) == parse_checklist(VALID)


# --- bad files -----------------------------------------------------------------------------

DELETE = object()
Q = ("sections", 0, "questions")
R = ("sections", 1, "questions")


def changed(path: tuple[Any, ...], value: Any) -> str:
    data = valid_data()
    node = data
    for part in path[:-1]:
        node = node[part]
    if value is DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


# (path, new value, expected key, section, question, field)
BAD_CASES: list[tuple[tuple[Any, ...], Any, str, int | None, int | None, str | None]] = [
    (("code",), "Sample", "bad_code", None, None, "code"),
    (("code",), DELETE, "missing", None, None, "code"),
    (("version",), 0, "too_small", None, None, "version"),
    (("version",), "2", "expected_int", None, None, "version"),
    (("version",), 1.5, "expected_int", None, None, "version"),
    (("language",), "de", "bad_value", None, None, "language"),
    (("title",), "   ", "empty", None, None, "title"),
    (("title",), "x" * 201, "too_long", None, None, "title"),
    (("description",), "x" * 1001, "too_long", None, None, "description"),
    (("colour",), "red", "unknown_field", None, None, "colour"),
    (("sections",), [], "too_few", None, None, "sections"),
    (("sections",), "none", "expected_list", None, None, "sections"),
    (("sections", 1, "title"), DELETE, "missing", 2, None, "title"),
    (("sections", 1, "title"), "Planning", "duplicate_section", 2, None, "title"),
    (("sections", 1, "questions"), [], "too_few", 2, None, "questions"),
    (("sections", 1, "extra"), 1, "unknown_field", 2, None, "extra"),
    ((*Q, 1), "a question", "expected_mapping", 1, 2, None),
    ((*Q, 1, "text"), DELETE, "missing", 1, 2, "text"),
    ((*Q, 1, "text"), ["a"], "expected_text", 1, 2, "text"),
    ((*Q, 1, "text"), "x" * 501, "too_long", 1, 2, "text"),
    ((*Q, 1, "id"), "bad id", "bad_id", 1, 2, "id"),
    ((*Q, 1, "id"), "q" * 21, "bad_id", 1, 2, "id"),
    ((*R, 2, "id"), "q1", "duplicate_id", 2, 3, "id"),
    ((*R, 0, "clause"), "11.1", "bad_clause", 2, 1, "clause"),
    ((*R, 0, "clause"), "3", "bad_clause", 2, 1, "clause"),
    ((*R, 0, "clause"), "7..1", "bad_clause", 2, 1, "clause"),
    ((*R, 0, "clause"), "7.1.5.1.2", "bad_clause", 2, 1, "clause"),
    ((*R, 0, "clause"), True, "expected_text", 2, 1, "clause"),
    ((*Q, 0, "type"), "boolean", "bad_value", 1, 1, "type"),
    ((*Q, 0, "evidence"), "maybe", "bad_value", 1, 1, "evidence"),
    ((*Q, 0, "required"), "yes", "expected_bool", 1, 1, "required"),
    ((*Q, 0, "hint"), "x" * 301, "too_long", 1, 1, "hint"),
    ((*Q, 0, "options"), ["a", "b"], "options_forbidden", 1, 1, "options"),
    ((*Q, 2, "options"), DELETE, "options_required", 1, 3, "options"),
    ((*Q, 2, "options"), ["None"], "too_few", 1, 3, "options"),
    ((*Q, 2, "options"), ["None", *map(str, range(10))], "too_many", 1, 3, "options"),
    ((*Q, 2, "options"), ["None", "x" * 61], "too_long", 1, 3, "options[2]"),
    ((*Q, 2, "options"), ["None", ""], "empty", 1, 3, "options[2]"),
    ((*Q, 2, "options"), ["None", "Paper", "None"], "duplicate_option", 1, 3, "options"),
    ((*Q, 2, "nc_trigger"), "Lost", "trigger_not_option", 1, 3, "nc_trigger"),
    ((*Q, 2, "nc_trigger"), ["None", "Lost"], "trigger_not_option", 1, 3, "nc_trigger"),
    ((*Q, 2, "nc_trigger"), [], "empty", 1, 3, "nc_trigger"),
    ((*Q, 2, "nc_trigger"), {"a": 1}, "expected_trigger", 1, 3, "nc_trigger"),
    ((*Q, 0, "nc_trigger"), "na", "bad_value", 1, 1, "nc_trigger"),
    ((*Q, 0, "nc_trigger"), ["no"], "trigger_not_list", 1, 1, "nc_trigger"),
    ((*R, 1, "nc_trigger"), "maybe", "bad_value", 2, 2, "nc_trigger"),
    ((*Q, 1, "nc_trigger"), "<=x", "trigger_not_comparison", 1, 2, "nc_trigger"),
    ((*Q, 1, "nc_trigger"), ">=6", "trigger_out_of_scale", 1, 2, "nc_trigger"),
    ((*Q, 1, "nc_trigger"), "0", "trigger_out_of_scale", 1, 2, "nc_trigger"),
    ((*R, 0, "nc_trigger"), "about 5", "trigger_not_comparison", 2, 1, "nc_trigger"),
    ((*R, 0, "nc_trigger"), "=>5", "trigger_not_comparison", 2, 1, "nc_trigger"),
    ((*R, 2, "nc_trigger"), "anything", "trigger_forbidden", 2, 3, "nc_trigger"),
    ((*R, 1, "evidence_for"), ["na"], "evidence_for_na", 2, 2, "evidence_for"),
    ((*R, 1, "evidence_for"), "maybe", "bad_value", 2, 2, "evidence_for"),
    ((*R, 1, "evidence_for"), [], "empty", 2, 2, "evidence_for"),
    ((*Q, 0, "evidence_for"), ["yes"], "evidence_for_not_required", 1, 1, "evidence_for"),
    ((*Q, 1, "evidence_for"), ["5"], "evidence_for_forbidden", 1, 2, "evidence_for"),
]


@pytest.mark.parametrize(("path", "value", "key", "section", "question_no", "field"), BAD_CASES)
def test_each_rule_is_reported_where_it_is_broken(
    path: tuple[Any, ...],
    value: Any,
    key: str,
    section: int | None,
    question_no: int | None,
    field: str | None,
) -> None:
    found = problems_of(changed(path, value))
    assert [(p.key, p.section, p.question, p.field) for p in found] == [
        (key, section, question_no, field)
    ]
    problem = found[0]
    assert problem.key in PROBLEM_KEYS
    assert all(isinstance(v, str) for v in problem.params.values())
    if question_no is not None:
        assert section is not None
        mutated = yaml.safe_load(changed(path, value))
        entry = mutated["sections"][section - 1]["questions"][question_no - 1]
        assert problem.question_id == (entry.get("id") if isinstance(entry, dict) else None)
    for locale in ("ru", "en"):
        line = describe(problem, fake_gettext(locale))
        assert "{" not in line and "?" not in line.replace("«?»", "")


def test_evidence_depends_on_the_answer_and_never_on_not_applicable() -> None:
    always = question(type="yes_no_na", evidence="required")
    assert [evidence_required(always, v) for v in ("yes", "no", "na", None)] == [
        True, True, False, False,
    ]  # fmt: skip
    # Unquoted in YAML, `yes` arrives as a boolean: it means the answer "yes".
    only_yes = parse_checklist(changed((*R, 1, "evidence_for"), [True]))
    q5 = only_yes.questions[4]
    assert q5.evidence_for == ["yes"]
    assert [evidence_required(q5, v) for v in ("yes", "no", "na")] == [True, False, False]
    choice = question(
        type="choice", options=["Paper", "Electronic"], evidence="required",
        evidence_for=["Paper"],
    )  # fmt: skip
    assert evidence_required(choice, "Paper") and not evidence_required(choice, "Electronic")
    optional = question(type="yes_no", evidence="optional")
    assert not evidence_required(optional, "yes")


def test_accepted_triggers() -> None:
    for trigger in ("<2", "<= 2", " >=4 ", "==3", "!=5", "3", "<2,5", "<2.5"):
        assert parse_checklist(changed((*Q, 1, "nc_trigger"), trigger))
    for trigger in (">0", ">= -3,5", "!=0", "-1", "<1"):
        assert parse_checklist(changed((*R, 0, "nc_trigger"), trigger))


def test_duplicate_id_names_the_first_use() -> None:
    (problem,) = problems_of(changed((*R, 2, "id"), "q2"))
    assert problem.params == {"value": "q2", "section": "1", "question": "2"}
    assert problem.section_title == "Registers"


def test_all_problems_are_reported_at_once() -> None:
    data = valid_data()
    data["code"] = "A"
    data["extra"] = True
    planning = data["sections"][0]["questions"]
    planning[0]["options"] = ["a", "b"]
    planning[1]["nc_trigger"] = "<=x"
    planning[1]["clause"] = "8.x"
    registers = data["sections"][1]["questions"]
    registers[0]["id"] = "q2"
    registers[2]["type"] = "essay"
    found = problems_of(yaml.safe_dump(data))
    assert sorted((p.key, p.section, p.question, p.field) for p in found) == sorted(
        [
            ("bad_code", None, None, "code"),
            ("unknown_field", None, None, "extra"),
            ("options_forbidden", 1, 1, "options"),
            ("trigger_not_comparison", 1, 2, "nc_trigger"),
            ("bad_clause", 1, 2, "clause"),
            ("duplicate_id", 2, 1, "id"),
            ("bad_value", 2, 3, "type"),
        ]
    )
    # top-level problems first, then in section and question order
    order = [(p.section or 0, p.question or 0) for p in found]
    assert order == sorted(order)


def test_repeated_keys_and_aliases_are_refused() -> None:
    repeated = VALID.replace('title: "Sample checklist"', 'title: "A"\ntitle: "B"')
    assert [(p.key, p.params) for p in problems_of(repeated)] == [
        ("duplicate_key", {"name": "title", "line": "5"})
    ]
    aliased = VALID + "x: &big [1, 2]\ny: *big\n"
    assert [(p.key, p.params) for p in problems_of(aliased)] == [
        ("aliases", {"line": str(VALID.count("\n") + 2)})
    ]


@pytest.mark.parametrize(
    ("source", "key"),
    [
        ("", "empty_file"),
        ("# only a comment\n", "empty_file"),
        (b"", "empty_file"),
        ("- a\n- b\n", "not_mapping"),
        ("just words", "not_mapping"),
        ("42", "not_mapping"),
        ("code: [unclosed\n", "not_yaml_line"),
        ("a: b\n  c: d\n", "not_yaml_line"),
        ("a: 1\n---\nb: 2\n", "not_yaml_line"),
        ("title: 2024-13-45\n", "not_yaml"),
        ("title: !!python/object:os.system x\n", "not_yaml_line"),
        ("x: " + "[" * 3000, "too_complex"),
        ("[" * 20_000 + "]" * 20_000, "too_complex"),  # 40 KB that kept PyYAML busy 5 s
        ("code: \x00\n", "not_yaml"),
        (b"\xff\xfe\x00\x00garbage\x80", "not_utf8"),
        ("# " + "x" * 300_000, "too_large"),
        (("# " + "x" * 300_000).encode(), "too_large"),
        ("# " + "ж" * 140_000, "too_large"),  # 280 KB in UTF-8
    ],
)
def test_files_that_are_not_templates_at_all(source: str | bytes, key: str) -> None:
    assert [p.key for p in problems_of(source)] == [key]


def test_random_bytes_only_ever_raise_checklist_error() -> None:
    rng = random.Random(7)
    for _ in range(200):
        garbage = rng.randbytes(rng.randrange(0, 3000))
        with pytest.raises(ChecklistError):
            parse_checklist(garbage)


JUNK: list[Any] = [None, 0, -1, 1.5, True, "", "x", "x" * 700, [], [1, {}], {}, {"a": [None]}]


def _nodes(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _nodes(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _nodes(value, (*path, index))
    return found


@pytest.mark.slow  # 400 parses of damaged YAML in pure-Python PyYAML
def test_random_mutations_only_ever_raise_checklist_error(caplog: pytest.LogCaptureFixture) -> None:
    rng = random.Random(2024)
    base = valid_data()
    texts = [VALID, *(p.read_text(encoding="utf-8") for p in TEMPLATES_DIR.glob("ru/*.yaml"))]
    outcomes = {"ok": 0, "refused": 0}
    for _ in range(400):
        how = rng.randrange(3)
        if how == 0:  # replace or delete one node of the structure
            data = copy.deepcopy(base)
            path = rng.choice(_nodes(data)[1:])
            parent = data
            for part in path[:-1]:
                parent = parent[part]
            if rng.random() < 0.3:
                del parent[path[-1]]
            else:
                parent[path[-1]] = copy.deepcopy(rng.choice(JUNK))
            source: str | bytes = yaml.safe_dump(data, allow_unicode=True)
        else:  # damage the text itself
            raw = bytearray(rng.choice(texts).encode())
            for _ in range(rng.randrange(1, 6)):
                at = rng.randrange(len(raw))
                if how == 1:
                    raw[at] = rng.randrange(256)
                else:
                    raw[at:at] = rng.choice([b":", b"\n", b"- ", b"  ", b"'", b"&a", b"{", b"]"])
            source = bytes(raw)
        try:
            parse_checklist(source)
            outcomes["ok"] += 1
        except ChecklistError as refused:
            outcomes["refused"] += 1
            for problem in refused.problems:
                assert problem.key in PROBLEM_KEYS
                for locale in ("ru", "en"):
                    assert describe(problem, fake_gettext(locale))
    assert outcomes["refused"] > 200
    # nothing was caught by the last-resort handler that hides bugs
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


# --- describe ------------------------------------------------------------------------------


def test_every_problem_key_has_texts_in_both_languages() -> None:
    for locale in ("ru", "en"):
        texts = catalog(locale)
        missing = sorted(k for k in PROBLEM_KEYS if f"checklist.error.{k}" not in texts)
        assert missing == [], locale


def test_describe_names_section_question_and_field() -> None:
    data = valid_data()
    data["sections"][1]["title"] = "Журналы"
    data["sections"][1]["questions"][2] = {
        "id": "tp07",
        "text": "?",
        "clause": "8.2",
        "type": "number",
        "nc_trigger": "<=x",
    }
    (problem,) = problems_of(yaml.safe_dump(data, allow_unicode=True))
    assert describe(problem, fake_gettext("ru")) == (
        "Раздел 2 «Журналы», вопрос 3 (tp07), поле nc_trigger: "
        "«<=x» — не сравнение вида <=2 или >=10."
    )
    assert describe(problem, fake_gettext("en")) == (
        "Section 2 “Журналы”, question 3 (tp07), field nc_trigger: "
        "“<=x” is not a comparison like <=2 or >=10."
    )


def test_describe_without_a_location_starts_with_a_capital() -> None:
    (problem,) = problems_of("")
    assert describe(problem, fake_gettext("ru")) == "Файл пустой."
    assert describe(problem, fake_gettext("en")) == "The file is empty."
    (problem,) = problems_of(changed(("version",), 0))
    assert describe(problem, fake_gettext("en")) == "Field version: the value must be at least 1."


def test_describe_without_a_question_id_or_section_title() -> None:
    problem = Problem("missing", {}, section=3, question=1, field="id")
    assert describe(problem, fake_gettext("ru")) == (
        "Раздел 3, вопрос 1, поле id: обязательное поле не заполнено."
    )


# --- answers -------------------------------------------------------------------------------

YES_NO = question(type="yes_no", nc_trigger="no")
YES_NO_NA = question(type="yes_no_na", nc_trigger="no")
SCALE = question(type="scale_1_5", nc_trigger="<=2")
CHOICE = question(type="choice", options=["Paper", "Electronic", "None"], nc_trigger=["None"])
NUMBER = question(type="number", nc_trigger=">0")
TEXT = question(type="text")


@pytest.mark.parametrize(
    ("q", "raw", "expected"),
    [
        (YES_NO, "yes", "yes"),
        (YES_NO, " No ", "no"),
        (YES_NO, "na", None),
        (YES_NO, "", None),
        (YES_NO_NA, "NA", "na"),
        (YES_NO_NA, "no", "no"),
        (YES_NO_NA, "maybe", None),
        (SCALE, "3", "3"),
        (SCALE, " 5 ", "5"),
        (SCALE, "0", None),
        (SCALE, "6", None),
        (SCALE, "3.0", None),
        (SCALE, "три", None),
        (CHOICE, "Paper", "Paper"),
        (CHOICE, " None ", "None"),
        (CHOICE, "paper", None),
        (CHOICE, "", None),
        (NUMBER, "3,5", "3.5"),
        (NUMBER, " 12 ", "12"),
        (NUMBER, "-2", "-2"),
        (NUMBER, "12.50", "12.5"),
        (NUMBER, "7.0", "7"),
        (NUMBER, "+7", "7"),
        (NUMBER, "-0", "0"),
        (NUMBER, ".5", "0.5"),
        (NUMBER, "1000000000", "1000000000"),
        (NUMBER, "0.000001", "0.000001"),
        (NUMBER, "1000000001", None),
        (NUMBER, "-1e10", None),
        (NUMBER, "1e3", None),
        (NUMBER, "abc", None),
        (NUMBER, "", None),
        (NUMBER, "nan", None),
        (NUMBER, "inf", None),
        (NUMBER, "-Infinity", None),
        (NUMBER, "1 000", None),
        (NUMBER, "1,2,3", None),
        (TEXT, "  all good  ", "all good"),
        (TEXT, "   ", None),
        (TEXT, "x" * 2000, "x" * 2000),
        (TEXT, "x" * 2001, None),
    ],
)
def test_normalize_answer(q: Question, raw: str, expected: str | None) -> None:
    assert normalize_answer(q, raw) == expected


@pytest.mark.parametrize(
    ("q", "value", "expected"),
    [
        (YES_NO, "no", True),
        (YES_NO, "yes", False),
        (question(type="yes_no", nc_trigger="yes"), "yes", True),
        (question(type="yes_no", nc_trigger="yes"), "no", False),
        (question(type="yes_no"), "no", False),
        (YES_NO_NA, "no", True),
        (YES_NO_NA, "na", False),
        (question(type="yes_no_na", nc_trigger="na"), "na", True),
        (SCALE, "1", True),
        (SCALE, "2", True),
        (SCALE, "3", False),
        (SCALE, "9", False),
        (question(type="scale_1_5", nc_trigger="< 2"), "2", False),
        (question(type="scale_1_5", nc_trigger="3"), "3", True),
        (question(type="scale_1_5", nc_trigger="!=5"), "4", True),
        (CHOICE, "None", True),
        (CHOICE, "Paper", False),
        (question(type="choice", options=["a", "b"], nc_trigger="b"), "b", True),
        (NUMBER, "0", False),
        (NUMBER, "0.5", True),
        (NUMBER, "3,5", True),
        (NUMBER, "-1", False),
        (NUMBER, "abc", False),
        (question(type="number", nc_trigger=">=2,5"), "2.5", True),
        (question(type="number", nc_trigger=">=2,5"), "2.4", False),
        (question(type="number", nc_trigger="3"), "3.0", True),
        (question(type="number", nc_trigger="<16"), "16", False),
        (question(type="number"), "100", False),
        (TEXT, "anything", False),
    ],
)
def test_is_nonconforming(q: Question, value: str, expected: bool) -> None:
    assert is_nonconforming(q, value) is expected


@pytest.mark.parametrize(
    ("q", "value", "expected"),
    [
        (YES_NO, "yes", 1.0),
        (YES_NO, "no", 0.0),
        (YES_NO, "perhaps", None),
        (question(type="yes_no"), "yes", 1.0),
        (question(type="yes_no"), "no", 0.0),
        (question(type="yes_no", nc_trigger="yes"), "yes", 0.0),
        (question(type="yes_no", nc_trigger="yes"), "no", 1.0),
        (YES_NO_NA, "yes", 1.0),
        (YES_NO_NA, "no", 0.0),
        (YES_NO_NA, "na", None),
        (question(type="yes_no_na", nc_trigger="na"), "na", 0.0),
        (question(type="yes_no_na", nc_trigger="na"), "yes", 1.0),
        (SCALE, "1", 0.0),
        (SCALE, "2", 0.25),
        (SCALE, "3", 0.5),
        (SCALE, "5", 1.0),
        (SCALE, "6", None),
        (question(type="scale_1_5"), "4", 0.75),
        (CHOICE, "None", 0.0),
        (CHOICE, "Electronic", 1.0),
        (CHOICE, "Lost", None),
        (question(type="choice", options=["a", "b"]), "a", None),
        (NUMBER, "0", 1.0),
        (NUMBER, "2", 0.0),
        (NUMBER, "x", None),
        (question(type="number"), "2", None),
        (TEXT, "fine", None),
    ],
)
def test_score(q: Question, value: str, expected: float | None) -> None:
    assert score(q, value) == expected


RESULTS_TEMPLATE = """\
code: results
version: 1
language: en
title: "Results"
sections:
  - title: "S1"
    questions:
      - {id: q1, text: "?", clause: "7.2", type: yes_no, nc_trigger: "no"}
      - {id: q2, text: "?", clause: "10.2", type: scale_1_5}
      - {id: q3, text: "?", clause: "7.1.4", type: text}
  - title: "S2"
    questions:
      - {id: q4, text: "?", clause: "7.1.3", type: number, nc_trigger: ">0"}
      - {id: q5, text: "?", clause: "7.2", type: yes_no_na, nc_trigger: "no"}
      - {id: q6, text: "?", clause: "8.1", type: choice, options: [a, b]}
"""


def test_compute_results_by_hand() -> None:
    checklist = parse_checklist(RESULTS_TEMPLATE)
    answers = [
        ("q1", "yes"),  # 1
        ("q1", "no"),  # 0
        ("q1", "yes"),  # 1
        ("q2", "4"),  # 0.75
        ("q2", "3"),  # 0.5
        ("q2", "9"),  # not a scale value: not scored
        ("q3", "notes"),  # text: not scored
        ("q4", "0"),  # 1
        ("q4", "0"),  # 1
        ("q4", "3"),  # 0 (>0 is the trigger)
        ("q5", "na"),  # not scored
        ("q5", "no"),  # 0
        ("q6", "a"),  # choice without a trigger: not scored
        ("zz", "yes"),  # unknown question: ignored
    ]
    results = compute_results(checklist, iter(answers))
    # 9 scores: q1 1+0+1, q2 0.75+0.5, q4 1+1+0, q5 0 -> 5.25 / 9 = 0.58333 -> 58.3
    assert results.scored == 9
    assert results.overall == 58.3
    # S1: 1+0+1+0.75+0.5 = 3.25 / 5 = 65.0; S2: 1+1+0+0 = 2 / 4 = 50.0
    assert results.by_section == {"S1": 65.0, "S2": 50.0}
    # 7.1.3: q4 2/3 = 66.7; 7.1.4: text only; 7.2: q1 and q5 (1+0+1+0)/4 = 50.0;
    # 8.1: no trigger; 10.2: q2 (0.75+0.5)/2 = 62.5
    assert results.by_clause == {
        "7.1.3": 66.7,
        "7.1.4": None,
        "7.2": 50.0,
        "8.1": None,
        "10.2": 62.5,
    }
    assert list(results.by_clause) == ["7.1.3", "7.1.4", "7.2", "8.1", "10.2"]


def test_compute_results_with_nothing_scored() -> None:
    checklist = parse_checklist(RESULTS_TEMPLATE)
    results = compute_results(checklist, [("q3", "text"), ("q6", "b"), ("nope", "yes")])
    assert results.scored == 0
    assert results.overall is None
    assert results.by_section == {"S1": None, "S2": None}
    assert set(results.by_clause.values()) == {None}
