"""The `skyshield` command, through typer's CliRunner."""

import json
import re

import pandas as pd
import pytest
import typer
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from skyshield.cli import _clock, _parse_at, app
from skyshield.model.loader import builtin_path, dump_scenario, load_scenario

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


# ------------------------------------------------------------- simulate, report, map
WIDE = {"COLUMNS": "200"}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def short_scenario(tmp_path_factory):
    """western-night cut to 300 minutes, as a file (a run of it takes ~15 s)."""
    sc = load_scenario("western-night").model_copy(update={"duration_min": 300})
    path = tmp_path_factory.mktemp("scenario") / "short.yaml"
    path.write_text(dump_scenario(sc), encoding="utf-8")
    return path


@pytest.mark.slow
def test_simulate_writes_run_folder_then_report(short_scenario, tmp_path):
    run = tmp_path / "run"
    r = runner.invoke(app, ["simulate", str(short_scenario), "--picture", "perfect",
                            "--out", str(run), "--no-report"], env=WIDE)
    assert r.exit_code == 0, r.output
    for name in ("events.parquet", "threats.parquet", "aircraft.parquet",
                 "trajectories.parquet", "metrics.json", "scenario.yaml", "run.json"):
        assert (run / name).is_file(), name
    assert not (run / "report").exists()  # --no-report
    metrics = json.loads((run / "metrics.json").read_text(encoding="utf-8"))
    assert {"threats", "nations", "leakers", "cost"} <= set(metrics)
    assert metrics["simulated_s"] == 300 * 60
    assert set(metrics["nations"]) == {"POL", "ROU", "SVK"}
    assert load_scenario(str(run / "scenario.yaml")) == load_scenario(str(short_scenario))
    meta = json.loads((run / "run.json").read_text(encoding="utf-8"))
    assert meta["seed"] == 1 and meta["config"]["picture"] == "perfect"
    assert pd.read_parquet(run / "threats.parquet").shape[0] == 80  # every threat of the raid
    assert f"run folder: {run}" in r.output.replace("\n", "")

    r = runner.invoke(app, ["report", str(run)], env=WIDE)
    assert r.exit_code == 0, r.output
    html = run / "report" / "index.html"
    assert html.is_file() and "<html" in html.read_text(encoding="utf-8")[:2000].lower()
    assert str(html) in r.output.replace("\n", "")


def test_report_refuses_a_folder_that_is_not_a_run(tmp_path):
    r = runner.invoke(app, ["report", str(tmp_path)], env=WIDE)
    assert r.exit_code == 1
    assert "not a run folder" in r.output and "metrics.json" in r.output
    assert not (tmp_path / "report").exists()


@pytest.mark.slow
def test_map_writes_png_and_svg(tmp_path):
    r = runner.invoke(app, ["map", "--out", str(tmp_path / "m.png")], env=WIDE)
    assert r.exit_code == 0, r.output
    png, svg = tmp_path / "m.png", tmp_path / "m.svg"
    assert png.read_bytes()[:8] == PNG_MAGIC and png.stat().st_size > 10_000
    assert "<svg" in svg.read_text(encoding="utf-8")[:2000]


# ------------------------------------------------------------------ assess, roe explain
@given(st.integers(0, 23), st.integers(0, 59), st.integers(0, 59))
def test_at_parses_clock_and_minutes(h, m, s):
    assert _parse_at(f"{h}:{m:02d}:{s:02d}") == h * 3600 + m * 60 + s
    assert _parse_at(f"{h:02d}:{m:02d}") == h * 3600 + m * 60
    assert _parse_at(str(h * 60 + m)) == h * 3600 + m * 60
    assert _parse_at(_clock(h * 3600 + m * 60 + s)) == h * 3600 + m * 60 + s


@pytest.mark.parametrize("bad", ["abc", "4:75", "4:30:60", "1:2:3:4", "-5", ":", "nan", ""])
def test_at_refuses_bad_times(bad):
    with pytest.raises(typer.BadParameter):
        _parse_at(bad)


@pytest.mark.parametrize("at", ["99:00", "8:00:01", "481", "4h30"])
def test_assess_refuses_bad_or_late_at_with_exit_2(at):
    r = runner.invoke(app, ["assess", "--at", at], env=WIDE)
    assert r.exit_code == 2
    assert "--at" in r.output
    if at != "4h30":
        assert "beyond the end" in r.output and "08:00" in r.output
    r = runner.invoke(app, ["roe", "explain", "--at", at, "--track", "1"], env=WIDE)
    assert r.exit_code == 2 and "--at" in r.output


def test_assess_and_roe_help_have_examples():
    for cmd in (["assess", "--help"], ["roe", "explain", "--help"]):
        r = runner.invoke(app, cmd, env=WIDE)
        assert r.exit_code == 0 and "Example: skyshield" in r.output and "--at" in r.output
    r = runner.invoke(app, ["--help"], env=WIDE)
    assert "assess" in r.output and "roe" in r.output


def _why(output: str) -> list[tuple[int, int, float]]:
    """(rank, track, value) of each entry of the `why` section of `assess`."""
    return [(int(a), int(b), float(c)) for a, b, c in
            re.findall(r"^\s+(\d+)\. track (\d+) \([a-z ]+, value ([\d.]+)\)$", output, re.M)]


@pytest.mark.slow
def test_assess_ranks_threats_then_roe_explain_judges_every_aircraft():
    r = runner.invoke(app, ["assess", "--at", "04:30"], env=WIDE)
    assert r.exit_code == 0, r.output
    assert "western-night at 04:30" in r.output and "top 10 threats" in r.output
    for head in ("track", "class", "position", "km/h", "next", "NATO", "heading for", "value"):
        assert head in r.output
    why = _why(r.output)
    assert [w[0] for w in why] == list(range(1, 11))
    tracks = [w[1] for w in why]
    assert len(set(tracks)) == 10
    values = [w[2] for w in why]
    assert values == sorted(values, reverse=True) and values[0] > 0
    rows = re.findall(r"^ *(\d+) +(\d+) +(?:cruise|drone|decoy|unknown)\b", r.output, re.M)
    assert [(int(a), int(b)) for a, b in rows] == [(w[0], w[1]) for w in why]

    track = tracks[0]  # the most valuable track, explained at the same time
    sc = load_scenario("western-night")
    r = runner.invoke(app, ["roe", "explain", "--at", "04:30", "--track", str(track)],
                      env=WIDE)
    assert r.exit_code == 0, r.output
    n_aircraft = sum(sq.count for nation in sc.coalition for sq in nation.squadrons)
    verdicts = dict(re.findall(r"^ *(\d+) (?:POL|ROU|SVK|HUN) .*?(allowed|refused) ",
                               r.output, re.M))
    assert sorted(int(k) for k in verdicts) == list(range(n_aircraft))
    n_ok = sum(v == "allowed" for v in verdicts.values())
    assert f"track {track} at 04:30: {n_ok} of {n_aircraft} coalition aircraft" in r.output
    assert f"value {values[0]:.1f}" in r.output  # the same assessment as `assess`


def test_roe_explain_without_track_lists_the_tracks():
    r = runner.invoke(app, ["roe", "explain", "--at", "20"], env=WIDE)  # minutes = 00:20
    assert r.exit_code == 0, r.output
    listed = [int(n) for n in re.findall(r"^ *(\d+) +(?:cruise|drone|decoy|unknown)\b",
                                        r.output, re.M)]
    m = re.search(r"at 00:20 .*: (\d+) tracks", r.output)
    assert m and len(listed) == int(m.group(1)) > 0 and listed == sorted(listed)
    assert "--track N" in r.output


@pytest.mark.slow
def test_roe_explain_missing_track_exits_1_listing_tracks():
    r = runner.invoke(app, ["roe", "explain", "--at", "1:00", "--track", "99999"], env=WIDE)
    assert r.exit_code == 1
    m = re.search(r"no track 99999 at 01:00 \((\d+) tracks: ([\d, ]+)(?: and (\d+) more)?\)",
                  r.output.replace("\n", ""))
    assert m, r.output
    listed = [int(n) for n in m.group(2).split(", ")]
    assert len(listed) + int(m.group(3) or 0) == int(m.group(1)) > 0
    assert listed == sorted(listed) and 99999 not in listed


def test_assess_and_roe_refuse_a_broken_scenario_with_lines(tmp_path):
    text = builtin_path("western-night").read_text(encoding="utf-8")
    bad = text.replace("aircraft: F-35A", "aircraft: F-53A")
    p = tmp_path / "bad.yaml"
    p.write_text(bad, encoding="utf-8")
    line = next(i for i, ln in enumerate(bad.splitlines(), 1) if "F-53A" in ln)
    for cmd in (["assess", str(p), "--at", "1:00"], ["roe", "explain", str(p), "--at", "60"]):
        r = runner.invoke(app, cmd, env=WIDE)
        assert r.exit_code == 1
        assert f"{p}:{line}:" in r.output and "scenario refused" in r.output
