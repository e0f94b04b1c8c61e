"""The scenario schema: what a planner declares, validated by pydantic.

Units at this edge are the ones planners use (km, km/h, m of altitude, minutes); every
model exposes SI values through properties named with their unit (`..._m`, `..._s`).
Names of platforms and places refer to the reference library (`model.library`); they are
checked by `model.validate` against it, so a typo is reported with the closest names.
"""

from __future__ import annotations

import types
import typing
import unicodedata
from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from skyshield.units import KM, MINUTE

ISO3 = Literal["UKR", "POL", "SVK", "HUN", "ROU", "MDA", "BLR", "RUS"]
CoalitionNation = Literal["POL", "SVK", "HUN", "ROU", "MDA"]
# Allies beyond the neighbours: they fly from a host nation's base (`Nation.host`).
AlliedNation = Literal["NLD", "DEU", "ITA", "FRA", "GBR", "USA", "ESP", "SWE", "NOR", "DNK",
                       "BEL", "CZE", "CAN", "PRT", "FIN", "TUR", "GRC", "BGR", "LTU", "LVA",
                       "EST", "HRV", "SVN", "ALB", "MNE", "MKD", "LUX", "ISL"]
ForceNation = CoalitionNation | AlliedNation
ThreatClassName = Literal["drone", "decoy", "cruise_missile", "ballistic", "aircraft", "unknown"]

# ------------------------------------------------------------------ declared bounds
MAX_NAME = 200  # characters in a name: names become labels and file names
MAX_THREATS = 20_000  # threats across all waves (the largest nights of 2025: about 800)
MAX_DAY_MIN = 24 * 60  # a scenario covers at most one day [min]
MIN_TICK_S = 0.1  # below this nothing flies differently and a night takes hours [s]
MAX_ROUNDS = 50  # rounds of one weapon per aircraft (real loads: 2-8 missiles, 5 gun passes)
MAX_VERTICES = 2000  # vertices of one polygon zone (a border traced every 1 km needs fewer)
MAX_ITEMS = 500  # entries in one list (squadrons, sites, radars, waves, zones ...)


def _no_bool(v: object) -> object:
    """YAML `true`/`false` is not a number: pydantic would read `count: true` as 1."""
    if isinstance(v, bool):
        raise ValueError(f"expected an integer, got the boolean {str(v).lower()}")
    return v


def _printable(v: str, allow: str = "") -> str:
    bad = next((ch for ch in v if ch not in allow and (
        unicodedata.category(ch)[0] == "C" or unicodedata.category(ch) in ("Zl", "Zp"))), None)
    if bad is not None:
        raise ValueError(f"contains the control character U+{ord(bad):04X} (expected "
                         "printable text)")
    return v


def _name(v: str) -> str:
    if not v.strip():
        raise ValueError("expected a non-empty name")
    return _printable(v)


def _takes_int(tp: object) -> bool:
    """True if a field of type `tp` takes an integer and not a boolean."""
    args = typing.get_args(tp) if typing.get_origin(tp) in (typing.Union, types.UnionType) \
        else (tp,)
    return int in args and bool not in args


Name = Annotated[str, AfterValidator(_name), Field(max_length=MAX_NAME)]
Text = Annotated[str, AfterValidator(lambda v: _printable(v, allow="\n\t"))]
Rounds = Annotated[int, BeforeValidator(_no_bool), Field(ge=0, le=MAX_ROUNDS)]


class Strict(BaseModel):
    """Base: unknown keys are errors (a typo must never be silently ignored)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _no_bool_for_int(cls, data: object) -> object:
        """`count: true` is not a count: pydantic alone would read it as 1. The boolean is
        handed on as the text it was, so the integer field refuses it at its own line."""
        if isinstance(data, dict):
            bad = {k: str(v).lower() for k, v in data.items() if isinstance(v, bool)
                   and k in cls.model_fields and _takes_int(cls.model_fields[k].annotation)}
            if bad:
                return {**data, **bad}
        return data


class LatLon(Strict):
    """A WGS84 point in decimal degrees."""

    lat: float = Field(ge=-90, le=90, description="latitude, degrees north")
    lon: float = Field(ge=-180, le=180, description="longitude, degrees east")


# A location is either a place name from the library or an explicit point.
Location = LatLon | str


# --------------------------------------------------------------------------- zones
class PolygonZone(Strict):
    """A polygon given by its vertices (lat, lon); closed automatically."""

    kind: Literal["polygon"]
    points: list[tuple[float, float]] = Field(
        min_length=3, max_length=MAX_VERTICES, description="[[lat, lon], ...]: at least 3 "
        f"distinct vertices, at most {MAX_VERTICES}, edges that do not cross")


class CircleZone(Strict):
    """A circle of `radius_km` around a place or point."""

    kind: Literal["circle"]
    center: Location
    radius_km: float = Field(gt=0, le=2000)


class NearCountryZone(Strict):
    """Territory of `inside` (default Ukraine) within `within_km` of country `country`."""

    kind: Literal["near_country"]
    country: ISO3
    within_km: float = Field(gt=0, le=1500)
    inside: ISO3 = "UKR"


class NearBorderZone(Strict):
    """Territory of `inside` within `within_km` of any of `countries` (a typical no-go)."""

    kind: Literal["near_border"]
    countries: list[ISO3] = Field(min_length=1)
    within_km: float = Field(gt=0, le=1500)
    inside: ISO3 = "UKR"


class CountryZone(Strict):
    """The whole territory (airspace) of a country."""

    kind: Literal["country"]
    country: ISO3


class UnionZone(Strict):
    """The union of other named zones."""

    kind: Literal["union"]
    of: list[str] = Field(min_length=1)


class DifferenceZone(Strict):
    """Zone `of` minus the named zones in `minus`."""

    kind: Literal["difference"]
    of: str
    minus: list[str] = Field(min_length=1)


ZoneSpec = Annotated[
    PolygonZone | CircleZone | NearCountryZone | NearBorderZone | CountryZone | UnionZone
    | DifferenceZone,
    Field(discriminator="kind"),
]


# ------------------------------------------------------------------------ coalition
class PatrolStation(Strict):
    """A combat air patrol station kept manned by a squadron."""

    name: Name
    at: Location
    aircraft: int = Field(ge=1, le=24, description="aircraft kept on station at once")
    altitude_m: float = Field(default=6000.0, ge=300, le=15000)
    orbit_radius_km: float = Field(default=20.0, gt=0, le=100)
    start_min: float = Field(default=0.0, ge=0, le=MAX_DAY_MIN,
                             description="minutes after scenario start (within the scenario)")

    @property
    def orbit_radius_m(self) -> float:
        return self.orbit_radius_km * KM


class Squadron(Strict):
    """Aircraft of one type at one base, with their readiness and loads."""

    name: Name
    base: str = Field(description="air base name from the library")
    aircraft: str = Field(description="interceptor type name from the library")
    count: int = Field(ge=1, le=100)
    on_alert: int = Field(default=2, ge=0, le=100,
                          description="aircraft on quick-reaction alert")
    scramble_min: float = Field(default=10.0, ge=0, le=240, description="alert to airborne")
    turnaround_min: float = Field(default=45.0, ge=0, le=600, description="landing to ready")
    loadout: dict[str, Rounds] = Field(
        default_factory=dict,
        description="weapon name -> rounds per aircraft; empty uses the type's default load "
        f"(0 to {MAX_ROUNDS}: real loads are 2-8 missiles and about 5 gun passes)",
    )
    patrols: list[PatrolStation] = Field(default_factory=list, max_length=MAX_ITEMS)

    @model_validator(mode="after")
    def _counts(self) -> Squadron:
        on_patrol = sum(p.aircraft for p in self.patrols)
        if self.on_alert + on_patrol > self.count:
            raise ValueError(
                f"on_alert ({self.on_alert}) + aircraft on patrol ({on_patrol}) exceed "
                f"count ({self.count})"
            )
        return self

    @property
    def scramble_s(self) -> float:
        return self.scramble_min * MINUTE

    @property
    def turnaround_s(self) -> float:
        return self.turnaround_min * MINUTE


class Nation(Strict):
    """A coalition member and its squadrons."""

    nation: ForceNation
    squadrons: list[Squadron] = Field(min_length=1)
    host: CoalitionNation | None = Field(
        default=None, description="for an ally beyond the neighbours: the neighbour whose "
        "bases it flies from and whose airspace it polices")
    rules_from: Literal["own", "host"] = Field(
        default="own", description="own: the ally's entry in `rules`; host: the host's rules")

    @model_validator(mode="after")
    def _hosted(self) -> Nation:
        allied = self.nation not in ("POL", "SVK", "HUN", "ROU", "MDA")
        if allied and self.host is None:
            raise ValueError(f"{self.nation} is not a neighbour of Ukraine: it needs `host` "
                             "(the neighbour whose bases it flies from, e.g. host: POL)")
        if not allied and self.host is not None and self.host != self.nation:
            raise ValueError(f"{self.nation} flies from its own bases: `host` is for allies "
                             "beyond the neighbours")
        if self.rules_from == "host" and self.host is None:
            raise ValueError("rules_from: host needs `host`")
        return self

    @property
    def airspace(self) -> str:
        """ISO3 of the airspace these squadrons defend (the host's for an ally)."""
        return self.host or self.nation


# ----------------------------------------------------------------------------- ROE
class AnyInZoneTrigger(Strict):
    """Engage any eligible threat inside the engagement zone."""

    kind: Literal["any_in_zone"]


class PredictedEntryTrigger(Strict):
    """Engage only threats predicted to enter `airspace` within `within_min` with p >= P."""

    kind: Literal["predicted_entry"]
    airspace: Literal["own", "nato"] = "own"
    within_min: float = Field(gt=0, le=240)
    probability: float = Field(default=0.5, gt=0, le=1)

    @property
    def within_s(self) -> float:
        return self.within_min * MINUTE


Trigger = Annotated[AnyInZoneTrigger | PredictedEntryTrigger, Field(discriminator="kind")]


class Approval(Strict):
    """Who must approve: automatic inside own airspace, national approval elsewhere."""

    inside_own: Literal["automatic", "national"] = "automatic"
    elsewhere: Literal["automatic", "national"] = "national"
    delay_s: float = Field(default=120.0, ge=0, le=3600, description="national approval delay")


class HoldFire(Strict):
    """When pilots hold fire although the rules would allow a shot (debris, a leaver)."""

    city_km: float = Field(
        default=0.0, ge=0, le=100, description="no release when the predicted debris falls "
        "on own territory within this distance of a populated place (0: never held)")
    leaving_within_s: float = Field(
        default=0.0, ge=0, le=3600, description="no release against a threat in own "
        "airspace predicted to leave it within this time (0: never held)")


class Rules(Strict):
    """One nation's rules of engagement."""

    engagement_zones: list[str] = Field(min_length=1, description="named zones")
    max_depth_km: float = Field(default=100.0, ge=0, le=1500, description="max depth into UKR")
    excluded_zones: list[str] = Field(default_factory=list)
    threat_classes: list[ThreatClassName] = Field(
        default_factory=lambda: ["drone", "decoy", "cruise_missile"]
    )
    trigger: Trigger = Field(default_factory=lambda: AnyInZoneTrigger(kind="any_in_zone"))
    altitude_floor_m: float = Field(default=0.0, ge=0, le=10000)
    city_exclusion_km: float = Field(default=0.0, ge=0, le=100)
    approval: Approval = Field(default_factory=Approval)
    ukrainian_consent: list[str] | Literal["all"] = Field(
        default="all", description="zones where Ukraine consents, or 'all'"
    )
    hold_fire: HoldFire = Field(default_factory=HoldFire)

    @field_validator("threat_classes")
    @classmethod
    def _no_ballistic_only(cls, v: list[str]) -> list[str]:
        if v and set(v) <= {"ballistic"}:
            raise ValueError("fighters cannot engage ballistic threats: this rule allows nothing")
        return v


# --------------------------------------------------------------- Ukrainian defence
class AirDefenceSite(Strict):
    """A Ukrainian ground-based air defence site and its missile engagement zone."""

    name: Name
    at: Location
    system: str = Field(description="system type, e.g. 'IRIS-T SLM', 'NASAMS', 'mobile fire group'")
    range_km: float = Field(gt=0, le=200)
    alt_min_m: float = Field(default=0.0, ge=0, le=100_000)
    alt_max_m: float = Field(default=20000.0, gt=0, le=100_000)
    magazine: int = Field(ge=0, le=500)
    pk: float = Field(gt=0, le=1, description="notional probability of kill per shot")
    reload_s: float = Field(default=10.0, ge=0, le=3600, description="time between shots")
    active: bool = True

    @model_validator(mode="after")
    def _band(self) -> AirDefenceSite:
        if self.alt_min_m >= self.alt_max_m:
            raise ValueError(f"alt_min_m ({self.alt_min_m:g}) must be below alt_max_m "
                             f"({self.alt_max_m:g})")
        return self


# ---------------------------------------------------------------------------- radars
class Orbit(Strict):
    """A circular orbit flown by an airborne early-warning aircraft."""

    center: Location
    radius_km: float = Field(gt=0, le=200)
    altitude_m: float = Field(default=9000.0, gt=0, le=15000)
    speed_kmh: float = Field(default=700.0, gt=0, le=1200)


class Radar(Strict):
    """A surveillance radar: ground-based (`at`) or airborne (`orbit`)."""

    name: str
    nation: ISO3 | AlliedNation
    kind: Literal["ground", "airborne"] = "ground"
    at: Location | None = None
    orbit: Orbit | None = None
    antenna_height_m: float = Field(default=20.0, ge=0, le=15000)
    range_km: float = Field(gt=0, le=800, description="instrumented range vs a 1 m² target")
    scan_s: float = Field(default=10.0, gt=0, le=60)
    range_sigma_m: float = Field(default=50.0, gt=0, le=10_000)
    azimuth_sigma_deg: float = Field(default=0.3, gt=0, le=10)
    height_sigma_m: float = Field(default=150.0, gt=0, le=10_000)
    false_alarms_per_scan: float = Field(default=1.0, ge=0, le=1000)

    @model_validator(mode="after")
    def _where(self) -> Radar:
        if self.kind == "ground" and self.at is None:
            raise ValueError("a ground radar needs `at`")
        if self.kind == "airborne" and self.orbit is None:
            raise ValueError("an airborne radar needs `orbit`")
        return self


# ------------------------------------------------------------------------------ raid
class LaunchPolygon(Strict):
    """A launch area given as a polygon of (lat, lon) corners; launches uniform inside."""

    kind: Literal["polygon"]
    points: list[tuple[float, float]] = Field(min_length=3, description="[[lat, lon], ...]")


LaunchArea = str | LatLon | LaunchPolygon


class Doglegs(Strict):
    """Lateral doglegs on the open legs (launch -> route, route -> target)."""

    count: tuple[int, int] = Field(default=(3, 5), description="[min, max] per route")
    offset_km: tuple[float, float] = Field(default=(10.0, 40.0), description="lateral offset")

    @model_validator(mode="after")
    def _ordered(self) -> Doglegs:
        if not (0 <= self.count[0] <= self.count[1] <= 12):
            raise ValueError("expected count [min, max] with 0 <= min <= max <= 12")
        if not (0 <= self.offset_km[0] <= self.offset_km[1] <= 200):
            raise ValueError("expected offset_km [min, max] with 0 <= min <= max <= 200")
        return self


class Loiter(Strict):
    """A share of the threats holds (back and forth along its own track) before the target."""

    share: float = Field(ge=0, le=1, description="share of the wave that loiters")
    minutes: float = Field(gt=0, le=600, description="time spent holding")
    leg_km: float = Field(default=10.0, gt=0, le=100, description="length of a holding leg")
    before_target_km: float = Field(default=60.0, ge=0, le=1000,
                                    description="where it holds: this far before the target")


class Graze(Strict):
    """A share of border-following threats cuts briefly into the neighbour it skims."""

    share: float = Field(ge=0, le=1, description="share of the wave that grazes")
    depth_km: float = Field(default=2.0, gt=0, le=50, description="how far past the border")
    length_km: float = Field(default=8.0, gt=0, le=200, description="along-border length")


class TurnBack(Strict):
    """A share of the threats turns back along its route and flies home until empty."""

    share: float = Field(ge=0, le=1, description="share of the wave that turns back")
    at_fraction: tuple[float, float] = Field(
        default=(0.3, 0.8), description="[min, max] share of the route flown before turning")

    @field_validator("at_fraction")
    @classmethod
    def _frac(cls, v: tuple[float, float]) -> tuple[float, float]:
        if not (0 < v[0] <= v[1] < 1):
            raise ValueError("expected [min, max] with 0 < min <= max < 1")
        return v


class RouteOptions(Strict):
    """Declared route variety: each option names its share and parameters."""

    doglegs: Doglegs | None = Field(
        default=None, description="None: cruise missiles 3-5 doglegs, others none")
    loiter: Loiter | None = None
    graze: Graze | None = None
    turn_back: TurnBack | None = None


class Strays(Strict):
    """Navigation loss (e.g. under jamming): the threat then drifts until its fuel ends."""

    nav_loss: dict[str, float] = Field(
        default_factory=dict, description="threat type name -> probability of navigation "
        "loss per threat; types not named use the library default (0 allowed)")
    at_fraction: tuple[float, float] = Field(
        default=(0.2, 0.9), description="[min, max] share of the route flown when it is lost")
    heading_sigma_deg: float = Field(
        default=30.0, ge=0, le=180, description="spread of the heading taken when lost")
    drift_deg_per_10km: float = Field(
        default=10.0, ge=0, le=90, description="random-walk sigma of the heading, per 10 km")
    drift_share: float = Field(
        default=0.05, ge=0, le=1, description="share of the lost threats that keep flying on "
        "a drifting heading until empty; the others come down where they are lost (NOTIONAL "
        "default, see data/SOURCE-reference.md)")
    enabled: bool = True

    @field_validator("nav_loss")
    @classmethod
    def _p(cls, v: dict[str, float]) -> dict[str, float]:
        for k, p in v.items():
            if not 0 <= p <= 1:
                raise ValueError(f"nav_loss of {k!r} is {p:g}; expected a probability in [0, 1]")
        return v

    @field_validator("at_fraction")
    @classmethod
    def _frac(cls, v: tuple[float, float]) -> tuple[float, float]:
        if not (0 <= v[0] <= v[1] <= 1):
            raise ValueError("expected [min, max] with 0 <= min <= max <= 1")
        return v


class Wave(Strict):
    """A group of threats of one type launched over a time window."""

    threat: str = Field(description="threat type name from the library")
    count: int = Field(ge=1, le=5000)
    launch_area: LaunchArea = Field(
        description="launch area name from the library, a {lat, lon} point or a polygon")
    window_min: tuple[float, float] = Field(description="[first, last] launch, minutes")
    targets: list[str] = Field(min_length=1, description="target place names or target areas")
    routing: Literal["direct", "south", "border", "north_west", "mixed", "belarus",
                     "moldova"] = "mixed"
    via: list[Location] = Field(
        default_factory=list, description="waypoints flown in order before the target "
        "(place names or {lat, lon}); a route crosses Belarus or Moldova only through these "
        "or a routing that says so")
    options: RouteOptions = Field(default_factory=RouteOptions)

    @field_validator("window_min")
    @classmethod
    def _ordered(cls, v: tuple[float, float]) -> tuple[float, float]:
        if v[0] < 0 or v[1] < v[0]:
            raise ValueError("expected [first, last] minutes with 0 <= first <= last")
        if v[1] > MAX_DAY_MIN:
            raise ValueError(f"last launch at {v[1]:g} min: expected at most {MAX_DAY_MIN} "
                             "(a scenario covers at most one day; launches fall inside it)")
        return v


class TargetArea(Strict):
    """A named set of places, drawn from uniformly by the raid generator."""

    places: list[str] = Field(min_length=1, max_length=MAX_ITEMS)


class Raid(Strict):
    """The attack: its waves and the target areas they draw from (at most 20,000 threats
    across all waves: the largest nights of 2025 had about 800, and a run grows with them)."""

    target_areas: dict[str, TargetArea] = Field(default_factory=dict)
    waves: list[Wave] = Field(min_length=1)
    strays: Strays = Field(default_factory=Strays)


# ----------------------------------------------------------------------- the whole
class Theatre(Strict):
    """The geographic box of the theatre."""

    south: float = 43.0
    north: float = 57.0
    west: float = 13.0
    east: float = 42.0

    @model_validator(mode="after")
    def _box(self) -> Theatre:
        if not (-90 <= self.south < self.north <= 90 and -180 <= self.west < self.east <= 180):
            raise ValueError("expected south < north and west < east, in degrees")
        return self


class Deconfliction(Strict):
    """How coalition fighters and Ukrainian missile engagement zones are kept apart."""

    policy: Literal["none", "fighters_keep_out", "sites_hold_fire"] = Field(
        default="none",
        description="none; fighters_keep_out: fighters (patrols, intercepts, routes) stay "
        "outside every active Ukrainian engagement zone plus the safe distance; "
        "sites_hold_fire: Ukrainian sites hold fire at targets within the safe distance of "
        "a coalition fighter")
    hold_fire_km: float = Field(
        default=10.0, ge=0, le=100, description="the safe distance between fighters and "
        "Ukrainian fire [km]")


class DebrisOptions(Strict):
    """How debris falls are judged."""

    near_population_km: float = Field(
        default=5.0, gt=0, le=100, description="debris within this distance of a populated "
        "place counts as near population")


class PictureOptions(Strict):
    """Options for the air picture."""

    nominal_sigma_m: float = Field(
        default=200.0, gt=0, le=100_000,
        description="position sigma given to perfect-picture tracks")
    nominal_sigma_ms: float = Field(default=10.0, gt=0, le=1000,
                                    description="velocity sigma, m/s")


class Scenario(Strict):
    """A whole scenario file."""

    name: Name = Field(description=f"the scenario's name (1 to {MAX_NAME} printable "
                       "characters; the run folder is named after it)")
    description: Text = ""
    epoch: datetime = Field(description="UTC start time, ISO 8601")
    duration_min: float = Field(gt=0, le=MAX_DAY_MIN,
                                description="simulated time [min]: at most one day")
    seed: int = Field(default=0, ge=0, le=2**63 - 1)
    tick_s: float = Field(default=1.0, ge=MIN_TICK_S, le=10, description=f"world time step [s]"
                          f", {MIN_TICK_S:g} to 10: a finer step changes nothing the sensors "
                          "or weapons resolve and multiplies the run time")
    theatre: Theatre = Field(default_factory=Theatre)
    zones: dict[str, ZoneSpec] = Field(default_factory=dict)
    coalition: list[Nation] = Field(
        default_factory=list, description="may be empty: a baseline without coalition")
    rules: dict[ForceNation, Rules] = Field(default_factory=dict)
    air_defence: list[AirDefenceSite] = Field(default_factory=list)
    radars: list[Radar] = Field(default_factory=list)
    raid: Raid
    deconfliction: Deconfliction = Field(default_factory=Deconfliction)
    picture: PictureOptions = Field(default_factory=PictureOptions)
    debris: DebrisOptions = Field(default_factory=DebrisOptions)

    @field_validator("epoch")
    @classmethod
    def _utc(cls, v: datetime) -> datetime:
        return v.replace(tzinfo=UTC) if v.tzinfo is None else v.astimezone(UTC)

    @property
    def duration_s(self) -> float:
        return self.duration_min * MINUTE
