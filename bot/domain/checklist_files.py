"""Checklist template files: reading YAML, its problems, writing it back, the shipped set.

Plain Python (pydantic + PyYAML). `parse_checklist()` turns an uploaded file into a validated
`Checklist` or raises `ChecklistError` listing every problem at once, each located by section,
question and field and named by a locale key (`checklist.error.<key>`), so `describe()` can
explain it in the user's language.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.domain.checklists import (
    ALLOWED_VALUES,
    Checklist,
    Problem,
    one_line,
    rule_problems,
    text_or_none,
    validate_shapes,
)
from bot.paths import ROOT

TEMPLATES_DIR = ROOT / "templates"

MAX_FILE_BYTES = 256 * 1024
MAX_YAML_DEPTH = 12  # a checklist nests 5 deep: sections, questions, options
MAX_YAML_NODES = 50_000

log = logging.getLogger(__name__)

# Every `Problem.key` that parsing a file can produce, the rules' included; each has a
# `checklist.error.<key>` locale text.
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
            raise _AliasFound(self._next_line())
        self.nodes += 1
        if self.depth >= MAX_YAML_DEPTH or self.nodes > MAX_YAML_NODES:
            raise _TooComplex(self._next_line())
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def _next_line(self) -> int:
        """The 1-based line where the next event starts."""
        # types-PyYAML leaves peek_event() untyped; the parser's events always carry a mark.
        event: yaml.Event = self.peek_event()  # type: ignore[no-untyped-call]
        assert event.start_mark is not None
        return event.start_mark.line + 1

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
        Problem("duplicate_key", {"name": one_line(name), "line": str(line)})
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
        section_title = text_or_none(section_data.get("title"))
        loc = loc[2:]
        if len(loc) >= 2 and loc[0] == "questions" and isinstance(loc[1], int):
            question = loc[1] + 1
            question_data = _item(section_data.get("questions"), loc[1])
            raw_id = question_data.get("id")
            question_id = raw_id if isinstance(raw_id, str) else None
            loc = loc[2:]
    name = None
    if loc:
        name = one_line(loc[0]) + "".join(
            f"[{part + 1}]" if isinstance(part, int) else f".{part}" for part in loc[1:]
        )
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    value = error.get("input")
    field_name = str(loc[0]) if loc else ""
    key = _ERROR_KEYS.get(kind, "invalid")
    params: dict[str, str] = {}
    if kind in ("enum", "literal_error"):
        allowed = ALLOWED_VALUES.get(field_name, ())
        key, params = "bad_value", {"value": one_line(value), "allowed": ", ".join(allowed)}
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
        params = {"value": one_line(value)}
    elif kind in PROBLEM_KEYS:  # raised by our own validators
        key, params = kind, {k: one_line(v) for k, v in ctx.items()}
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
        checklist = validate_shapes(data)
    except ValidationError as invalid:
        problems += [_problem_from_error(e, data) for e in invalid.errors(include_url=False)]
    problems += rule_problems(data)
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
                    number=problem.section, title=one_line(problem.section_title)
                )
            )
        else:
            where.append(gettext("checklist.where.section").format(number=problem.section))
    if problem.question is not None:
        if problem.question_id:
            where.append(
                gettext("checklist.where.question_id").format(
                    number=problem.question, id=one_line(problem.question_id)
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
    folder of another language.

    The files are parsed once per process, and again when one is added, removed or changed:
    every app the tests build loads them, and PyYAML takes ~0.3 s for the shipped set. Each
    call gets copies of its own, so no caller can change what the next one is given."""
    base = TEMPLATES_DIR if root is None else root
    files: list[tuple[Path, int, int]] = []
    for path in sorted(base.glob("*/*.yaml")):
        stamp = path.stat()
        files.append((path, stamp.st_mtime_ns, stamp.st_size))
    return [checklist.model_copy(deep=True) for checklist in _parsed(base.resolve(), tuple(files))]


_HEADER_KEYS = ("code", "language", "version")


def shipped_versions(root: Path | None = None) -> list[tuple[str, str, int]] | None:
    """(code, language, version) of each shipped file, from its first lines only: all a
    start needs when the database has them already (the full, checked parse of the set is
    most of a start without it). None when a file does not open with those three keys as
    plain lines: then the full parse decides (and reports what is wrong)."""
    base = TEMPLATES_DIR if root is None else root
    found = []
    for path in sorted(base.glob("*/*.yaml")):
        head = []
        with path.open(encoding="utf-8") as lines:
            for line in lines:
                if not line.startswith(_HEADER_KEYS):
                    break
                head.append(line)
        data = yaml.safe_load("".join(head)) if head else None
        if not isinstance(data, dict):
            return None
        code, language, version = (data.get(key) for key in _HEADER_KEYS)
        if not (isinstance(code, str) and language == path.parent.name):
            return None
        if not isinstance(version, int) or isinstance(version, bool):
            return None
        found.append((code, language, version))
    return found


@functools.lru_cache(maxsize=8)
def _parsed(base: Path, files: tuple[tuple[Path, int, int], ...]) -> tuple[Checklist, ...]:
    """The checklists in `files` (path, mtime, size: the cache key). A refused file raises,
    which lru_cache does not keep, so it is read again next time."""
    del base  # part of the cache key only: `files` may hold paths relative to the cwd
    result: list[Checklist] = []
    for path, _, _ in files:
        try:
            checklist = parse_checklist(path.read_bytes())
            if checklist.language != path.parent.name:
                params = {"value": checklist.language, "folder": path.parent.name}
                raise ChecklistError([Problem("language_mismatch", params, field="language")])
        except ChecklistError as error:
            error.add_note(f"in {path}")
            raise
        result.append(checklist)
    return tuple(result)
