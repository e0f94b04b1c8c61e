"""The `skyshield` command, through typer's CliRunner."""

import json

from typer.testing import CliRunner

from skyshield.cli import app
from skyshield.model.loader import builtin_path

runner = CliRunner()


def test_help_explains():
    r = runner.invoke(app, ["--help"])
    assert r.exit_code == 0
    for word in ("coalition", "scenarios", "validate", "schema"):
        assert word in r.output
    r = runner.invoke(app, [])
    assert "Usage" in r.output  # no_args_is_help


def test_scenarios_lists_builtins():
    r = runner.invoke(app, ["scenarios"], env={"COLUMNS": "200"})
    assert r.exit_code == 0
    for name in ("western-night", "border-skim", "mass-raid"):
        assert name in r.output
    assert "906" in r.output and "72" in r.output  # mass-raid threats and aircraft


def test_validate_good_by_name_and_path():
    r = runner.invoke(app, ["validate", "western-night"])
    assert r.exit_code == 0 and "OK" in r.output and "80 threats" in r.output
    r = runner.invoke(app, ["validate", str(builtin_path("mass-raid"))])
    assert r.exit_code == 0 and "72" in r.output


def test_validate_bad_exits_1_with_lines(tmp_path):
    text = builtin_path("western-night").read_text(encoding="utf-8")
    bad = text.replace("aircraft: F-35A", "aircraft: F-53A").replace("count: 8", "count: -1", 1)
    p = tmp_path / "bad.yaml"
    p.write_text(bad, encoding="utf-8")
    r = runner.invoke(app, ["validate", str(p)])
    assert r.exit_code == 1
    line = next(i for i, ln in enumerate(bad.splitlines(), 1) if "F-53A" in ln)
    assert f"{p}:{line}:" in r.output and "did you mean 'F-35A'" in r.output
    assert "count" in r.output and "2 problems" in r.output
    r = runner.invoke(app, ["validate", "no-such-scenario"])
    assert r.exit_code == 1


def test_schema_is_json(tmp_path):
    r = runner.invoke(app, ["schema"])
    assert r.exit_code == 0
    schema = json.loads(r.output)
    assert "properties" in schema and "coalition" in schema["properties"]
    out = tmp_path / "schema.json"
    r = runner.invoke(app, ["schema", "--out", str(out)])
    assert r.exit_code == 0
    assert json.loads(out.read_text(encoding="utf-8"))["properties"] == schema["properties"]
