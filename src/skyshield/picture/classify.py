"""Track classification: drone / cruise missile / aircraft / unknown from speed and altitude.

Each track carries smoothed features (speed and altitude, exponential moving averages of the
filtered state at each update). Fuzzy trapezoid memberships per class give the class with
the largest membership and a confidence = membership x (1 - exp(-updates / 4)), so a young
track is never confidently classified. A decoy flies like a drone and is called a drone.
Class indices follow `ThreatClass` order (docs/contracts.md): drone, decoy, cruise_missile,
ballistic, aircraft, unknown.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["AIRCRAFT", "CRUISE_MISSILE", "DRONE", "UNKNOWN", "SpeedAltitudeClassifier"]

DRONE, DECOY, CRUISE_MISSILE, BALLISTIC, AIRCRAFT, UNKNOWN = range(6)


def _trap(v: np.ndarray, a: float, b: float, c: float, d: float) -> np.ndarray:
    """Trapezoid membership: 0 below a, 1 on [b, c], 0 above d."""
    up = np.clip((v - a) / max(b - a, 1e-9), 0.0, 1.0)
    down = np.clip((d - v) / max(d - c, 1e-9), 0.0, 1.0)
    return np.minimum(up, down)


@dataclass(frozen=True)
class SpeedAltitudeClassifier:
    """Speed/altitude fuzzy classifier with a confidence growing with the update count."""

    smoothing: float = 0.3  # EMA weight of the newest sample [-]
    min_membership: float = 0.5  # below this the class is unknown [-]

    def update_features(
        self, speed: np.ndarray, alt: np.ndarray, n: np.ndarray, x: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """New (speed EMA, altitude EMA, sample count) after updated states x (N,6)."""
        v = np.linalg.norm(x[:, 3:6], axis=1)
        w = np.maximum(1.0 / (n + 1.0), self.smoothing)
        return speed + w * (v - speed), alt + w * (x[:, 2] - alt), n + 1

    def classify(
        self, speed: np.ndarray, alt: np.ndarray, n: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(class index, confidence) per track from its smoothed features."""
        m = np.stack(
            [
                _trap(speed, 15, 25, 70, 95) * _trap(alt, -1e9, -1e9, 3500, 5000),
                _trap(speed, 140, 180, 300, 340) * _trap(alt, -1e9, -1e9, 1200, 2500),
                np.maximum(
                    _trap(speed, 110, 160, 1e9, 1e9) * _trap(alt, 1500, 3000, 1e9, 1e9),
                    _trap(speed, 320, 380, 1e9, 1e9),
                ),
            ],
            axis=1,
        )
        best = np.argmax(m, axis=1)
        memb = m[np.arange(m.shape[0]), best]
        cls = np.array([DRONE, CRUISE_MISSILE, AIRCRAFT])[best]
        unknown = memb < self.min_membership
        cls = np.where(unknown, UNKNOWN, cls)
        growth = 1.0 - np.exp(-np.asarray(n, dtype=float) / 4.0)
        conf = np.where(unknown, 1.0 - memb, memb) * growth
        return cls.astype(np.int64), conf
