"""Property tests: on any text, the loader returns a Scenario or raises ScenarioError."""

import copy
import io
import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from skyshield.model.errors import ScenarioError
from skyshield.model.loader import builtin_path, load_scenario, parse_scenario

SOURCE = builtin_path("western-night").read_text(encoding="utf-8")
LINES = SOURCE.splitlines(keepends=True)
TOKENS = [": ", "- ", "[", "]", "{", "}", ",", "&a ", "*a", "!!int ", "!x ", "~", "null", "'",
          '"', "\t", "  ", "\n", "-1", "1e999", ".nan", "2025-13-45", "true", "? ", "|", ">",
          "<<: *a", "%YAML 1.1\n", "---\n", "...\n", "#", "\\u0000", "\x00", "\ufeff", "é"]


def check(text: str) -> None:
    try:
        parse_scenario(text, file="fuzz.yaml")
    except ScenarioError as e:
        assert e.problems
        for p in e.problems:
            assert p.file == "fuzz.yaml" and p.line >= 0 and p.col >= 0 and p.message
            str(p)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_random_text(text):
    check(text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(TOKENS) | st.text(max_size=8), max_size=40))
def test_yaml_like_garbage(parts):
    check("".join(parts))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1), st.integers(1, 6))
def test_mutated_builtin(seed, n_mutations):
    rng = random.Random(seed)
    lines = list(LINES)
    for _ in range(n_mutations):
        i = rng.randrange(len(lines))
        op = rng.randrange(6)
        if op == 0:
            del lines[i]
        elif op == 1:
            lines.insert(i, rng.choice(LINES))
        elif op == 2:  # splice a token into a line
            j = rng.randrange(len(lines[i]) + 1)
            lines[i] = lines[i][:j] + rng.choice(TOKENS) + lines[i][j:]
        elif op == 3:  # change a number
            lines[i] = lines[i].replace("2", rng.choice(["-2", "x", "2.5", "", "99999"]), 1)
        elif op == 4:  # change indentation
            lines[i] = rng.choice(["", " ", "    "]) + lines[i].lstrip(" ")
        else:  # swap two lines
            k = rng.randrange(len(lines))
            lines[i], lines[k] = lines[k], lines[i]
    check("".join(lines))


# --------------------------------------------------- refused with a location, or flown
# Issue 10: mutated built-in scenarios are either refused, every problem at a line of the
# file, or accepted and then simulated to the end (cut to a few minutes, so the CI budget
# stays in seconds); an accepted scenario too big for the memory budget is refused by it.
FUZZ_MINUTES = 3.0
VALUES = [True, False, None, "", "   ", "x" * 300, "../../x", "Lviv", "nan", "1e-9", -1, 0, 1,
          7, 0.5, -1e-9, 1e9, 1e300, 2**70, [], {}, [1, 2], [[95, 20], [50, 21], [50, 21]],
          {"lat": 44.0, "lon": 33.0}, {"lat": 55.75, "lon": 37.6}, "52.23, 21.01",
          {"colour": 1}]


def _tree(name: str) -> Any:
    return YAML(typ="safe").load(builtin_path(name).read_text(encoding="utf-8"))


TREES = {n: _tree(n) for n in ("western-night", "border-skim", "mass-raid")}


def _paths(node: Any, path: tuple = ()) -> list[tuple]:
    out = [path]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*path, i))
    return out


def _dump(tree: Any) -> str:
    buf = io.StringIO()
    y = YAML(typ="safe", pure=True)
    y.width = 4096
    y.dump(tree, buf)
    return buf.getvalue()


def _mutate(tree: Any, rng: random.Random) -> Any:
    tree = copy.deepcopy(tree)
    path = rng.choice(_paths(tree)[1:])
    parent = tree
    for el in path[:-1]:
        parent = parent[el]
    op = rng.randrange(5)
    if op == 0 and isinstance(parent, dict):
        del parent[path[-1]]  # a required or defaulted field missing
    elif op == 1 and isinstance(parent, dict):
        parent[rng.choice(["colour", "count ", "Name", "tick"])] = rng.choice(VALUES)
    elif op == 2 and isinstance(parent, list):
        parent.append(copy.deepcopy(parent[path[-1]]))  # a duplicate entry
    elif op == 3 and isinstance(parent[path[-1]], int | float) and not isinstance(
            parent[path[-1]], bool):
        parent[path[-1]] *= rng.choice([-1, 0, 1e-12, 1e6, 1e300])  # out of range
    else:
        parent[path[-1]] = copy.deepcopy(rng.choice(VALUES))  # a wrong type or value
    return tree


def refused_or_flown(text: str, file: str = "fuzz.yaml") -> str:
    """'refused' (every problem at a line) or 'flown' (simulated to the end)."""
    from skyshield.model.budget import check_budget
    from skyshield.sim.run import run_scenario

    try:
        sc = parse_scenario(text, file=file)
        check_budget(sc, file=file)
    except ScenarioError as e:
        assert e.problems
        for p in e.problems:
            assert p.file == file and p.message, p
            assert p.line >= 1 or "memory" in p.message, p
        return "refused"
    short = sc.model_copy(update={"duration_min": min(sc.duration_min, FUZZ_MINUTES)})
    result = run_scenario(short, picture="perfect")
    assert result.duration_s == pytest.approx(short.duration_s)
    return "flown"


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck),
          derandomize=True)
@given(st.sampled_from(sorted(TREES)), st.integers(0, 2**32 - 1), st.integers(1, 3))
def test_mutated_builtin_refused_with_a_location_or_flown(name, seed, n):
    rng = random.Random(seed)
    tree = TREES[name]
    for _ in range(n):
        tree = _mutate(tree, rng)
    refused_or_flown(_dump(tree))


def test_alias_bomb_refused_quickly():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True))
    text = builtin_path("western-night").read_text(encoding="utf-8") + bomb
    assert refused_or_flown(text) == "refused"


@pytest.mark.parametrize("encoding", ["utf-16", "latin-1", "cp1251", "utf-32"])
def test_wrong_encoding_refused_with_a_location(encoding, tmp_path):
    text = builtin_path("western-night").read_text(encoding="utf-8")
    f = tmp_path / "enc.yaml"
    f.write_bytes(text.replace("ó", "o" if encoding == "cp1251" else "ó").encode(
        encoding, errors="replace"))
    with pytest.raises(ScenarioError) as e:
        load_scenario(f)
    (p,) = e.value.problems
    assert p.file == str(f) and p.line >= 1 and "UTF-8" in p.message


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.integers(0, 2**32 - 1), st.binary(min_size=1, max_size=4))
def test_random_bytes_in_a_file_refused_or_flown(seed, junk):
    raw = builtin_path("border-skim").read_bytes()
    i = random.Random(seed).randrange(len(raw))
    data = raw[:i] + junk + raw[i:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return  # the encoding test covers files that are not UTF-8
    refused_or_flown(text)
