"""Scenario loading: YAML (with line numbers) -> pydantic -> reference checks -> `Scenario`.

Every problem in a file is reported at once, each as ``file:line:col: field: message``;
a broken scenario is refused whole with a `ScenarioError`. Nothing else escapes
`load_scenario` or `parse_scenario` for bad input.
"""

from __future__ import annotations

import datetime as dt
import math
import types
import typing
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any, Union

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.scalarbool import ScalarBoolean

from skyshield.model.errors import PathT, Problem, ScenarioError, Where
from skyshield.model.errors import dotted as _dotted
from skyshield.model.library import fold
from skyshield.model.scenario import Scenario
from skyshield.model.validate import check_geometry, check_references

MAX_NODES = 1_000_000  # after alias expansion: guards against "billion laughs"
MAX_DEPTH = 100
MAX_FILE_BYTES = 2_000_000  # a scenario file (the built-ins: about 10 kB; 2 MB leaves room
# for thousands of waves or traced borders, and parses in seconds, not minutes)


# ------------------------------------------------------------------------ built-ins
def builtin_scenarios() -> list[str]:
    """Names of the scenarios shipped in `skyshield/scenarios`, sorted."""
    folder = resources.files("skyshield").joinpath("scenarios")
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def builtin_path(name: str) -> Path:
    """The file of built-in scenario `name` (raises `ScenarioError` if there is none)."""
    stem = name[:-5] if name.endswith(".yaml") else name
    for known in builtin_scenarios():
        if fold(known) == fold(stem):
            folder = resources.files("skyshield").joinpath("scenarios")
            return Path(str(folder.joinpath(known + ".yaml")))
    import difflib

    close = difflib.get_close_matches(stem, builtin_scenarios(), n=3, cutoff=0.4)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise ScenarioError([Problem(name, 0, 0, "", (
        f"no such file, and no built-in scenario of that name{hint} "
        f"(built-ins: {', '.join(builtin_scenarios())})"))])


def load_scenario(path_or_name: str | Path) -> Scenario:
    """Load a scenario file, or a built-in scenario by name (e.g. ``"western-night"``)."""
    path = Path(path_or_name)
    if not path.is_file():
        if isinstance(path_or_name, Path) or any(s in str(path_or_name) for s in "/\\"):
            raise ScenarioError([Problem(str(path_or_name), 0, 0, "", "no such file")])
        path = builtin_path(str(path_or_name))
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ScenarioError([Problem(str(path_or_name), 0, 0, "", _too_big(size))])
        raw = path.read_bytes()
    except OSError as e:
        raise ScenarioError([Problem(str(path_or_name), 0, 0, "", (
            f"cannot read: {e.strerror or e}"))]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[:e.start].count(b"\n") + 1
        col = e.start - (raw.rfind(b"\n", 0, e.start) + 1) + 1
        raise ScenarioError([Problem(str(path_or_name), line, col, "", (
            f"not UTF-8 text (byte 0x{raw[e.start]:02x}); save the file as UTF-8"))]) from None
    return parse_scenario(text, file=str(path_or_name))


def parse_scenario(text: str, file: str = "<string>") -> Scenario:
    """Parse and check scenario YAML `text`; `file` names it in problems."""
    if len(text) > MAX_FILE_BYTES:
        raise ScenarioError([Problem(file, 0, 0, "", _too_big(len(text)))])
    tree, problems = _parse_yaml(text, file)
    if problems:
        raise ScenarioError(problems)
    where = _locator(tree)
    data, problems = _plain(tree, file, where)
    if problems:
        raise ScenarioError(problems)
    problems = []
    scenario: Scenario | None = None
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as e:
        problems += pydantic_problems(e, file, where, data)
    problems += check_references(data, file, where)
    if not problems and scenario is not None:
        problems += check_geometry(scenario, file, where)
    if problems:
        raise ScenarioError(_dedupe(problems))
    assert scenario is not None
    return scenario


def _too_big(size: int) -> str:
    return (f"file too large: {size / 1e6:.1f} MB, at most {MAX_FILE_BYTES / 1e6:g} MB (a "
            "scenario declares forces and waves, not data)")


def scenario_json_schema() -> dict[str, Any]:
    """The JSON Schema of scenario files (for editors), with titles and descriptions."""
    schema = Scenario.model_json_schema()
    schema["title"] = "skyshield scenario"
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def dump_scenario(scenario: Scenario) -> str:
    """The scenario as run, as YAML with every default filled in (loads back to an equal one)."""
    import io

    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.sort_base_mapping_type_on_output = False  # keep the schema's field order
    yaml.width = 1_000_000  # never fold: a folded long key or name does not load back
    yaml.allow_unicode = True
    buf = io.StringIO()
    buf.write(f"# scenario {scenario.name!r} as run, defaults resolved (skyshield)\n")
    yaml.dump(scenario.model_dump(mode="json"), buf)
    return buf.getvalue()


# ------------------------------------------------------------------------------ YAML
def _parse_yaml(text: str, file: str) -> tuple[Any, list[Problem]]:
    yaml = YAML(typ="rt")
    try:
        tree = yaml.load(text)
    except MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
        what = " ".join(s for s in (e.context, e.problem) if s) or "invalid YAML"
        return None, [Problem(file, line, col, "", f"YAML syntax error: {what}")]
    except RecursionError:
        return None, [Problem(file, 1, 1, "", "YAML nested too deeply")]
    except Exception as e:  # the reader and scanner raise several types for bad bytes
        return None, [Problem(file, 1, 1, "", f"cannot parse YAML: {e}")]
    if not isinstance(tree, dict):
        got = "an empty file" if tree is None else f"a {type(tree).__name__}"
        return None, [Problem(file, 1, 1, "", f"expected a mapping of scenario fields, got {got}")]
    return tree, []


def _locator(root: Any) -> Where:
    """A function from a field path to the (line, col) of that field, counted from 1."""

    def where(path: PathT) -> tuple[int, int]:
        node, pos = root, (0, 0)
        for el in path:
            try:
                if isinstance(node, CommentedMap) and not isinstance(el, bool) and el in node:
                    ln, cl = node.lc.key(el)
                    pos, node = (ln, cl), node[el]
                elif isinstance(node, CommentedSeq) and isinstance(el, int) and 0 <= el < len(node):
                    ln, cl = node.lc.item(el)
                    pos, node = (ln, cl), node[el]
            except (KeyError, TypeError, AttributeError, IndexError):
                continue  # merged keys have no position of their own
        return (pos[0] + 1, pos[1] + 1) if pos != (0, 0) or node is not root else (1, 1)

    return where


def _plain(tree: Any, file: str, where: Where) -> tuple[Any, list[Problem]]:
    """ruamel's round-trip objects -> plain Python; reject NaN, recursion and huge expansions."""
    problems: list[Problem] = []
    memo: dict[int, Any] = {}
    busy: set[int] = set()
    count = 0

    def conv(x: Any, path: PathT) -> Any:
        nonlocal count
        count += 1
        if count > MAX_NODES:
            raise _TooBigError
        if len(path) > MAX_DEPTH:
            raise _TooDeepError(path)
        if isinstance(x, dict | list):
            if id(x) in busy:
                raise _RecursiveError(path)
            if id(x) in memo:  # an alias: reuse, but count its expanded size
                out, size = memo[id(x)]
                count += size
                if count > MAX_NODES:
                    raise _TooBigError
                return out
            start = count
            busy.add(id(x))
            try:
                if isinstance(x, dict):
                    out: Any = {conv_key(k): conv(v, (*path, k)) for k, v in x.items()}
                else:
                    out = [conv(v, (*path, i)) for i, v in enumerate(x)]
            finally:
                busy.discard(id(x))
            memo[id(x)] = (out, count - start)
            return out
        if isinstance(x, ScalarBoolean | bool):
            return bool(x)
        if isinstance(x, int):
            return int(x)
        if isinstance(x, float):
            if not math.isfinite(x):
                problems.append(
                    Problem(file, *where(path), _dotted(path), "expected a finite number"))
            return float(x)
        if isinstance(x, str):
            return str(x)
        if isinstance(x, dt.datetime):
            return dt.datetime(x.year, x.month, x.day, x.hour, x.minute, x.second,
                               x.microsecond, tzinfo=x.tzinfo)
        if isinstance(x, TaggedScalar):
            return str(x.value)
        if x is None or isinstance(x, dt.date):
            return x
        return str(x)

    def conv_key(k: Any) -> Any:
        if isinstance(k, str | int | float | bool) or k is None:
            return conv(k, ())
        return str(k)

    try:
        return conv(tree, ()), problems
    except _TooBigError:
        return None, [Problem(file, 1, 1, "", "document too large after expanding aliases")]
    except _TooDeepError as e:
        return None, [Problem(file, *where(e.path), _dotted(e.path), "nested too deeply")]
    except _RecursiveError as e:
        return None, [Problem(file, *where(e.path), _dotted(e.path), "recursive alias")]


class _TooBigError(Exception):
    pass


class _TooDeepError(Exception):
    def __init__(self, path: PathT):
        self.path = path


class _RecursiveError(_TooDeepError):
    pass


# -------------------------------------------------------------------------- pydantic
def _found_path(data: Any, loc: Sequence[str | int]) -> tuple[list[str | int], bool]:
    """Keep the loc elements that are real keys/indices in `data` (drop union tags).

    Returns the kept path and whether the last loc element was dropped.
    """
    node, kept, dropped_last = data, [], False
    for i, el in enumerate(loc):
        in_map = isinstance(node, dict) and el in node
        if in_map or isinstance(node, list) and isinstance(el, int) and 0 <= el < len(node):
            kept.append(el)
            node = node[el]
        elif el == "[key]":
            continue
        elif i == len(loc) - 1:
            dropped_last = True
    return kept, dropped_last


def pydantic_problems(err: ValidationError, file: str, where: Where, data: Any) -> list[Problem]:
    """Turn a pydantic `ValidationError` on `data` into problems with lines and expectations."""
    out: list[tuple[Problem, bool]] = []
    for e in err.errors(include_url=False):
        loc = tuple(e["loc"])
        kept, dropped = _found_path(data, loc)
        path = list(kept)
        if e["type"] == "missing" and loc:
            path.append(loc[-1])
            dropped = False
        line, col = where(tuple(kept))
        out.append((Problem(file, line, col, _dotted(path), _message(e, loc)), dropped))
    # A union tries every branch: drop the shallow branch errors when a deeper one exists.
    result = []
    for p, dropped in out:
        if dropped and any(q.field.startswith(p.field) and q.field != p.field for q, _ in out):
            continue
        result.append(p)
    return result


def _message(e: Any, loc: PathT) -> str:
    typ, msg, ctx = e["type"], e["msg"], e.get("ctx") or {}
    got = e.get("input")
    if typ == "missing":
        return f"missing required field {loc[-1]!r}"
    if typ == "extra_forbidden":
        fields = _fields_at(loc[:-1])
        text = f"unknown field {loc[-1]!r}"
        if fields:
            import difflib

            close = difflib.get_close_matches(str(loc[-1]), fields, n=2, cutoff=0.6)
            if close:
                text += f": did you mean {', '.join(repr(c) for c in close)}?"
            text += f" (expected one of: {', '.join(fields)})"
        return text
    if typ == "union_tag_invalid":
        return f"unknown kind {ctx.get('tag')!r} (expected one of: {ctx.get('expected_tags')})"
    if typ == "union_tag_not_found":
        return f"missing {ctx.get('discriminator', 'kind')} (expected one of the zone kinds)"
    if typ in ("value_error", "assertion_error"):
        return msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if msg.startswith("Input should be "):
        return f"expected {msg.removeprefix('Input should be ')}, got {_short(got)}"
    return f"{msg[:1].lower()}{msg[1:]}, got {_short(got)}"


def _short(x: Any) -> str:
    text = repr(x)
    return text if len(text) <= 60 else text[:57] + "..."


def _unwrap(tp: Any) -> Any:
    while get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    return tp


def get_origin(tp: Any) -> Any:
    return typing.get_origin(tp)


def _fields_at(loc: PathT) -> list[str] | None:
    """Field names of the model found by walking `loc` from `Scenario`, if any."""
    tp: Any = Scenario
    for el in loc:
        tp = _step(_unwrap(tp), el)
        if tp is None:
            return None
    tp = _unwrap(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return list(tp.model_fields)
    return None


def _step(tp: Any, el: str | int) -> Any:
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        for m in typing.get_args(tp):
            m = _unwrap(m)
            if isinstance(m, type) and issubclass(m, BaseModel):
                if m.__name__ == el:
                    return m
                kind = m.model_fields.get("kind")
                if kind is not None and el in typing.get_args(kind.annotation):
                    return m
        return None
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        f = tp.model_fields.get(str(el))
        return f.annotation if f is not None else None
    if origin in (list, tuple):
        return typing.get_args(tp)[0] if isinstance(el, int) else None
    if origin is dict:
        return typing.get_args(tp)[1]
    return None


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen, out = set(), []
    for p in problems:
        if p not in seen:
            seen.add(p)
            out.append(p)
    return out
