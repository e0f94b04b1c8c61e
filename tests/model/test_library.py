"""The reference library: lookups, suggestions, units, and the shipped data."""

import pytest

from skyshield.model.library import (
    ThreatClass,
    UnknownNameError,
    fold,
    interceptor,
    library,
    place,
    threat,
    weapon,
)
from skyshield.units import KMH


def test_threat_class_order_is_the_array_code():
    assert [c.value for c in ThreatClass] == [
        "drone", "decoy", "cruise_missile", "ballistic", "aircraft", "unknown"]
    assert ThreatClass.cruise_missile.code == 2
    assert ThreatClass("ballistic").code == 3


@pytest.mark.parametrize("name", ["Łask", "lask", "ŁASK", "  Lask   air base ", "EPLK"])
def test_place_lookup_folds_case_accents_and_spaces(name):
    assert place(name).name == "Łask Air Base"


@pytest.mark.parametrize(("name", "canon"), [
    ("Iasi", "Iași"), ("Iaşi", "Iași"), ("galati", "Galați"), ("CHISINAU", "Chișinău"),
    ("Przemysl", "Przemyśl"), ("Kosice", "Košice"), ("Nyiregyhaza", "Nyíregyháza"),
    ("campia turzii", "Câmpia Turzii Air Base"), ("Fetesti", "Borcea Air Base"),
    ("Lvov", "Lviv"), ("Kiev", "Kyiv"),
])
def test_place_aliases_and_ascii_forms(name, canon):
    assert place(name).name == canon


def test_platform_aliases():
    assert threat("geran-2").name == "Shahed-136"
    assert threat("kalibr").name == "3M-14 Kalibr"
    assert threat("Kh-69").name == "Kh-59/69"
    assert interceptor("f-16c/d block 70").name == "F-16"
    assert interceptor("gripen").name == "JAS-39 Gripen"
    assert weapon("amraam").name == "AIM-120C"
    assert weapon("M61A1").name == "gun"


def test_unknown_name_suggests_near_names():
    with pytest.raises(UnknownNameError) as e:
        interceptor("F16")
    assert "unknown interceptor 'F16'" in str(e.value)
    assert "'F-16'" in str(e.value)
    assert e.value.suggestions[0] == "F-16"
    with pytest.raises(UnknownNameError, match="Kalibr"):
        threat("Kalibar")
    with pytest.raises(KeyError):  # UnknownNameError is a KeyError
        place("Atlantis")


def test_fold():
    assert fold("Łódź  Kraków") == "lodz krakow"
    assert fold("Ş ș Ţ ț") == "s s t t"


def test_si_properties():
    s = threat("Shahed-136")
    assert s.speed_ms == pytest.approx(170 * KMH)
    assert s.range_m == 2_000_000
    f16 = interceptor("F-16")
    assert f16.endurance_s == pytest.approx(2.5 * 3600)
    assert f16.combat_radius_m == 550_000
    assert weapon("AIM-9X").rmin_m == 500


def test_threat_figures_are_consistent():
    lib = library()
    classes = {t.name: t.cls for t in lib.threats}
    for name in ("Shahed-136", "Gerbera", "Kh-101", "Kh-555", "3M-14 Kalibr", "Kh-59/69",
                 "Iskander-M", "Kh-47M2 Kinzhal"):
        assert name in classes
    for t in lib.threats:
        assert t.alt_min_m <= t.alt_cruise_m <= t.alt_max_m, t.name
        assert 0 < t.speed_kmh <= t.max_kmh, t.name
        assert t.range_km > 0 and t.rcs_m2 > 0 and t.unit_cost_usd > 0, t.name
        assert t.interceptable == (t.cls is not ThreatClass.ballistic), t.name
        assert t.source
    assert classes["Gerbera"] is ThreatClass.decoy
    assert classes["Kh-101"] is ThreatClass.cruise_missile


def test_interceptors_and_weapons():
    lib = library()
    for a in lib.interceptors:
        assert a.speed_kmh < a.dash_kmh <= a.max_kmh, a.name
        assert a.endurance_h > 0 and a.combat_radius_km > 0 and a.cost_per_hour_usd > 0
        for w in a.default_load:
            assert w in lib.weapons, (a.name, w)
    for w in lib.weapons:
        assert 0 < w.rmin_km < w.max_range_km("drone", "head")
        assert w.max_range_km("aircraft", "tail") <= w.max_range_km("aircraft", "head") or (
            w.guidance == "gun")
        assert w.max_range_km("ballistic") == 0 and w.pk_against("ballistic") == 0
        for c in ("drone", "decoy", "cruise_missile", "aircraft"):
            assert 0 < w.pk_against(c) <= 1
        assert w.source
    amraam = weapon("AIM-120C")
    assert amraam.max_range_km("aircraft", "head") == 105
    assert amraam.max_range_km("drone", "tail") < amraam.max_range_km("drone", "head")


def test_places_are_in_the_theatre_with_kinds_and_values():
    lib = library()
    kinds = {p.kind for p in lib.places}
    assert kinds == {"airbase", "airport", "city", "critical_site", "launch_area"}
    for p in lib.places:
        assert 40 <= p.lat <= 70 and 15 <= p.lon <= 50, p.name
        assert p.country in {"UKR", "POL", "SVK", "HUN", "ROU", "MDA", "BLR", "RUS"}
        assert p.source
        if p.kind == "city":
            assert p.population > 0
    # a few known positions (degrees, public)
    assert place("Lviv").lat == pytest.approx(49.84, abs=0.01)
    assert place("Rzeszów-Jasionka").lon == pytest.approx(22.02, abs=0.01)
    assert place("Kecskemét").country == "HUN"
    assert place("Starokostiantyniv Air Base").value > place("Starokostiantyniv").value
    for name in ("Rivne NPP", "Khmelnytskyi NPP", "Burshtyn TPP", "Dobrotvir TPP"):
        assert place(name).kind == "critical_site"
    for name in ("Primorsko-Akhtarsk", "Kursk", "Bryansk", "Oryol", "Millerovo", "Shatalovo",
                 "Chauda", "Hvardiiske", "Black Sea", "Caspian Sea", "Engels-2", "Volgodonsk"):
        assert place(name).kind == "launch_area"
    for name in ("Łask", "Poznań-Krzesiny", "Mińsk Mazowiecki", "Malbork", "Kuchyňa", "Sliač",
                 "Kecskemét", "Pápa", "Borcea", "Câmpia Turzii", "Mihail Kogălniceanu", "Bacău"):
        assert place(name).kind == "airbase"
