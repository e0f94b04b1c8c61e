"""Issue 10 through the command line: no traceback, no overwritten or half-read run folder.

Each test failed on the code before the fix: a raw exception reached the user, the run
flew before its folder was found unwritable, a run folder was overwritten or written
outside runs/, or a damaged folder was reported on with exit 0.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from skyshield.cli import app
from skyshield.model.loader import builtin_path, dump_scenario, load_scenario

runner = CliRunner()
WIDE = {"COLUMNS": "200"}
RUN_FILES = ("events.parquet", "threats.parquet", "aircraft.parquet", "trajectories.parquet",
             "crossings.parquet", "munitions.parquet", "metrics.json", "scenario.yaml",
             "run.json")


def tiny(name: str = "tiny-night"):
    """western-night cut to 4 minutes, its first two waves launched in the first 3."""
    sc = load_scenario("western-night")
    waves = [w.model_copy(update={"count": 3, "window_min": (0.0, 3.0)})
             for w in sc.raid.waves[:2]]
    return sc.model_copy(update={"name": name, "duration_min": 4.0,
                                 "raid": sc.raid.model_copy(update={"waves": waves})})


@pytest.fixture(scope="module")
def tiny_file(tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("scenario") / "tiny.yaml"
    p.write_text(dump_scenario(tiny()), encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def tiny_result():
    from skyshield.sim.run import run_scenario

    return run_scenario(tiny(), picture="perfect")


@pytest.fixture(scope="module")
def good_run(tiny_result, tmp_path_factory) -> Path:
    return tiny_result.write(tmp_path_factory.mktemp("good") / "run")


def copy_run(good_run: Path, tmp_path: Path) -> Path:
    out = tmp_path / "run"
    shutil.copytree(good_run, out)
    return out


def no_traceback(r) -> None:
    assert "Traceback" not in r.output
    assert r.exception is None or isinstance(r.exception, SystemExit), r.exception


# ------------------------------------------------------------------- tracebacks
def test_validate_broken_polygon_is_a_message_not_a_geos_exception(tmp_path):
    text = builtin_path("western-night").read_text(encoding="utf-8").replace(
        "  poland: {kind: country, country: POL}\n",
        "  poland: {kind: country, country: POL}\n"
        "  bad: {kind: polygon, points: [[95, 20], [50, 21], [49, 22]]}\n")
    p = tmp_path / "bad.yaml"
    p.write_text(text, encoding="utf-8")
    r = runner.invoke(app, ["validate", str(p)], env=WIDE)
    no_traceback(r)
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if "  bad:" in ln)
    assert r.exit_code == 1 and f"{p}:{line}:" in r.output and "zones.bad.points[0]" in r.output


def test_internal_error_is_short_and_says_where_to_report(monkeypatch):
    def boom(*a, **k):
        raise RuntimeError("boom")

    monkeypatch.setattr("skyshield.cli.summarize", boom)
    r = runner.invoke(app, ["validate", "western-night"], env=WIDE)
    no_traceback(r)
    assert r.exit_code == 70
    assert "internal error" in r.output and "report" in r.output and "--debug" in r.output
    r = runner.invoke(app, ["--debug", "validate", "western-night"], env=WIDE)
    assert isinstance(r.exception, RuntimeError)  # the traceback, on request


def test_validate_prints_the_expected_run_size():
    r = runner.invoke(app, ["validate", "mass-raid"], env=WIDE)
    assert r.exit_code == 0
    assert "expected run: 21,600 ticks, 906 threats" in r.output and "GB" in r.output


def test_validate_refuses_a_run_above_the_memory_budget():
    r = runner.invoke(app, ["validate", "mass-raid"], env={**WIDE,
                                                           "SKYSHIELD_MAX_MEMORY_GB": "0.5"})
    no_traceback(r)
    assert r.exit_code == 1 and "memory" in r.output and "SKYSHIELD_MAX_MEMORY_GB" in r.output


# ----------------------------------------------------------------- output folders
def test_unwritable_out_is_refused_before_flying(tiny_file, tmp_path, monkeypatch):
    flown = []
    monkeypatch.setattr("skyshield.sim.run.run_scenario",
                        lambda *a, **k: flown.append(1) or pytest.fail("flew"))
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    for out in (blocker, blocker / "run"):
        r = runner.invoke(app, ["simulate", str(tiny_file), "--out", str(out), "--no-report"],
                          env=WIDE)
        no_traceback(r)
        assert r.exit_code == 1 and str(blocker) in r.output
    assert not flown


def test_existing_run_folder_never_overwritten_without_force(tiny_file, good_run, tmp_path,
                                                             monkeypatch):
    out = copy_run(good_run, tmp_path)
    (out / "mine.txt").write_text("keep me")
    before = {f: (out / f).read_bytes() for f in RUN_FILES}
    monkeypatch.setattr("skyshield.sim.run.run_scenario", lambda *a, **k: pytest.fail("flew"))
    r = runner.invoke(app, ["simulate", str(tiny_file), "--out", str(out), "--no-report"],
                      env=WIDE)
    no_traceback(r)
    assert r.exit_code == 1 and "--force" in r.output and "holds a run already" in r.output
    assert {f: (out / f).read_bytes() for f in RUN_FILES} == before
    assert (out / "mine.txt").exists()


def test_force_replaces_the_whole_folder(tiny_file, good_run, tmp_path):
    out = copy_run(good_run, tmp_path)
    (out / "stale.txt").write_text("from an older run")
    r = runner.invoke(app, ["simulate", str(tiny_file), "--picture", "perfect", "--out",
                            str(out), "--no-report", "--force"], env=WIDE)
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in out.iterdir()) == sorted(RUN_FILES)  # no mix of two runs


def test_path_like_name_stays_in_runs_and_a_second_run_gets_a_new_folder(tmp_path,
                                                                        monkeypatch):
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    p = work / "evil.yaml"
    p.write_text(dump_scenario(tiny("../../x")), encoding="utf-8")
    monkeypatch.chdir(work)
    for k, folder in enumerate(("x-seed1", "x-seed1-2")):
        r = runner.invoke(app, ["simulate", str(p), "--picture", "perfect", "--no-report"],
                          env=WIDE)
        assert r.exit_code == 0, r.output
        assert (work / "runs" / folder / "run.json").is_file()
        if k:
            assert f"writing runs/{folder}" in r.output.replace("\n", "")
    assert sorted(q.name for q in tmp_path.rglob("*seed*")) == ["x-seed1", "x-seed1-2"]
    assert all((work / "runs") in q.parents for q in tmp_path.rglob("*seed*"))


def test_killed_write_leaves_no_folder_that_looks_complete(tiny_result, tmp_path,
                                                           monkeypatch):
    real, calls = pd.DataFrame.to_parquet, []

    def dies(self, *a, **k):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt  # the run killed while writing its third table
        return real(self, *a, **k)

    monkeypatch.setattr(pd.DataFrame, "to_parquet", dies)
    out = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        tiny_result.write(out)
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith(".")] == []


# ----------------------------------------------------------------- damaged folders
def _truncate(f: Path) -> None:
    f.write_bytes(f.read_bytes()[: len(f.read_bytes()) // 2])


DAMAGE = {
    "truncated metrics.json": ("metrics.json", _truncate),
    "truncated threats.parquet": ("threats.parquet", _truncate),
    "missing events.parquet": ("events.parquet", Path.unlink),
    "missing run.json": ("run.json", Path.unlink),
    "scenario.yaml not YAML": ("scenario.yaml", lambda f: f.write_text("name: [unclosed")),
    "trajectories without lat": ("trajectories.parquet", lambda f: pd.read_parquet(f).drop(
        columns=["lat"]).to_parquet(f)),
    "events with t as text": ("events.parquet", lambda f: pd.read_parquet(f).astype(
        {"t": str}).to_parquet(f)),
    "metrics.json a list": ("metrics.json", lambda f: f.write_text("[1, 2]")),
    "a newer version": ("run.json", lambda f: f.write_text(json.dumps(
        {**json.loads(f.read_text()), "skyshield": "99.0.0"}))),
}


@pytest.mark.parametrize("case", list(DAMAGE))
def test_report_refuses_a_damaged_run_folder_naming_the_file(case, good_run, tmp_path):
    out = copy_run(good_run, tmp_path)
    name, damage = DAMAGE[case]
    damage(out / name)
    r = runner.invoke(app, ["report", str(out)], env=WIDE)
    no_traceback(r)
    assert r.exit_code == 1, r.output
    assert str(out / name) in r.output.replace("\n", "")
    assert not (out / "report" / "index.html").exists()


def test_expected_size_matches_the_run(tiny_result):
    """The estimate `validate` prints, against the replay rows the run really wrote."""
    from skyshield.model.budget import estimate_run

    est = estimate_run(tiny())
    actual = int((tiny_result.trajectories["kind"] == "threat").sum())
    assert actual > 0 and 0.67 * actual <= est.threat_samples <= 1.5 * actual
    assert est.ticks == round(tiny().duration_s / tiny().tick_s)
