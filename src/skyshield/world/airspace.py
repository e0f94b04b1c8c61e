"""Airspace monitor: entries into and exits from a set of countries, tick by tick.

Each tick the caller passes where a set of objects (threats, aircraft) were at the previous
tick and where they are now. The monitor looks up the country of every moving object
(`geo.borders.country_of`, vectorised) and, only for those whose country changed, finds the
exact crossing on the segment between the two positions (`geo.borders.segment_entries`,
straight in the theatre frame, as the kinematics fly it). The crossing time is interpolated
along the tick. It also keeps, per object, the time spent inside the set and its first entry.

An object counts as moving on a tick if it is alive now or was alive at the previous update,
so the tick on which a threat impacts inside the set (and stops being alive) still reports
its entry. Two crossings inside one tick that leave the country unchanged (in and out again
within a tick, a few hundred metres at most) are not reported.

Reusable for any set: ``AirspaceMonitor(NATO, n)`` for threats entering NATO airspace,
``AirspaceMonitor({"UKR"}, n)`` for coalition aircraft crossing into Ukraine.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from skyshield.geo import borders as gb
from skyshield.geo.frame import THEATRE

__all__ = ["AirspaceEvents", "AirspaceMonitor"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class AirspaceEvents:
    """Entries and exits found on one update, struct of arrays, sorted by time."""

    idx: NDArray[np.int64]  # object index [-]
    entry: NDArray[np.bool_]  # True for an entry, False for an exit [-]
    country: NDArray[np.str_]  # ISO alpha-3 of the country entered or left [-]
    t: FloatArray  # time of the crossing [s]
    lat: FloatArray  # crossing point [deg]
    lon: FloatArray  # crossing point [deg]

    @classmethod
    def empty(cls) -> AirspaceEvents:
        return cls(np.zeros(0, np.int64), np.zeros(0, bool), np.zeros(0, "<U3"),
                   np.zeros(0), np.zeros(0), np.zeros(0))

    def __len__(self) -> int:
        return int(self.idx.shape[0])

    @property
    def entries(self) -> AirspaceEvents:
        """Only the entries."""
        return self._select(self.entry)

    @property
    def exits(self) -> AirspaceEvents:
        """Only the exits."""
        return self._select(~self.entry)

    def _select(self, m: NDArray[np.bool_]) -> AirspaceEvents:
        return AirspaceEvents(self.idx[m], self.entry[m], self.country[m], self.t[m],
                              self.lat[m], self.lon[m])


@dataclass(eq=False)
class AirspaceMonitor:
    """Watches n objects for crossings into and out of `countries` (ISO alpha-3 codes)."""

    countries: frozenset[str]
    n: int

    country: NDArray[np.str_] = field(init=False)  # country at the last update ("" none)
    inside: NDArray[np.bool_] = field(init=False)  # in one of `countries` at the last update
    time_inside: FloatArray = field(init=False)  # total time inside `countries` [s]
    first_entry_t: FloatArray = field(init=False)  # time of the first entry, NaN [s]
    first_entry_country: NDArray[np.str_] = field(init=False)  # country first entered ("")
    entries: NDArray[np.int64] = field(init=False)  # number of entries so far [-]

    def __post_init__(self) -> None:
        self.countries = frozenset(self.countries)
        self._codes = np.array(sorted(self.countries), dtype="<U3")
        self.country = np.full(self.n, "", "<U3")
        self.inside = np.zeros(self.n, bool)
        self.time_inside = np.zeros(self.n)
        self.first_entry_t = np.full(self.n, np.nan)
        self.first_entry_country = np.full(self.n, "", "<U3")
        self.entries = np.zeros(self.n, np.int64)
        self._known = np.zeros(self.n, bool)  # `country` is valid for the previous position
        self._alive_prev = np.zeros(self.n, bool)
        # countries as indices into the borders' code table (integer compares, no strings)
        self._table = gb.borders().code_table
        self._member = np.isin(self._table, self._codes)  # per index: one of `countries`
        self._cidx = np.zeros(self.n, np.uint8)  # index of `country`

    @classmethod
    def for_countries(cls, countries: Iterable[str], n: int) -> AirspaceMonitor:
        """Monitor n objects against any iterable of ISO codes."""
        return cls(frozenset(countries), n)

    def update(
        self,
        t0: float,
        t1: float,
        lat0: ArrayLike,
        lon0: ArrayLike,
        lat1: ArrayLike,
        lon1: ArrayLike,
        alive: ArrayLike,
    ) -> AirspaceEvents:
        """One tick: positions at t0 and t1 [s] (lat, lon in deg, shape (n,)) and alive now."""
        lat0, lon0, lat1, lon1 = (np.asarray(v, np.float64) for v in (lat0, lon0, lat1, lon1))
        alive = np.asarray(alive, bool)
        moving = np.flatnonzero(alive | self._alive_prev)
        self._alive_prev = alive.copy()
        if moving.size == 0:
            return AirspaceEvents.empty()
        dt = t1 - t0
        b = gb.borders()
        # Country at the previous positions: cached, except for objects that just started.
        fresh = moving[~self._known[moving]]
        if fresh.size:
            self._cidx[fresh] = b.country_index(lat0[fresh].ravel(), lon0[fresh].ravel())
            self.country[fresh] = self._table[self._cidx[fresh]]
            self.inside[fresh] = self._member[self._cidx[fresh]]
        prev_i = self._cidx[moving]
        prev_in = self.inside[moving]
        cur_i = b.country_index(lat1[moving].ravel(), lon1[moving].ravel())
        cur_in = self._member[cur_i]
        self._cidx[moving] = cur_i
        self.country[moving] = self._table[cur_i]
        self.inside[moving] = cur_in
        self._known[moving] = True
        self._known[moving[~alive[moving]]] = False  # stopped: look it up again on restart
        # Time inside: whole tick if inside at both ends and nothing changed; crossings below.
        changed = prev_i != cur_i
        self.time_inside[moving[prev_in & cur_in & ~changed]] += dt
        ch = np.flatnonzero(changed & (prev_in | cur_in))
        if ch.size == 0:
            return AirspaceEvents.empty()
        obj = moving[ch]
        p_in, c_in = prev_in[ch], cur_in[ch]
        p_c, c_c = self._table[prev_i[ch]], self._table[cur_i[ch]]
        parts: list[tuple] = []
        # Entries: first entry into the set along the segment.
        e = np.flatnonzero(c_in)
        if e.size:
            o = obj[e]
            frac, who = gb.segment_entries(lat0[o], lon0[o], lat1[o], lon1[o], list(self._codes))
            who = np.where(who == "", c_c[e], who)
            frac = np.where(np.isfinite(frac), frac, 1.0)  # not found: at the tick's end
            self.time_inside[o] += (1.0 - frac) * dt
            parts.append((o, np.ones(e.size, bool), who, frac))
        # Exits: an entry of the reversed segment is the last exit of the forward one.
        x = np.flatnonzero(p_in)
        if x.size:
            o = obj[x]
            rfrac, who = gb.segment_entries(lat1[o], lon1[o], lat0[o], lon0[o], list(self._codes))
            who = np.where(who == "", p_c[x], who)
            frac = np.where(np.isfinite(rfrac), 1.0 - rfrac, 0.0)
            self.time_inside[o] += frac * dt  # inside -> another member: entry adds the rest
            parts.append((o, np.zeros(x.size, bool), who, frac))
        idx = np.concatenate([p[0] for p in parts])
        entry = np.concatenate([p[1] for p in parts])
        country = np.concatenate([p[2] for p in parts]).astype("<U3")
        frac = np.concatenate([p[3] for p in parts])
        t = t0 + frac * dt
        xy0 = THEATRE.to_xy(lat0[idx], lon0[idx])
        xy1 = THEATRE.to_xy(lat1[idx], lon1[idx])
        clat, clon = THEATRE.from_xy(xy0 + frac[:, None] * (xy1 - xy0))
        order = np.lexsort((entry, t))  # by time; at a tie the exit comes first
        ev = AirspaceEvents(idx[order], entry[order], country[order], t[order],
                            clat[order], clon[order])
        first = ev.entry & np.isnan(self.first_entry_t[ev.idx])
        for i in np.flatnonzero(first):  # few: the first entry of each object, once per run
            j = ev.idx[i]
            if np.isnan(self.first_entry_t[j]):
                self.first_entry_t[j] = ev.t[i]
                self.first_entry_country[j] = ev.country[i]
        np.add.at(self.entries, ev.idx[ev.entry], 1)
        return ev
