"""skyshield tracker against Stone Soup's GNN tracker on the very same plots.

Both trackers get identical plots (our `RadarNet`: 4 ground radars, 10 s scans, staggered,
clutter) of a straight-flying raid; both are scored with the same GOSPA (c, p) on their
confirmed tracks predicted to the same evaluation times. Stone Soup runs the reference
pipeline: CombinedLinearGaussianTransitionModel of ConstantVelocity, KalmanPredictor /
KalmanUpdater, DistanceHypothesiser with Mahalanobis, GNNWith2DAssignment,
MultiMeasurementInitiator and UpdateTimeDeleter. Prints mean GOSPA and the speed ratio.

Stone Soup's plain GNNWith2DAssignment hypothesises every track against every detection
(about 0.5 ms per pair here), i.e. ~1 min per scan at 500 targets; so by default its
hypotheses are limited to the 6 nearest detections of each track by a k-d tree, as ours
(Stone Soup's own DetectionKDTreeGNN2D would do this but refuses per-detection measurement
models). Same GNNWith2DAssignment, same gate. `--plain` runs the plain associator instead (use with
about 100 targets).

Run: `python benchmarks/bench_tracker_stonesoup.py [n_targets] [duration_s] [--plain]`
(default 500 targets, 120 s).
"""

from __future__ import annotations

import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from bench_tracker_scale import Raid, make_raid  # noqa: E402

from skyshield.picture.metrics import gospa_series  # noqa: E402
from skyshield.picture.tracker import Tracker, TrackerConfig  # noqa: E402
from skyshield.world.plots import Plots  # noqa: E402
from skyshield.world.radars import RadarNet, RadarSpec  # noqa: E402

C, P = 10_000.0, 2.0  # GOSPA cut-off [m] and order
EVAL_DT = 10.0  # evaluation period [s]
Q = 0.5  # white-acceleration density used by both CV models [m²/s³]
VEL_SIGMA = (150.0, 150.0, 15.0)  # initial velocity standard deviation, both trackers [m/s]


def radars() -> RadarNet:
    """Four ground radars around a 400 km box, 10 s scans at staggered phases, clutter."""
    sites = [(-150e3, -150e3), (150e3, -150e3), (150e3, 150e3), (-150e3, 150e3)]
    return RadarNet.from_specs(
        [
            RadarSpec(
                name=f"R{i}",
                position=(x, y, 300.0),
                antenna_height=50.0,
                max_range=450e3,
                scan_period=10.0,
                phase=2.5 * i,
                ref_range=600e3,
                false_alarms=10.0,
            )
            for i, (x, y) in enumerate(sites)
        ]
    )


def make_plots(raid: Raid, t_end: float, rng: np.random.Generator) -> Plots:
    """All plots of the run, one scan stamped at one time per radar."""
    net = radars()
    ids = np.arange(raid.xyz0.shape[0])
    parts = [
        net.scan(float(t), raid.at(t), raid.rcs, ids, rng, truth_vel=raid.vel)
        for t in np.arange(1.0, t_end + 1e-9, 1.0)
    ]
    return Plots.concat(parts).sorted()


def run_ours(plots: Plots, eval_t: np.ndarray, cfg: TrackerConfig) -> tuple[list, float]:
    """Our tracker fed scan by scan; returns confirmed positions at eval times and run time."""
    trk = Tracker(cfg)
    out, spent = [], 0.0
    scan_t = np.unique(plots.t)
    k = 0
    for te in eval_t:
        while k < scan_t.size and scan_t[k] <= te:
            sel = plots.select(plots.t == scan_t[k])
            t0 = time.perf_counter()
            trk.update(sel, float(scan_t[k]))
            spent += time.perf_counter() - t0
            k += 1
        t0 = time.perf_counter()
        pic = trk.picture(float(te)).confirmed_only()
        spent += time.perf_counter() - t0
        out.append(pic.x[:, :3])
    return out, spent


def run_stonesoup(plots: Plots, eval_t: np.ndarray, kdtree: bool = True) -> tuple[list, float]:
    """Stone Soup's GNN tracker on the same scans; confirmed positions at eval times.

    With `kdtree` the associator is Stone Soup's own DetectionKDTreeGNN2D (GNNWith2DAssignment
    after a k-d tree pre-selection of 6 detections per track); without it the plain
    GNNWith2DAssignment tests every track against every detection (N x M, very slow).
    """
    from stonesoup.dataassociator.neighbour import GNNWith2DAssignment
    from stonesoup.deleter.time import UpdateTimeDeleter
    from stonesoup.hypothesiser.distance import DistanceHypothesiser
    from stonesoup.initiator.simple import MultiMeasurementInitiator
    from stonesoup.measures import Mahalanobis
    from stonesoup.models.measurement.linear import LinearGaussian
    from stonesoup.models.transition.linear import (
        CombinedLinearGaussianTransitionModel,
        ConstantVelocity,
    )
    from stonesoup.predictor.kalman import KalmanPredictor
    from stonesoup.types.detection import Detection
    from stonesoup.types.state import GaussianState
    from stonesoup.updater.kalman import KalmanUpdater

    epoch = datetime(2024, 1, 1)
    mapping = (0, 2, 4)  # Stone Soup orders the state [x, vx, y, vy, z, vz]
    transition = CombinedLinearGaussianTransitionModel([ConstantVelocity(Q)] * 3)
    base_mm = LinearGaussian(ndim_state=6, mapping=mapping, noise_covar=np.eye(3) * 1e4)
    predictor = KalmanPredictor(transition)
    updater = KalmanUpdater(base_mm)
    gate = 21.1  # chi-square 3 dof, 0.9999 — the same gate as ours
    hyp = DistanceHypothesiser(
        predictor, updater, measure=Mahalanobis(), missed_distance=np.sqrt(gate)
    )

    from scipy.spatial import cKDTree

    class KDTreeGNNWith2DAssignment(GNNWith2DAssignment):
        """GNNWith2DAssignment hypothesising each track against its 6 nearest detections.

        Stone Soup's DetectionKDTreeGNN2D refuses detections with their own measurement
        models (our plots each carry their R), so the same pre-selection is done here.
        """

        def generate_hypotheses(self, tracks, detections, timestamp, **kwargs):
            dets = list(detections)
            if not dets or not tracks:
                return {t: self.hypothesiser.hypothesise(t, set(), timestamp) for t in tracks}
            tree = cKDTree(np.array([np.ravel(d.state_vector) for d in dets], dtype=float))
            out = {}
            for track in tracks:
                st = track.state
                dt = (timestamp - st.timestamp).total_seconds()
                sv = np.asarray(st.state_vector, dtype=float).ravel()
                _, idx = tree.query(sv[[0, 2, 4]] + dt * sv[[1, 3, 5]], k=min(6, len(dets)))
                near = {dets[i] for i in np.atleast_1d(idx)}
                out[track] = self.hypothesiser.hypothesise(track, near, timestamp, **kwargs)
            return out

    def associator(h: DistanceHypothesiser) -> GNNWith2DAssignment:
        return KDTreeGNNWith2DAssignment(h) if kdtree else GNNWith2DAssignment(h)

    assoc = associator(hyp)
    prior = GaussianState(
        np.zeros((6, 1)),
        np.diag([0.0, VEL_SIGMA[0] ** 2, 0.0, VEL_SIGMA[1] ** 2, 0.0, VEL_SIGMA[2] ** 2]),
    )
    init_assoc = associator(
        DistanceHypothesiser(
            predictor, updater, measure=Mahalanobis(), missed_distance=np.sqrt(gate)
        )
    )
    initiator = MultiMeasurementInitiator(
        prior_state=prior,
        deleter=UpdateTimeDeleter(timedelta(seconds=25)),
        data_associator=init_assoc,
        updater=updater,
        measurement_model=base_mm,
        min_points=3,
    )
    deleter = UpdateTimeDeleter(timedelta(seconds=45))

    scan_t = np.unique(plots.t)
    tracks: set = set()
    out, spent = [], 0.0
    k = 0
    for te in eval_t:
        while k < scan_t.size and scan_t[k] <= te:
            sel = plots.select(plots.t == scan_t[k])
            ts = epoch + timedelta(seconds=float(scan_t[k]))
            t0 = time.perf_counter()
            dets = {
                Detection(
                    z.reshape(3, 1), timestamp=ts, measurement_model=LinearGaussian(6, mapping, R)
                )
                for z, R in zip(sel.z, sel.R, strict=True)
            }
            hyps = assoc.associate(tracks, dets, ts)
            used = set()
            for track in tracks:
                h = hyps[track]
                if h:
                    track.append(updater.update(h))
                    used.add(h.measurement)
                else:
                    track.append(h.prediction)
            tracks -= deleter.delete_tracks(tracks)
            tracks |= initiator.initiate(dets - used, ts)
            spent += time.perf_counter() - t0
            k += 1
        t0 = time.perf_counter()
        pos = []
        for track in tracks:
            st = track.state
            dt = te - (st.timestamp - epoch).total_seconds()
            sv = np.asarray(st.state_vector, dtype=float).ravel()
            pos.append(sv[[0, 2, 4]] + dt * sv[[1, 3, 5]])
        spent += time.perf_counter() - t0
        out.append(np.array(pos).reshape(-1, 3))
    return out, spent


def score(raid: Raid, eval_t: np.ndarray, est: list, t_from: float) -> float:
    """Mean GOSPA over evaluation times after t_from (once the picture has formed)."""
    keep = eval_t >= t_from
    n = raid.xyz0.shape[0]
    tt = np.repeat(eval_t[keep], n)
    tx = np.concatenate([raid.at(t) for t in eval_t[keep]])
    et = np.concatenate(
        [np.full(len(e), t) for e, t in zip(est, eval_t, strict=True) if t >= t_from]
        + [np.zeros(0)]
    )
    ex = np.concatenate(
        [e for e, t in zip(est, eval_t, strict=True) if t >= t_from] + [np.zeros((0, 3))]
    )
    return gospa_series(tt, tx, et, ex, C, P).mean


def main() -> None:
    """Run both trackers and print GOSPA and speed."""
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    plain = "--plain" in sys.argv
    n = int(args[0]) if args else 500
    t_end = float(args[1]) if len(args) > 1 else 120.0
    rng = np.random.default_rng(7)
    raid = make_raid(n, rng, half_width=200_000.0)
    plots = make_plots(raid, t_end, rng)
    eval_t = np.arange(EVAL_DT, t_end + 1e-9, EVAL_DT)
    t_from = 60.0
    print(
        f"{n} targets, {len(plots)} plots ({np.sum(plots.truth_id < 0)} false), "
        f"{np.unique(plots.t).size} scans, GOSPA c={C:.0f} m p={P:.0f} alpha=2, "
        f"scored from t={t_from:.0f} s"
    )
    cv = TrackerConfig(filter="cv", q_cv=Q, q_vertical=Q, init_vel_sigma=VEL_SIGMA)
    ours_cv, s_cv = run_ours(plots, eval_t, cv)
    ours_imm, s_imm = run_ours(plots, eval_t, TrackerConfig())
    ss, s_ss = run_stonesoup(plots, eval_t, kdtree=not plain)
    g_cv, g_imm, g_ss = (score(raid, eval_t, e, t_from) for e in (ours_cv, ours_imm, ss))
    print(f"{'tracker':<22}{'mean GOSPA [m]':>16}{'run time [s]':>14}{'speed-up':>10}")
    name = "Stone Soup GNN2D" if plain else "Stone Soup GNN2D+kd"
    print(f"{name:<22}{g_ss:16.1f}{s_ss:14.2f}{1.0:10.1f}")
    print(f"{'skyshield CV':<22}{g_cv:16.1f}{s_cv:14.2f}{s_ss / s_cv:10.1f}")
    print(f"{'skyshield IMM':<22}{g_imm:16.1f}{s_imm:14.2f}{s_ss / s_imm:10.1f}")
    print(
        f"GOSPA ratio ours(CV)/Stone Soup = {g_cv / g_ss:.3f} (goal <= 1.05); "
        f"speed ratio = {s_ss / s_cv:.0f}x (goal >= 20x)"
    )


if __name__ == "__main__":
    main()
