"""Unit conversions at the edges: SI inside (m, s, m/s, rad); km, km/h, ft, kt, deg outside."""

from __future__ import annotations

KM = 1000.0  # m per km
KMH = 1000.0 / 3600.0  # m/s per km/h
KT = 1852.0 / 3600.0  # m/s per knot
FT = 0.3048  # m per foot
NM = 1852.0  # m per nautical mile
MINUTE = 60.0  # s
HOUR = 3600.0  # s

