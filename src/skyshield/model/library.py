"""The reference library: threat types, interceptors, weapons and places.

Read once from the CSV files shipped in `skyshield/data` (`platforms.csv`, `places.csv`;
sources in `data/SOURCE-reference.md`). Figures are public (Wikipedia level) or NOTIONAL,
as each row's `source` says. Values are stored in the units of the files (km, km/h, h,
USD); SI values are exposed by properties named with their unit (`speed_ms`, `range_m`).

Lookups fold case, accents and repeated spaces over names and aliases, so ``"lask"``,
``"ŁASK"`` and ``"Łask Air Base"`` find the same place. An unknown name raises
`UnknownNameError`, whose message lists the closest known names.
"""

from __future__ import annotations

import csv
import difflib
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Generic, Literal, TypeVar

from skyshield.units import HOUR, KM, KMH


class ThreatClass(StrEnum):
    """Threat classes. The order is the int code used in arrays (`Tracks.cls`)."""

    drone = "drone"
    decoy = "decoy"
    cruise_missile = "cruise_missile"
    ballistic = "ballistic"
    aircraft = "aircraft"
    unknown = "unknown"

    @property
    def code(self) -> int:
        """Small-int code of this class, its position in the enum."""
        return _CLASS_CODES[self]


_CLASS_CODES = {c: i for i, c in enumerate(ThreatClass)}

Aspect = Literal["head", "tail"]
PlaceKind = Literal["airbase", "airport", "city", "critical_site", "launch_area"]


class UnknownNameError(KeyError):
    """A name that is not in the library; the message suggests the closest names."""

    def __init__(self, kind: str, name: str, suggestions: list[str]):
        self.kind = kind
        self.name = name
        self.suggestions = suggestions
        super().__init__(self.message)

    @property
    def message(self) -> str:
        text = f"unknown {self.kind} {self.name!r}"
        if self.suggestions:
            text += ": did you mean " + ", ".join(repr(s) for s in self.suggestions) + "?"
        return text

    def __str__(self) -> str:  # KeyError would quote the message
        return self.message


# ----------------------------------------------------------------------------- folding
_SPECIAL = str.maketrans({"ł": "l", "Ł": "L", "ß": "ss", "ø": "o", "Ø": "O", "đ": "d",
                          "Đ": "D", "ı": "i", "’": "'", "–": "-", "—": "-"})


def fold(name: str) -> str:
    """Case-, accent- and space-insensitive key: ``fold("Łask  AIR base") == "lask air base"``."""
    text = unicodedata.normalize("NFKD", name.translate(_SPECIAL))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.casefold().split())


# ----------------------------------------------------------------------------- records
@dataclass(frozen=True)
class ThreatType:
    """A Russian strike weapon type (drone, decoy, cruise or ballistic missile)."""

    name: str
    aliases: tuple[str, ...]
    cls: ThreatClass
    speed_kmh: float  # typical cruise speed
    max_kmh: float  # top speed
    alt_min_m: float
    alt_max_m: float
    alt_cruise_m: float  # typical cruise altitude (apogee for ballistic)
    range_km: float
    rcs_class: str  # very_small / small / medium / large
    rcs_m2: float  # notional radar cross-section
    unit_cost_usd: float
    interceptable: bool  # by fighters
    source: str
    nav_loss: float = 0.0  # probability of navigation loss per threat (`strays.csv`) [-]
    nav_loss_source: str = ""

    @property
    def speed_ms(self) -> float:
        return self.speed_kmh * KMH

    @property
    def max_ms(self) -> float:
        return self.max_kmh * KMH

    @property
    def range_m(self) -> float:
        return self.range_km * KM


@dataclass(frozen=True)
class InterceptorType:
    """A coalition fighter type."""

    name: str
    aliases: tuple[str, ...]
    speed_kmh: float  # cruise speed
    dash_kmh: float  # intercept dash with stores (notional)
    max_kmh: float  # clean top speed at altitude
    alt_max_m: float  # service ceiling
    alt_cruise_m: float  # typical patrol altitude
    range_km: float  # ferry range
    combat_radius_km: float
    endurance_h: float  # time airborne on a patrol with tanks
    rcs_m2: float
    cost_per_hour_usd: float
    default_load: dict[str, int] = field(hash=False)  # weapon name -> rounds
    gun: str  # the cannon, for display
    source: str

    @property
    def speed_ms(self) -> float:
        return self.speed_kmh * KMH

    @property
    def dash_ms(self) -> float:
        return self.dash_kmh * KMH

    @property
    def max_ms(self) -> float:
        return self.max_kmh * KMH

    @property
    def combat_radius_m(self) -> float:
        return self.combat_radius_km * KM

    @property
    def range_m(self) -> float:
        return self.range_km * KM

    @property
    def endurance_s(self) -> float:
        return self.endurance_h * HOUR


_SMALL = {ThreatClass.drone, ThreatClass.decoy, ThreatClass.cruise_missile, ThreatClass.unknown}


@dataclass(frozen=True)
class WeaponType:
    """An air-to-air weapon. `gun` counts one round as one firing pass (burst)."""

    name: str
    aliases: tuple[str, ...]
    guidance: str  # radar / semi_active_radar / ir / laser / gun
    speed_kmh: float  # mean fly-out speed (notional)
    rmin_km: float
    rmax_head_km: float  # vs a fighter-size target, head-on
    rmax_tail_km: float  # vs a fighter-size target, tail chase
    rmax_small_head_km: float  # vs a small low target (drone, decoy, cruise missile)
    rmax_small_tail_km: float
    pk: dict[ThreatClass, float] = field(hash=False)  # notional single-shot Pk per class
    cost_usd: float  # per shot
    source: str

    @property
    def speed_ms(self) -> float:
        return self.speed_kmh * KMH

    @property
    def rmin_m(self) -> float:
        return self.rmin_km * KM

    def max_range_km(self, cls: ThreatClass | str, aspect: Aspect = "head") -> float:
        """Maximum launch range against a target of class `cls` from `aspect`."""
        cls = ThreatClass(cls)
        if cls is ThreatClass.ballistic:
            return 0.0
        if cls in _SMALL:
            return self.rmax_small_head_km if aspect == "head" else self.rmax_small_tail_km
        return self.rmax_head_km if aspect == "head" else self.rmax_tail_km

    def max_range_m(self, cls: ThreatClass | str, aspect: Aspect = "head") -> float:
        return self.max_range_km(cls, aspect) * KM

    def pk_against(self, cls: ThreatClass | str) -> float:
        """Notional single-shot kill probability against class `cls` (0 for ballistic)."""
        return self.pk.get(ThreatClass(cls), 0.0)


@dataclass(frozen=True)
class Place:
    """A named point: an air base, a city, a critical site or a launch area."""

    name: str
    aliases: tuple[str, ...]
    country: str  # ISO 3166-1 alpha-3
    kind: PlaceKind
    lat: float
    lon: float
    population: int  # cities; 0 otherwise
    value: float  # notional value of the place as a target (0 = none)
    source: str


T = TypeVar("T")


class Catalogue(Generic[T]):
    """Records of one kind, found by folded name or alias."""

    def __init__(self, kind: str, records: Iterable[T]):
        self.kind = kind
        self._records: dict[str, T] = {}
        self._keys: dict[str, T] = {}
        for rec in records:
            self._records[rec.name] = rec  # type: ignore[attr-defined]
            for key in (rec.name, *rec.aliases):  # type: ignore[attr-defined]
                k = fold(key)
                other = self._keys.get(k)
                if other is not None and other is not rec:
                    raise ValueError(f"{kind} name {key!r} is ambiguous ({other.name}, {rec.name})")  # type: ignore[attr-defined]
                self._keys[k] = rec

    def __getitem__(self, name: str) -> T:
        rec = self._keys.get(fold(name))
        if rec is None:
            raise UnknownNameError(self.kind, name, self.suggest(name))
        return rec

    def get(self, name: str) -> T | None:
        return self._keys.get(fold(name))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and fold(name) in self._keys

    def __iter__(self) -> Iterator[T]:
        return iter(self._records.values())

    def __len__(self) -> int:
        return len(self._records)

    def names(self) -> list[str]:
        return list(self._records)

    def suggest(self, name: str, n: int = 3) -> list[str]:
        """Up to `n` canonical names closest to `name` (difflib on folded names and aliases)."""
        hits = difflib.get_close_matches(fold(name), list(self._keys), n=4 * n, cutoff=0.5)
        out: list[str] = []
        for h in hits:
            canon = self._keys[h].name  # type: ignore[attr-defined]
            if canon not in out:
                out.append(canon)
        return out[:n]


@dataclass(frozen=True)
class Library:
    """The whole reference library."""

    threats: Catalogue[ThreatType]
    interceptors: Catalogue[InterceptorType]
    weapons: Catalogue[WeaponType]
    places: Catalogue[Place]

    def threat(self, name: str) -> ThreatType:
        return self.threats[name]

    def interceptor(self, name: str) -> InterceptorType:
        return self.interceptors[name]

    def weapon(self, name: str) -> WeaponType:
        return self.weapons[name]

    def place(self, name: str) -> Place:
        return self.places[name]


# ----------------------------------------------------------------------------- loading
def _rows(filename: str) -> list[dict[str, str]]:
    text = resources.files("skyshield").joinpath("data", filename).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def _f(v: str, default: float = 0.0) -> float:
    return float(v) if v.strip() else default


def _aliases(v: str) -> tuple[str, ...]:
    return tuple(a.strip() for a in v.split(";") if a.strip())


def _load(v: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for item in _aliases(v):
        name, _, n = item.partition(":")
        out[name.strip()] = int(n)
    return out


def _threat(r: dict[str, str], strays: dict[str, dict[str, str]]) -> ThreatType:
    nav = strays.get(r["name"], {})
    return ThreatType(
        name=r["name"], aliases=_aliases(r["aliases"]), cls=ThreatClass(r["cls"]),
        speed_kmh=_f(r["speed_kmh"]), max_kmh=_f(r["max_kmh"], _f(r["speed_kmh"])),
        alt_min_m=_f(r["alt_min_m"]), alt_max_m=_f(r["alt_max_m"]),
        alt_cruise_m=_f(r["alt_cruise_m"]), range_km=_f(r["range_km"]),
        rcs_class=r["rcs_class"], rcs_m2=_f(r["rcs_m2"]), unit_cost_usd=_f(r["unit_cost_usd"]),
        interceptable=r["interceptable"] == "yes", source=r["source"],
        nav_loss=_f(nav.get("nav_loss", "")), nav_loss_source=nav.get("source", ""),
    )


def _interceptor(r: dict[str, str]) -> InterceptorType:
    return InterceptorType(
        name=r["name"], aliases=_aliases(r["aliases"]), speed_kmh=_f(r["speed_kmh"]),
        dash_kmh=_f(r["dash_kmh"]), max_kmh=_f(r["max_kmh"]), alt_max_m=_f(r["alt_max_m"]),
        alt_cruise_m=_f(r["alt_cruise_m"]), range_km=_f(r["range_km"]),
        combat_radius_km=_f(r["combat_radius_km"]), endurance_h=_f(r["endurance_h"]),
        rcs_m2=_f(r["rcs_m2"]), cost_per_hour_usd=_f(r["cost_per_hour_usd"]),
        default_load=_load(r["default_load"]), gun=r["gun"], source=r["source"],
    )


def _weapon(r: dict[str, str]) -> WeaponType:
    pk = {c: _f(r[f"pk_{c.value}"]) for c in
          (ThreatClass.drone, ThreatClass.decoy, ThreatClass.cruise_missile, ThreatClass.aircraft)}
    pk[ThreatClass.unknown] = pk[ThreatClass.drone]
    pk[ThreatClass.ballistic] = 0.0
    return WeaponType(
        name=r["name"], aliases=_aliases(r["aliases"]), guidance=r["guidance"],
        speed_kmh=_f(r["speed_kmh"]), rmin_km=_f(r["rmin_km"]),
        rmax_head_km=_f(r["rmax_head_km"]), rmax_tail_km=_f(r["rmax_tail_km"]),
        rmax_small_head_km=_f(r["rmax_small_head_km"]),
        rmax_small_tail_km=_f(r["rmax_small_tail_km"]), pk=pk,
        cost_usd=_f(r["unit_cost_usd"]), source=r["source"],
    )


def _place(r: dict[str, str]) -> Place:
    return Place(
        name=r["name"], aliases=_aliases(r["aliases"]), country=r["country"],
        kind=r["kind"],  # type: ignore[arg-type]
        lat=float(r["lat"]), lon=float(r["lon"]), population=int(_f(r["population"])),
        value=_f(r["value"]), source=r["source"],
    )


@cache
def library() -> Library:
    """The reference library, read once from the package data."""
    rows = _rows("platforms.csv")
    strays = {r["threat"]: r for r in _rows("strays.csv")}
    return Library(
        threats=Catalogue("threat", (_threat(r, strays) for r in rows if r["side"] == "threat")),
        interceptors=Catalogue(
            "interceptor", (_interceptor(r) for r in rows if r["side"] == "interceptor")
        ),
        weapons=Catalogue("weapon", (_weapon(r) for r in rows if r["side"] == "weapon")),
        places=Catalogue("place", (_place(r) for r in _rows("places.csv"))),
    )


def threat(name: str) -> ThreatType:
    """The threat type called `name` (or one of its aliases)."""
    return library().threat(name)


def interceptor(name: str) -> InterceptorType:
    """The interceptor type called `name` (or one of its aliases)."""
    return library().interceptor(name)


def weapon(name: str) -> WeaponType:
    """The weapon called `name` (or one of its aliases)."""
    return library().weapon(name)


def place(name: str) -> Place:
    """The place called `name` (or one of its aliases)."""
    return library().place(name)
