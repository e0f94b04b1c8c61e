"""Property test: on any text, the loader returns a Scenario or raises ScenarioError."""

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skyshield.model.errors import ScenarioError
from skyshield.model.loader import builtin_path, parse_scenario

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
