"""Rules of engagement: per nation, where, what and when its aircraft may engage, and why.

Each nation's declared `Rules` compile once (`compile_rules`) into prepared WGS84 zones:
its engagement zones, its own airspace, the part of Ukraine within its maximum depth of
NATO territory, its excluded zones, the zones where Ukraine consents, and the discs around
city centres where debris forbids an engagement. `evaluate` then judges every
(track, shooter) pair at once (per-nation loops, no loop over tracks) and returns, for each
pair, whether it is allowed and the rule that decided it (`Reason`, with human text).

The rules, in the order they are judged (the first that fails is the reason):

1. ``CLASS_NOT_ELIGIBLE`` - the track's class is not in ``threat_classes`` (never ballistic).
2. ``BELOW_ALTITUDE_FLOOR`` - the track is below ``altitude_floor_m``.
3. ``EXCLUDED_ZONE`` - the track is inside one of ``excluded_zones``.
4. ``OUTSIDE_ENGAGEMENT_ZONE`` - the track is in none of ``engagement_zones`` (own airspace
   is permitted only where an engagement zone covers it; the special name ``__own__`` means
   the nation's whole airspace).
5. ``TOO_DEEP`` - over Ukraine, farther than ``max_depth_km`` from NATO territory
   (``max_depth_km: 0``: never over Ukraine).
6. ``NO_UKRAINIAN_CONSENT`` - over Ukraine, outside every zone of ``ukrainian_consent``
   (unless it is ``all``).
7. ``NEAR_CITY`` - within ``city_exclusion_km`` of the centre of a city of more than
   `CITY_MIN_POPULATION` people (library places of kind city; any country: debris).
8. ``TRIGGER_NOT_MET`` - under ``predicted_entry``: the probability that the track is in
   the nation's own (or any NATO) airspace within ``within_min`` is below ``probability``
   (from `decide.assess`; a track already inside counts as 1). Without an assessment only
   tracks already inside that airspace meet it.
9. ``HOLD_FIRE_DEBRIS`` - ``hold_fire.city_km``: the debris predicted from the track (its
   position, altitude and velocity, `geo.fallout`) falls on the nation's own territory
   within ``city_km`` of a populated place (`model.population`). Judged only when the
   track's motion is known (an assessment, or a velocity at release).
10. ``HOLD_FIRE_LEAVING`` - ``hold_fire.leaving_within_s``: the track is in own airspace and
   its straight-line prediction leaves it within that time: it is leaving on its own.
11. ``SHOOTER_OUTSIDE_PERMITTED`` - the shooter is outside the nation's permitted area
   (where its targets may be: rules 3-6 applied to the shooter's position).

An allowed pair is ``ALLOWED_OWN_AIRSPACE`` (target over the nation's own territory:
approval ``inside_own``) or ``ALLOWED_IN_ZONE`` (elsewhere: approval ``elsewhere``, e.g. a
national approval after ``delay_s``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from functools import lru_cache

import numpy as np
import shapely
from shapely.geometry import Polygon

from skyshield.geo import fallout
from skyshield.geo import zones as gz
from skyshield.geo.borders import NATO, borders
from skyshield.geo.frame import THEATRE
from skyshield.model.library import ThreatClass, library
from skyshield.model.population import near_population
from skyshield.model.scenario import PredictedEntryTrigger, Rules, Scenario
from skyshield.model.zones import build_zones

__all__ = [
    "CITY_MIN_POPULATION",
    "OWN",
    "NationRules",
    "Permission",
    "Reason",
    "compile_rules",
    "evaluate",
    "hold_fire_reasons",
    "required_horizon_s",
    "velocity_xy",
]

N_CLASSES = len(ThreatClass)
CITY_MIN_POPULATION = 50_000  # cities above this size have a debris exclusion disc [people]
OWN = "__own__"  # engagement-zone name meaning "the nation's own airspace"


class Reason(IntEnum):
    """Why a (track, shooter) pair is allowed or refused; `text` reads as a sentence."""

    ALLOWED_OWN_AIRSPACE = 0
    ALLOWED_IN_ZONE = 1
    CLASS_NOT_ELIGIBLE = 2
    BELOW_ALTITUDE_FLOOR = 3
    EXCLUDED_ZONE = 4
    OUTSIDE_ENGAGEMENT_ZONE = 5
    TOO_DEEP = 6
    NO_UKRAINIAN_CONSENT = 7
    NEAR_CITY = 8
    TRIGGER_NOT_MET = 9
    SHOOTER_OUTSIDE_PERMITTED = 10
    HOLD_FIRE_DEBRIS = 11
    HOLD_FIRE_LEAVING = 12

    @property
    def allowed(self) -> bool:
        """True for the two reasons that allow."""
        return self <= Reason.ALLOWED_IN_ZONE

    @property
    def bit(self) -> int:
        """This reason's bit in `Permission.failed`."""
        return 1 << int(self)

    @property
    def text(self) -> str:
        """Human text."""
        return _TEXT[self]


_TEXT = {
    Reason.ALLOWED_OWN_AIRSPACE: "allowed: target in own airspace",
    Reason.ALLOWED_IN_ZONE: "allowed: target in an engagement zone",
    Reason.CLASS_NOT_ELIGIBLE: "refused: threat class not eligible",
    Reason.BELOW_ALTITUDE_FLOOR: "refused: target below the altitude floor",
    Reason.EXCLUDED_ZONE: "refused: target in an excluded zone",
    Reason.OUTSIDE_ENGAGEMENT_ZONE: "refused: target outside every engagement zone",
    Reason.TOO_DEEP: "refused: target deeper into Ukraine than the maximum depth",
    Reason.NO_UKRAINIAN_CONSENT: "refused: no Ukrainian consent where the target is",
    Reason.NEAR_CITY: "refused: target too close to a city centre (debris)",
    Reason.TRIGGER_NOT_MET: "refused: not predicted to enter the protected airspace",
    Reason.SHOOTER_OUTSIDE_PERMITTED: "refused: shooter outside its permitted area",
    Reason.HOLD_FIRE_DEBRIS: "refused: hold fire, debris would fall on own soil near population",
    Reason.HOLD_FIRE_LEAVING: "refused: hold fire, target leaving own airspace on its own",
}
#: Refusals in the order they are judged (the first that fails is the reason).
ORDER = (
    Reason.CLASS_NOT_ELIGIBLE, Reason.BELOW_ALTITUDE_FLOOR, Reason.EXCLUDED_ZONE,
    Reason.OUTSIDE_ENGAGEMENT_ZONE, Reason.TOO_DEEP, Reason.NO_UKRAINIAN_CONSENT,
    Reason.NEAR_CITY, Reason.TRIGGER_NOT_MET, Reason.HOLD_FIRE_DEBRIS,
    Reason.HOLD_FIRE_LEAVING, Reason.SHOOTER_OUTSIDE_PERMITTED,
)
HOLD_FIRE = (Reason.HOLD_FIRE_DEBRIS, Reason.HOLD_FIRE_LEAVING)


def velocity_xy(speed: np.ndarray, heading_deg: np.ndarray) -> np.ndarray:
    """Frame velocity (N,2) [m/s] from ground speed and course clockwise from frame north."""
    h = np.radians(np.asarray(heading_deg, float))
    v = np.asarray(speed, float)
    return np.stack([v * np.sin(h), v * np.cos(h)], axis=-1)


def _empty(name: str) -> gz.Zone:
    return gz.Zone(name, Polygon())


def _contains(zone: gz.Zone | None, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    if zone is None or zone.is_empty:
        return np.zeros(np.shape(lat), bool)
    return zone.contains(lat, lon)


@dataclass(frozen=True)
class NationRules:
    """One nation's rules, compiled into prepared zones (lon/lat)."""

    nation: str
    rules: Rules
    permitted: gz.Zone  # where targets may be engaged and shooters may fire from
    own: gz.Zone  # the nation's own airspace
    classes: np.ndarray  # eligible threat classes, by ThreatClass code [bool]
    engage: gz.Zone = field(default_factory=lambda: _empty("engage"))  # union of zones
    excluded: gz.Zone | None = None  # union of excluded zones
    ukraine: gz.Zone = field(default_factory=lambda: gz.country("UKR"))
    depth: gz.Zone | None = None  # Ukraine within max_depth_km of NATO (None: depth 0)
    consent: gz.Zone | None = None  # union of consent zones (None: Ukraine consents to all)
    near_city: gz.Zone | None = None  # discs of city_exclusion_km around city centres
    target_area: gz.Zone | None = None  # permitted minus near_city: where targets may be hit

    # ----------------------------------------------------------------- per track
    def target_reasons(self, lat: np.ndarray, lon: np.ndarray, alt: np.ndarray,
                       cls: np.ndarray, p_entry: np.ndarray | None = None,
                       vel_xy: np.ndarray | None = None
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For each track: the first failing target rule (`Reason` code, or
        ALLOWED_OWN_AIRSPACE / ALLOWED_IN_ZONE), the bitmask of every failing rule, and
        whether it is over own airspace. ``p_entry (N,)`` is this nation's trigger
        probability (`trigger_p`); None means no assessment. ``vel_xy (N,2)`` is the
        tracks' frame velocity [m/s], needed by the hold-fire rules (None: not judged)."""
        lat, lon = np.asarray(lat, float), np.asarray(lon, float)
        alt, cls = np.asarray(alt, float), np.asarray(cls, np.int64)
        n = lat.shape[0]
        r = self.rules
        in_own = _contains(self.own, lat, lon)
        in_ukr = _contains(self.ukraine, lat, lon)
        fails = {
            Reason.CLASS_NOT_ELIGIBLE: ~self.classes[cls],
            Reason.BELOW_ALTITUDE_FLOOR: alt < r.altitude_floor_m,
            Reason.EXCLUDED_ZONE: _contains(self.excluded, lat, lon),
            Reason.OUTSIDE_ENGAGEMENT_ZONE: ~_contains(self.engage, lat, lon),
            Reason.TOO_DEEP: in_ukr & ~_contains(self.depth, lat, lon),
            Reason.NO_UKRAINIAN_CONSENT: (in_ukr & ~_contains(self.consent, lat, lon)
                                          if self.consent is not None else np.zeros(n, bool)),
            Reason.NEAR_CITY: _contains(self.near_city, lat, lon),
            Reason.TRIGGER_NOT_MET: ~self.trigger_met(lat, lon, p_entry),
        }
        hold = self.hold_fire(lat, lon, alt, cls, vel_xy)
        for reason in HOLD_FIRE:
            fails[reason] = hold == int(reason)
        failed = np.zeros(n, np.int32)
        first = np.where(in_own, Reason.ALLOWED_OWN_AIRSPACE, Reason.ALLOWED_IN_ZONE).astype(
            np.int8)
        for reason in reversed(ORDER[:-1]):  # the earliest failing rule is written last
            m = fails[reason]
            failed |= np.where(m, reason.bit, 0).astype(np.int32)
            first[m] = int(reason)
        return first, failed, in_own

    def trigger_met(self, lat: np.ndarray, lon: np.ndarray, p_entry: np.ndarray | None = None
                    ) -> np.ndarray:
        """Mask of tracks meeting the trigger: always for ``any_in_zone``; for
        ``predicted_entry``, ``p_entry >= probability`` or already inside that airspace."""
        trig = self.rules.trigger
        lat = np.asarray(lat, float)
        if not isinstance(trig, PredictedEntryTrigger):
            return np.ones(lat.shape, bool)
        if trig.airspace == "own":
            inside = _contains(self.own, lat, np.asarray(lon, float))
        else:
            inside = _contains(_nato_zone(), lat, np.asarray(lon, float))
        if p_entry is None:
            return inside
        p = np.nan_to_num(np.asarray(p_entry, float), nan=0.0)
        return inside | (p >= trig.probability - 1e-12)

    def hold_fire(self, lat: np.ndarray, lon: np.ndarray, alt: np.ndarray, cls: np.ndarray,
                  vel_xy: np.ndarray | None) -> np.ndarray:
        """Per track: ``HOLD_FIRE_DEBRIS`` or ``HOLD_FIRE_LEAVING`` (int) if the pilot holds
        fire under ``hold_fire``, else 0. Predicted from the track only (position, altitude,
        velocity): the mean debris point (`geo.fallout.throw`, a warhead unless a decoy) on
        own territory within ``city_km`` of a populated place; or, in own airspace, the
        straight-line path over ``leaving_within_s`` leaving it."""
        lat = np.asarray(lat, float).reshape(-1)
        out = np.zeros(lat.shape[0], np.int8)
        hf = self.rules.hold_fire
        if vel_xy is None or lat.shape[0] == 0 or (hf.city_km <= 0 and hf.leaving_within_s <= 0):
            return out
        lon = np.asarray(lon, float).reshape(-1)
        v = np.asarray(vel_xy, float).reshape(-1, 2)
        xy = THEATRE.to_xy(lat, lon)
        if hf.city_km > 0:
            warhead = np.asarray(cls, np.int64) != ThreatClass.decoy.code
            fall = xy + fallout.throw(v, np.asarray(alt, float), warhead)
            flat, flon = THEATRE.from_xy(fall)
            on_own = _contains(self.own, flat, flon)
            near = np.zeros_like(on_own)
            if on_own.any():
                near[on_own] = near_population(flat[on_own], flon[on_own], hf.city_km)
            out[on_own & near] = int(Reason.HOLD_FIRE_DEBRIS)
        if hf.leaving_within_s > 0:
            inside = _contains(self.own, lat, lon) & (out == 0)
            if inside.any():
                idx = np.flatnonzero(inside)
                seg = shapely.linestrings(np.stack(
                    [xy[idx], xy[idx] + v[idx] * hf.leaving_within_s], axis=1))
                leaves = ~shapely.contains(_own_frame(self.own_iso), seg)
                out[idx[leaves]] = int(Reason.HOLD_FIRE_LEAVING)
        return out

    @property
    def own_iso(self) -> str:
        """ISO3 of the airspace this nation's rules call its own (the host's for an ally)."""
        return self.own.name if len(self.own.name) == 3 else self.nation

    def trigger_p(self, assessment: object) -> np.ndarray | None:
        """This nation's trigger probability for every row of an `Assessment` (None under
        ``any_in_zone``): p(in own / any NATO airspace within ``within_min``)."""
        question = self.trigger_question()
        if question is None:
            return None
        return assessment.p_entry(*question)  # type: ignore[attr-defined]

    def target_ok(self, lat: np.ndarray, lon: np.ndarray, alt: np.ndarray, cls: np.ndarray,
                  p_entry: np.ndarray | None = None, vel_xy: np.ndarray | None = None
                  ) -> np.ndarray:
        """Mask of targets this nation may engage where they are now (every target rule).

        Under a ``predicted_entry`` trigger pass ``p_entry = nr.trigger_p(assessment)``
        (rows matching the targets); without it only targets already inside the
        protected airspace meet the trigger. With ``vel_xy`` (N,2) [m/s] the hold-fire
        rules are judged too (at release)."""
        lat, lon = np.asarray(lat, float), np.asarray(lon, float)
        ok = self.classes[np.asarray(cls, np.int64)] & (np.asarray(alt, float)
                                                        >= self.rules.altitude_floor_m)
        if ok.any():  # the fast path: one prepared polygon holds every area rule
            area = self.target_area if self.target_area is not None else self.permitted
            idx = np.flatnonzero(ok)
            ok[idx] = _contains(area, lat[idx], lon[idx])
        if ok.any() and isinstance(self.rules.trigger, PredictedEntryTrigger):
            idx = np.flatnonzero(ok)
            p = None if p_entry is None else np.asarray(p_entry, float)[idx]
            ok[idx] = self.trigger_met(lat[idx], lon[idx], p)
        if ok.any() and vel_xy is not None:
            idx = np.flatnonzero(ok)
            ok[idx] = self.hold_fire(lat[idx], lon[idx], np.asarray(alt, float)[idx],
                                     np.asarray(cls)[idx], np.asarray(vel_xy)[idx]) == 0
        return ok

    def shooter_ok(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        """Mask of shooter positions from which this nation's aircraft may fire."""
        return _contains(self.permitted, np.asarray(lat, float), np.asarray(lon, float))

    def approval_delay(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        """National approval delay [s] for engagements at these target positions."""
        a = self.rules.approval
        inside = _contains(self.own, np.asarray(lat, float), np.asarray(lon, float))
        need = np.where(inside, a.inside_own == "national", a.elsewhere == "national")
        return np.where(need, a.delay_s, 0.0)

    def trigger_question(self) -> tuple[float, tuple[str, ...]] | None:
        """(window [s], countries) a `predicted_entry` trigger asks about; None otherwise."""
        trig = self.rules.trigger
        if not isinstance(trig, PredictedEntryTrigger):
            return None
        countries = (self.nation,) if trig.airspace == "own" else tuple(sorted(NATO))
        return trig.within_s, countries


@dataclass(frozen=True)
class Permission:
    """Every (track, shooter) pair judged: T tracks (rows), S shooters (columns)."""

    allowed: np.ndarray  # (T,S) bool
    reason: np.ndarray  # (T,S) int8, a `Reason` code: the rule that allowed or refused
    failed: np.ndarray  # (T,S) int32, bitmask of every failing rule (`Reason.bit`)
    delay: np.ndarray  # (T,S) national approval delay for allowed pairs [s]

    def reasons(self, i: int, j: int) -> list[Reason]:
        """Every rule pair (i, j) fails, in the judging order (empty if allowed)."""
        return [r for r in ORDER if self.failed[i, j] & r.bit]


def evaluate(
    rules: dict[str, NationRules],
    lat: np.ndarray,
    lon: np.ndarray,
    alt: np.ndarray,
    cls: np.ndarray,
    shooters_nation: np.ndarray,
    shooter_lat: np.ndarray,
    shooter_lon: np.ndarray,
    assessment: object | None = None,
) -> Permission:
    """Judge every (track, shooter) pair against the shooter's nation's rules.

    Tracks: ``lat, lon [deg], alt [m], cls (T,)`` (ThreatClass codes). Shooters:
    ``shooters_nation (S,)`` ISO3 and position ``shooter_lat, shooter_lon (S,)``.
    ``assessment`` is the `decide.assess.Assessment` of the same T tracks (same rows); it is
    needed by ``predicted_entry`` triggers. Shooters of a nation without rules may not fire.
    """
    lat = np.asarray(lat, float).reshape(-1)
    T, S = lat.shape[0], len(shooters_nation)
    nat = np.asarray(shooters_nation).astype(str)
    reason = np.full((T, S), int(Reason.SHOOTER_OUTSIDE_PERMITTED), np.int8)
    failed = np.full((T, S), Reason.SHOOTER_OUTSIDE_PERMITTED.bit, np.int32)
    delay = np.zeros((T, S))
    slat, slon = np.asarray(shooter_lat, float), np.asarray(shooter_lon, float)
    for nation in np.unique(nat):
        nr = rules.get(str(nation))
        if nr is None:
            continue
        cols = np.flatnonzero(nat == nation)
        p = nr.trigger_p(assessment) if assessment is not None else None
        vel = (velocity_xy(assessment.speed, assessment.heading_deg)  # type: ignore[attr-defined]
               if assessment is not None and hasattr(assessment, "heading_deg") else None)
        first, bits, in_own = nr.target_reasons(lat, lon, alt, cls, p, vel)
        s_ok = nr.shooter_ok(slat[cols], slon[cols])  # (S_n,)
        f = np.where(s_ok[None, :], first[:, None],
                     np.where(first[:, None] <= Reason.ALLOWED_IN_ZONE,
                              int(Reason.SHOOTER_OUTSIDE_PERMITTED), first[:, None]))
        reason[:, cols] = f
        failed[:, cols] = bits[:, None] | np.where(s_ok, 0, Reason.SHOOTER_OUTSIDE_PERMITTED.bit
                                                   )[None, :]
        a = nr.rules.approval
        d = np.where(in_own, a.delay_s if a.inside_own == "national" else 0.0,
                     a.delay_s if a.elsewhere == "national" else 0.0)
        delay[:, cols] = d[:, None]
    allowed = reason <= Reason.ALLOWED_IN_ZONE
    return Permission(allowed, reason, failed, np.where(allowed, delay, 0.0))


# ------------------------------------------------------------------------- compile
_NATO_ZONE: list[gz.Zone] = []


def _nato_zone() -> gz.Zone:
    if not _NATO_ZONE:
        _NATO_ZONE.append(gz.union(*(gz.country(c) for c in sorted(NATO)), name="NATO"))
    return _NATO_ZONE[0]


@lru_cache(maxsize=16)
def _own_frame(iso3: str) -> shapely.Geometry:
    """A country's polygon in the theatre frame (prepared), for straight-line predictions."""
    return borders().frame_geometry(iso3)


def city_discs(radius_km: float) -> gz.Zone | None:
    """Union of geodesic discs of `radius_km` around every city above `CITY_MIN_POPULATION`."""
    return _city_discs(float(radius_km)) if radius_km > 0 else None


@lru_cache(maxsize=16)  # bounded: a study sweeping the radius must not grow the process
def _city_discs(radius_km: float) -> gz.Zone:
    cities = [p for p in library().places
              if p.kind == "city" and p.population > CITY_MIN_POPULATION]
    discs = [gz.circle(p.lat, p.lon, radius_km, name=p.name) for p in cities]
    return gz.union(*discs, name=f"cities +{radius_km:g} km")


@lru_cache(maxsize=16)
def _depth_zone(km: float) -> gz.Zone | None:
    return gz.near_border(sorted(NATO), km, inside="UKR") if km > 0 else None


def compile_nation(nation: str, rules: Rules, zones: dict[str, gz.Zone],
                   depth_cache: dict[float, gz.Zone | None] | None = None,
                   airspace: str | None = None) -> NationRules:
    """Compile one nation's rules against built zones (names not in `zones` are skipped;
    ``__own__`` is the nation's airspace: `airspace`, the host's for an ally)."""
    own = gz.country(airspace or nation)
    named = {**zones, OWN: own}
    ukraine = gz.country("UKR")
    engage_list = [named[z] for z in rules.engagement_zones if z in named]
    engage = gz.union(*engage_list, name="engage") if engage_list else _empty("engage")
    excl_list = [named[z] for z in rules.excluded_zones if z in named]
    excluded = gz.union(*excl_list, name="excluded") if excl_list else None
    cache = depth_cache if depth_cache is not None else {}
    if rules.max_depth_km not in cache:
        cache[rules.max_depth_km] = _depth_zone(rules.max_depth_km)
    depth = cache[rules.max_depth_km]
    consent = None
    if rules.ukrainian_consent != "all":
        cons = [named[z] for z in rules.ukrainian_consent if z in named]
        consent = gz.union(*cons, name="consent") if cons else _empty("consent")
    # permitted = engagement zones, over Ukraine only within depth and consent, minus excluded
    geom = shapely.difference(engage.geometry, ukraine.geometry)
    over_ukr = shapely.intersection(engage.geometry, ukraine.geometry)
    over_ukr = (shapely.intersection(over_ukr, depth.geometry) if depth is not None
                else Polygon())
    if consent is not None:
        over_ukr = shapely.intersection(over_ukr, consent.geometry)
    geom = shapely.union(geom, over_ukr)
    if excluded is not None:
        geom = shapely.difference(geom, excluded.geometry)
    classes = np.zeros(N_CLASSES, bool)
    for c in rules.threat_classes:
        classes[ThreatClass(c).code] = True
    classes[ThreatClass.ballistic.code] = False  # fighters cannot engage them
    near_city = city_discs(rules.city_exclusion_km)
    target = (gz.Zone(f"{nation} target area", shapely.difference(geom, near_city.geometry))
              if near_city is not None else None)
    return NationRules(
        nation, rules, gz.Zone(f"{nation} permitted", geom), own, classes, engage=engage,
        excluded=excluded, ukraine=ukraine, depth=depth, consent=consent,
        near_city=near_city, target_area=target,
    )


def compile_rules(
    scenario: Scenario, zones: dict[str, gz.Zone] | None = None
) -> dict[str, NationRules]:
    """Compile every coalition nation's rules against the scenario's zones.

    A coalition member without rules may engage only over its own airspace (``__own__``).
    An ally beyond the neighbours defends its host's airspace (`Nation.host`) under its own
    rules or, with ``rules_from: host``, the host's.
    """
    zones = build_zones(scenario) if zones is None else zones
    depth_cache: dict[float, gz.Zone | None] = {}
    out: dict[str, NationRules] = {}
    for member in scenario.coalition:
        nation = member.nation
        src = member.host if member.rules_from == "host" and member.host else nation
        rules = scenario.rules.get(src) or Rules(engagement_zones=[OWN])
        out[nation] = compile_nation(nation, rules, zones, depth_cache, member.airspace)
    return out


def required_horizon_s(scenario: Scenario) -> float:
    """The longest ``predicted_entry`` window of any nation [s] (0 if none): the horizon
    `decide.assess.assess` needs so that every trigger is judged on its own window."""
    return max((r.trigger.within_s for r in scenario.rules.values()
                if isinstance(r.trigger, PredictedEntryTrigger)), default=0.0)


def hold_fire_reasons(rules: dict[str, NationRules], shooter_nation: np.ndarray,
                      target_x: np.ndarray, target_cls: np.ndarray) -> np.ndarray:
    """Per engagement: the `HOLD_FIRE` reason code its nation's ``hold_fire`` would give now
    (0: none), from the aimed track's state ``target_x (K,6)`` (frame position, velocity)."""
    out = np.zeros(len(target_x), np.int8)
    if not len(target_x):
        return out
    lat, lon, alt = THEATRE.to_lla(np.asarray(target_x, float)[:, :3])
    nat = np.asarray(shooter_nation).astype(str)
    for nation in np.unique(nat):
        nr = rules.get(str(nation))
        if nr is None:
            continue
        m = nat == nation
        out[m] = nr.hold_fire(lat[m], lon[m], alt[m], np.asarray(target_cls)[m],
                              np.asarray(target_x, float)[m, 3:5])
    return out
