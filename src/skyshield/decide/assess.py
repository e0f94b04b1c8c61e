"""Threat assessment: how much each track is worth engaging.

The baseline values a track by its class (a cruise missile carries far more harm than a
drone, a drone more than a decoy). Later stages add where it is heading and how soon.
"""

from __future__ import annotations

import numpy as np

from skyshield.model.library import ThreatClass

#: Notional value of engaging one track of each class, by ThreatClass code.
CLASS_VALUE = np.array(
    [
        {
            ThreatClass.drone: 3.0,
            ThreatClass.decoy: 1.0,
            ThreatClass.cruise_missile: 10.0,
            ThreatClass.ballistic: 0.0,
            ThreatClass.aircraft: 0.0,
            ThreatClass.unknown: 2.0,
        }[c]
        for c in ThreatClass
    ]
)


def threat_value(cls: np.ndarray) -> np.ndarray:
    """Value of engaging each track, from its class."""
    return CLASS_VALUE[cls]
