"""Shared data for the geo tests: well-known places (GeoNames coordinates, hard-coded)."""

from __future__ import annotations

# name: (lat, lon, expected ISO alpha-3); GeoNames / Wikipedia public coordinates.
PLACES = {
    "Lviv": (49.83826, 24.02324, "UKR"),
    "Uzhhorod": (48.6242, 22.2947, "UKR"),
    "Lutsk": (50.75932, 25.34244, "UKR"),
    "Sevastopol": (44.58883, 33.5224, "UKR"),
    "Simferopol": (44.95719, 34.11079, "UKR"),
    "Rzeszow": (50.04132, 21.99901, "POL"),
    "Przewodow": (50.474, 23.926, "POL"),
    "Lublin": (51.25, 22.56667, "POL"),
    "Chisinau": (47.00556, 28.8575, "MDA"),
    "Brest": (52.09755, 23.68775, "BLR"),
    "Suceava": (47.63333, 26.25, "ROU"),
    "Kosice": (48.71395, 21.25808, "SVK"),
    "Nyiregyhaza": (47.95539, 21.71671, "HUN"),
}
