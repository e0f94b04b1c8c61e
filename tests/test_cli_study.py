"""`skyshield study`: its help, and a broken study refused with file:line problems."""

from __future__ import annotations

from typer.testing import CliRunner

from skyshield.cli import app

runner = CliRunner()


def test_study_help_explains_the_options():
    r = runner.invoke(app, ["study", "--help"], env={"COLUMNS": "200"})
    assert r.exit_code == 0
    for word in ("--runs", "--workers", "--dask", "--resume", "--out", "LocalCluster",
                 "baseline"):
        assert word in r.output


def test_broken_study_is_refused_with_its_lines(tmp_path):
    f = tmp_path / "bad.yaml"
    f.write_text("name: bad\nscenario: western-night\noptions:\n  a:\n    members: [POL]\n"
                 "    set:\n      rules.POL.max_dept_km: 3\n")
    r = runner.invoke(app, ["study", str(f), "--workers", "0", "--out", str(tmp_path / "o")])
    assert r.exit_code == 1
    assert f"{f}:7:7: options.a.set.rules.POL.max_dept_km" in r.output
    assert "did you mean 'max_depth_km'" in r.output
    assert not (tmp_path / "o").exists()  # nothing written for a refused study
