"""Radars: ground and airborne early-warning sensors that turn truth into `Plots`.

Everything runs in theatre-frame metres (x east, y north, z altitude). A `RadarNet` holds all
radars as parallel arrays and scans every target with every radar in one vectorised pass:

- line of sight over the 4/3-Earth radar horizon,
  ``g_max = sqrt(2 k Re h_radar) + sqrt(2 k Re h_target)`` (ground range, k = 4/3);
- Swerling-I probability of detection ``Pd = Pfa ** (1 / (1 + SNR))`` with
  ``SNR = SNR_ref * rcs * (r_ref / r) ** 4``, ``SNR_ref`` set so that a 1 m² target at
  ``r_ref`` is seen with ``pd_ref`` (0.9 by default);
- range / azimuth / elevation noise, converted to a Cartesian covariance (linearised at the
  measured point, as a real plot extractor would do);
- false alarms uniformly inside the coverage disc at a declared mean count per scan.

The flat theatre frame is used for geometry; Earth curvature enters only through the horizon.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np

from skyshield.contracts import Plots

__all__ = [
    "EARTH_RADIUS",
    "K_FACTOR",
    "RCS_M2",
    "RadarNet",
    "RadarSpec",
    "RcsClass",
    "horizon_range",
    "swerling1_pd",
]

EARTH_RADIUS = 6_371_000.0  # mean Earth radius [m]
K_FACTOR = 4.0 / 3.0  # standard-atmosphere refraction factor [-]


class RcsClass(IntEnum):
    """Radar cross-section class of a truth target (index into `RCS_M2`)."""

    DRONE = 0
    DECOY = 1
    CRUISE_MISSILE = 2
    AIRCRAFT = 3


# Notional, public-order-of-magnitude frontal RCS per class [m²].
RCS_M2 = np.array([0.1, 0.07, 0.05, 5.0])


class Orbit(IntEnum):
    """How a radar moves: fixed on the ground, or flying a racetrack (circle when leg = 0)."""

    FIXED = 0
    RACETRACK = 1


def horizon_range(h_radar: np.ndarray | float, h_target: np.ndarray | float) -> np.ndarray:
    """Maximum ground range [m] of line of sight over the 4/3-Earth (heights in m, >= 0)."""
    kre2 = 2.0 * K_FACTOR * EARTH_RADIUS
    hr = np.maximum(np.asarray(h_radar, dtype=float), 0.0)
    ht = np.maximum(np.asarray(h_target, dtype=float), 0.0)
    return np.sqrt(kre2 * hr) + np.sqrt(kre2 * ht)


def swerling1_pd(
    r: np.ndarray, rcs: np.ndarray, r_ref: np.ndarray, pd_ref: float = 0.9, pfa: float = 1e-6
) -> np.ndarray:
    """Swerling-I Pd at slant range r [m] for cross-section rcs [m²]; Pd(r_ref, 1 m²) = pd_ref."""
    snr_ref = np.log(pfa) / np.log(pd_ref) - 1.0
    snr = snr_ref * rcs * (r_ref / np.maximum(r, 1.0)) ** 4
    return pfa ** (1.0 / (1.0 + snr))


@dataclass(frozen=True)
class RadarSpec:
    """Plain parameters of one radar (SI units); a list of these builds a `RadarNet`."""

    name: str = "radar"
    position: tuple[float, float, float] = (0.0, 0.0, 0.0)  # site xyz / orbit centre [m]
    antenna_height: float = 10.0  # antenna above `position` z (ground radars) [m]
    max_range: float = 400_000.0  # instrumented range [m]
    scan_period: float = 10.0  # rotation period [s]
    phase: float = 0.0  # time of the first scan [s]
    sigma_range: float = 100.0  # range noise 1-sigma [m]
    sigma_azimuth: float = np.deg2rad(0.3)  # azimuth noise 1-sigma [rad]
    sigma_elevation: float = np.deg2rad(0.25)  # elevation noise 1-sigma [rad]
    ref_range: float = 250_000.0  # range where a 1 m² target has Pd = pd_ref [m]
    pd_ref: float = 0.9  # Pd at ref_range for 1 m² [-]
    pfa: float = 1e-6  # per-cell false-alarm probability of the Swerling model [-]
    false_alarms: float = 2.0  # mean number of false plots per scan inside coverage [-]
    false_alarm_ceiling: float = 12_000.0  # false plots drawn at altitudes 0..ceiling [m]
    min_reported_alt: float = -400.0  # the plot extractor floors reported altitude here [m]
    airborne: bool = False  # True: an AEW aircraft on an orbit
    orbit_speed: float = 0.0  # airborne ground speed [m/s]
    orbit_radius: float = 0.0  # turn radius of the racetrack ends [m]
    orbit_leg: float = 0.0  # straight leg length of the racetrack, 0 = circle [m]
    orbit_heading: float = 0.0  # direction of the legs, clockwise from north [rad]


@dataclass
class RadarNet:
    """All radars as parallel arrays; `scan()` samples plots of every due radar at once."""

    pos0: np.ndarray  # site / orbit centre xyz [m]
    antenna_height: np.ndarray  # antenna above site [m]
    max_range: np.ndarray  # instrumented range [m]
    scan_period: np.ndarray  # [s]
    phase: np.ndarray  # first scan time [s]
    sigma_range: np.ndarray  # [m]
    sigma_azimuth: np.ndarray  # [rad]
    sigma_elevation: np.ndarray  # [rad]
    ref_range: np.ndarray  # [m]
    pd_ref: np.ndarray  # [-]
    pfa: np.ndarray  # [-]
    false_alarms: np.ndarray  # mean false plots per scan [-]
    false_alarm_ceiling: np.ndarray  # [m]
    min_reported_alt: np.ndarray  # [m]
    orbit: np.ndarray  # Orbit enum [-]
    orbit_speed: np.ndarray  # [m/s]
    orbit_radius: np.ndarray  # [m]
    orbit_leg: np.ndarray  # [m]
    orbit_heading: np.ndarray  # [rad]
    names: list[str] = field(default_factory=list)
    rcs_m2: np.ndarray = field(default_factory=lambda: RCS_M2.copy())  # per RcsClass [m²]
    t_last_: float = -np.inf  # time of the previous scan() call [s] (derived state)
    # derived state, computed on first use (the arrays above do not change after that):
    fixed_xyz_: np.ndarray | None = field(default=None, repr=False)  # antennas, (R,3) [m]
    moving_: np.ndarray | None = field(default=None, repr=False)  # radars that move [bool]
    phase_list_: tuple | None = field(default=None, repr=False)  # phases, periods as lists
    last_times_: tuple | None = field(default=None, repr=False)  # last scan_times() call

    @classmethod
    def from_specs(cls, specs: Sequence[RadarSpec], rcs_m2: np.ndarray | None = None) -> RadarNet:
        """Stack a list of `RadarSpec` into arrays."""

        def col(name: str) -> np.ndarray:
            return np.array([getattr(s, name) for s in specs], dtype=float)

        return cls(
            pos0=np.array([s.position for s in specs], dtype=float).reshape(-1, 3),
            antenna_height=np.where([s.airborne for s in specs], 0.0, col("antenna_height")).astype(
                float
            ),
            max_range=col("max_range"),
            scan_period=col("scan_period"),
            phase=col("phase"),
            sigma_range=col("sigma_range"),
            sigma_azimuth=col("sigma_azimuth"),
            sigma_elevation=col("sigma_elevation"),
            ref_range=col("ref_range"),
            pd_ref=col("pd_ref"),
            pfa=col("pfa"),
            false_alarms=col("false_alarms"),
            false_alarm_ceiling=col("false_alarm_ceiling"),
            min_reported_alt=col("min_reported_alt"),
            orbit=np.array(
                [Orbit.RACETRACK if s.airborne else Orbit.FIXED for s in specs], dtype=np.int64
            ),
            orbit_speed=col("orbit_speed"),
            orbit_radius=col("orbit_radius"),
            orbit_leg=col("orbit_leg"),
            orbit_heading=col("orbit_heading"),
            names=[s.name for s in specs],
            rcs_m2=RCS_M2.copy() if rcs_m2 is None else np.asarray(rcs_m2, dtype=float),
        )

    def __len__(self) -> int:
        """Number of radars."""
        return int(self.pos0.shape[0])

    # ------------------------------------------------------------------ geometry
    def _static(self) -> None:
        """Derive once what does not change: which radars move, the fixed antennas' xyz."""
        if self.fixed_xyz_ is not None:
            return
        perim = 2.0 * self.orbit_leg + 2.0 * np.pi * self.orbit_radius
        self.moving_ = (self.orbit == Orbit.RACETRACK) & (perim > 0) & (self.orbit_speed > 0)
        xyz = self.pos0.copy()
        xyz[:, 2] += self.antenna_height
        self.fixed_xyz_ = xyz

    def positions(self, t: np.ndarray | float, radar: np.ndarray | None = None) -> np.ndarray:
        """Antenna xyz [m] of radars (all, or `radar` indices) at times t (broadcast).

        Ground radars and radars without an orbit are at their precomputed site; only the
        airborne ones on an orbit are computed for t.
        """
        self._static()
        idx = np.arange(len(self)) if radar is None else np.asarray(radar)
        t = np.asarray(t, dtype=float)
        if t.shape != idx.shape:  # (a scan passes one time per radar: nothing to broadcast)
            t, idx = np.broadcast_arrays(t, idx)
        out = self.fixed_xyz_[idx]
        mov = self.moving_[idx]
        if mov.any():
            out[mov] = self._orbit_positions(t[mov], idx[mov])
        return out

    def _orbit_positions(self, t: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """Antenna xyz [m] of radars `idx` on their racetrack orbits at times t (same shape)."""
        L = self.orbit_leg[idx]
        rho = self.orbit_radius[idx]
        perim = 2.0 * L + 2.0 * np.pi * rho
        moving = (self.orbit[idx] == Orbit.RACETRACK) & (perim > 0) & (self.orbit_speed[idx] > 0)
        s = np.where(moving, np.mod(self.orbit_speed[idx] * t, np.where(moving, perim, 1.0)), 0.0)
        safe_rho = np.where(rho > 0, rho, 1.0)
        # local frame: u along the legs, w to the left of u
        seg1 = s < L
        seg2 = ~seg1 & (s < L + np.pi * rho)
        seg3 = ~seg1 & ~seg2 & (s < 2 * L + np.pi * rho)
        a2 = (s - L) / safe_rho
        a4 = (s - 2 * L - np.pi * rho) / safe_rho
        u = np.select(
            [seg1, seg2, seg3],
            [-L / 2 + s, L / 2 + rho * np.sin(a2), L / 2 - (s - L - np.pi * rho)],
            -L / 2 - rho * np.sin(a4),
        )
        w = np.select([seg1, seg2, seg3], [-rho, -rho * np.cos(a2), rho], rho * np.cos(a4))
        u = np.where(moving, u, 0.0)
        w = np.where(moving, w, 0.0)
        h = self.orbit_heading[idx]
        dx = u * np.sin(h) - w * np.cos(h)
        dy = u * np.cos(h) + w * np.sin(h)
        out = self.pos0[idx].copy()
        out[..., 0] += dx
        out[..., 1] += dy
        out[..., 2] += self.antenna_height[idx]
        return out

    def scan_times(self, t_prev: float, t: float) -> tuple[np.ndarray, np.ndarray]:
        """(radar index, scan time) of every scan in (t_prev, t], ordered by time.

        Scan k of a radar is at phase + k · period (k >= 0). The few radars of a scenario
        are walked in plain Python (no array work on the ticks without a scan, most of
        them); the last answer is remembered, since the engine asks twice per tick.
        """
        if self.last_times_ is not None and self.last_times_[0] == (t_prev, t):
            return self.last_times_[1]
        if len(self) > 32:
            out = self._scan_times_arrays(t_prev, t)
        else:
            if self.phase_list_ is None:
                self.phase_list_ = (self.phase.tolist(), self.scan_period.tolist())
            phases, periods = self.phase_list_
            lo_known = math.isfinite(t_prev)
            found: list[tuple[float, int]] = []
            for r, (ph, per) in enumerate(zip(phases, periods, strict=True)):
                k_hi = math.floor((t - ph) / per)
                k_lo = max(math.floor((t_prev - ph) / per), -1) if lo_known else -1
                for k in range(k_lo + 1, k_hi + 1):
                    found.append((ph + float(k) * per, r))
            if found:
                found.sort(key=lambda e: e[0])  # stable: radar order among equal times
                out = (np.array([r for _, r in found], np.int64),
                       np.array([ts for ts, _ in found]))
            else:
                out = (np.zeros(0, np.int64), np.zeros(0))
        self.last_times_ = ((t_prev, t), out)
        return out

    def _scan_times_arrays(self, t_prev: float, t: float) -> tuple[np.ndarray, np.ndarray]:
        """`scan_times` over arrays (for large networks)."""
        per = self.scan_period
        k_hi = np.floor((t - self.phase) / per)
        k_lo = (
            np.full(len(self), -1.0)
            if not np.isfinite(t_prev)
            else np.floor((t_prev - self.phase) / per)
        )
        k_lo = np.maximum(k_lo, -1.0)  # no scans before `phase`
        n = np.maximum(k_hi - k_lo, 0).astype(np.int64)
        radar = np.repeat(np.arange(len(self)), n)
        first = np.repeat(k_lo + 1, n)
        offset = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
        ts = self.phase[radar] + (first + offset) * per[radar]
        order = np.argsort(ts, kind="stable")
        return radar[order], ts[order]

    # ------------------------------------------------------------------ sensing
    def expected_pd(self, t: np.ndarray, xyz: np.ndarray, rcs_m2: np.ndarray) -> np.ndarray:
        """Pd (N, radars) of targets at xyz (N,3) with cross-sections rcs_m2 (N,) at times t (N,).

        The model's own expectation per scan: Swerling-I Pd inside the 4/3-Earth horizon and
        the instrumented range, 0 outside (for metrics and tests: what could be seen).
        """
        t = np.asarray(t, float).reshape(-1)
        xyz = np.asarray(xyz, float).reshape(-1, 3)
        radar = np.arange(len(self))
        rxyz = self.positions(t[:, None], radar[None, :])  # (N,R,3)
        d = xyz[:, None, :] - rxyz
        g = np.hypot(d[..., 0], d[..., 1])
        r = np.sqrt(g * g + d[..., 2] ** 2)
        ok = (g <= horizon_range(rxyz[..., 2], xyz[:, None, 2])) & (r <= self.max_range) & (r > 1)
        pd = _pd_per_radar(self, radar, r.T, np.asarray(rcs_m2, float).reshape(-1)).T
        return np.where(ok, pd, 0.0)

    def scan(
        self,
        t: float,
        truth_xyz: np.ndarray,
        truth_rcs_class: np.ndarray,
        truth_ids: np.ndarray,
        rng: np.random.Generator,
        t_prev: float | None = None,
        truth_vel: np.ndarray | None = None,
    ) -> Plots:
        """Plots of every radar whose scan falls in (t_prev, t] (t_prev: previous call).

        Truth is given at time t; with `truth_vel` each scan sees the target moved back to
        its own scan instant, otherwise the truth at t is used for every scan of the interval.
        """
        t_prev = self.t_last_ if t_prev is None else t_prev
        self.t_last_ = float(t)
        radar, ts = self.scan_times(t_prev, t)
        if radar.size == 0:
            return Plots.empty()
        # compiled kernels imported on the first scan: a perfect-picture run never pays
        # numba's import (0.2-0.4 s)
        from skyshield.world.radar_kernels import detect, measure

        truth_xyz = np.ascontiguousarray(truth_xyz, dtype=float).reshape(-1, 3)
        n_t = truth_xyz.shape[0]
        ids = np.asarray(truth_ids, dtype=np.int64).reshape(n_t)
        rcs = self.rcs_m2[np.asarray(truth_rcs_class, dtype=np.int64).reshape(n_t)]
        rxyz = self.positions(ts, radar)  # (E,3)
        e_idx, t_idx = np.zeros(0, np.int64), np.zeros(0, np.int64)
        if n_t:
            vel = (np.zeros((n_t, 3)) if truth_vel is None
                   else np.ascontiguousarray(truth_vel, dtype=float).reshape(n_t, 3))
            pfa = self.pfa[radar]
            snr_ref = np.log(pfa) / np.log(self.pd_ref[radar]) - 1.0
            u = rng.random((radar.size, n_t))
            e_idx, t_idx, true_rel = detect(
                float(t), ts, rxyz, self.max_range[radar], snr_ref, self.ref_range[radar], pfa,
                truth_xyz, vel, np.ascontiguousarray(rcs, dtype=float), u,
                2.0 * K_FACTOR * EARTH_RADIUS,
            )
        else:
            true_rel = np.zeros((0, 3))
        # false alarms: Poisson count per scan, uniform over the coverage disc
        n_fa = rng.poisson(self.false_alarms[radar])
        fa_e = np.repeat(np.arange(radar.size), n_fa)
        m = fa_e.size
        g_fa = self.max_range[radar][fa_e] * np.sqrt(rng.random(m))
        az_fa = rng.random(m) * 2.0 * np.pi
        alt_fa = rng.random(m) * self.false_alarm_ceiling[radar][fa_e]
        fa_rel = np.empty((m, 3))
        fa_rel[:, 0] = g_fa * np.sin(az_fa)
        fa_rel[:, 1] = g_fa * np.cos(az_fa)
        fa_rel[:, 2] = alt_fa - rxyz[fa_e, 2]
        # measure: true spherical + noise for detections, exact point for false alarms
        all_e = np.concatenate([e_idx, fa_e])
        rel = np.concatenate([true_rel, fa_rel])
        rad = radar[all_e]
        noise = rng.standard_normal((e_idx.size, 3))
        z, R = measure(rel, rxyz[all_e], noise, self.sigma_range[rad], self.sigma_azimuth[rad],
                       self.sigma_elevation[rad], self.min_reported_alt[rad])
        plots = Plots(
            t=ts[all_e],
            sensor=rad.astype(np.int64),
            z=z,
            R=R,
            truth_id=np.concatenate([ids[t_idx], np.full(m, -1, dtype=np.int64)]),
        )
        return plots.sorted()


def to_spherical(rel: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Relative xyz [m] -> (slant range [m], azimuth clockwise from north [rad], elevation
    [rad]): the radar-relative polar frame ASTERIX CAT048 reports in."""
    g = np.hypot(rel[:, 0], rel[:, 1])
    return np.hypot(g, rel[:, 2]), np.arctan2(rel[:, 0], rel[:, 1]), np.arctan2(rel[:, 2], g)


def spherical_covariance(r: np.ndarray, az: np.ndarray, el: np.ndarray, s_r: np.ndarray,
                         s_az: np.ndarray, s_el: np.ndarray) -> np.ndarray:
    """Cartesian covariance J diag(s_r², s_az², s_el²) Jᵀ of a range/az/el measurement [m²]
    (the simulated radars' compiled `radar_kernels.measure` applies the same Jacobian)."""
    ce, se, ca, sa = np.cos(el), np.sin(el), np.cos(az), np.sin(az)
    J = np.empty((r.size, 3, 3))
    J[:, 0] = np.stack([ce * sa, r * ce * ca, -r * se * sa], axis=-1)
    J[:, 1] = np.stack([ce * ca, -r * ce * sa, -r * se * ca], axis=-1)
    J[:, 2] = np.stack([se, np.zeros_like(r), r * ce], axis=-1)
    D = np.stack([s_r**2, s_az**2, s_el**2], axis=-1)
    return np.einsum("nij,nj,nkj->nik", J, D, J)


def _pd_per_radar(net: RadarNet, radar: np.ndarray, r: np.ndarray, rcs: np.ndarray) -> np.ndarray:
    """Swerling-I Pd with per-radar pd_ref and pfa (the general, slightly slower path)."""
    pfa = net.pfa[radar][:, None]
    snr_ref = np.log(pfa) / np.log(net.pd_ref[radar][:, None]) - 1.0
    snr = snr_ref * rcs[None, :] * (net.ref_range[radar][:, None] / np.maximum(r, 1.0)) ** 4
    return pfa ** (1.0 / (1.0 + snr))
