"""Summary lines of airspace, held fire and debris, from a hand-built metrics dict."""

from skyshield.report.realism import airspace_lines, debris_lines, dilemma_table, held_fire_line


def metrics(on_nato=2):
    zero = {"threats_entered": 0, "visits": 0, "minutes": 0.0, "longest_min": 0.0,
            "max_depth_km": 0.0, "ended_inside": 0}
    air = {c: dict(zero) for c in ("POL", "SVK", "HUN", "ROU", "MDA", "BLR", "RUS")}
    air["ROU"] = {**zero, "threats_entered": 3, "longest_min": 4.25, "max_depth_km": 12.4,
                  "ended_inside": 1, "minutes": 7.0}
    air["MDA"] = {**zero, "threats_entered": 5, "minutes": 31.0, "max_depth_km": 40.0}
    return {"airspace": air, "held_fire": {"debris_over_population": 12,
                                           "leaving_on_its_own": 3},
            "debris": {"kills": 20, "on_nato": on_nato, "on_nato_near_population": 1,
                       "on_ukraine": 17, "near_population": 4, "munitions_missed": 3,
                       "munitions_on_nato": 1},
            "threats": {"outcomes": {"destroyed_coalition": 20, "impacted": 5}}}


def test_lines_read_as_the_issue_asks():
    m = metrics()
    a = airspace_lines(m)
    assert a[0].startswith("NATO airspace violated by 3 threats: Romania 3 (longest 4.2 min")
    assert "deepest 12 km, 1 fell inside" in a[0]
    assert a[1] == "Moldova overflown by 5 threats (31 min in all, deepest 40 km)"
    assert a[2] == "Belarus overflown by 0 threats"
    assert held_fire_line(m) == "held fire: debris over population 12, leaving on its own 3"
    assert "2 on NATO soil (1 near population), 17 on Ukraine" in debris_lines(m)[0]
    t = dilemma_table(m, metrics(on_nato=9))
    assert t.loc["debris on NATO soil"].tolist() == [2, 9]
    assert held_fire_line({}) == "" and airspace_lines({}) == []
