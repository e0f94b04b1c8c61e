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

Also prints track continuity (label switches, track numbers never assigned to a truth, GOSPA
false estimates per evaluation) and ends with VERDICT lines: GOSPA ratio ours/Stone Soup
(goal <= 1.05), speed ratio (goal >= 20x), and the IMM's continuity against our CV.

Run: `python benchmarks/bench_tracker_stonesoup.py [n_targets] [duration_s] [--plain]`
(default 500 targets, 120 s; about 1.5 min, nearly all of it Stone Soup).
"""

from __future__ import annotations

import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from bench_tracker_scale import Raid, make_raid  # noqa: E402

from skyshield.contracts import Plots  # noqa: E402
from skyshield.picture.metrics import TrackingMetrics, evaluate  # noqa: E402
from skyshield.picture.tracker import Tracker, TrackerConfig  # noqa: E402
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
    """Our tracker fed scan by scan; (numbers, positions) of confirmed tracks at eval times."""
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
        out.append((pic.number, pic.x[:, :3]))
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
    numbers: dict[str, int] = {}  # Stone Soup track id -> track number for the metrics
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
        pos, num = [], []
        for track in tracks:
            st = track.state
            dt = te - (st.timestamp - epoch).total_seconds()
            sv = np.asarray(st.state_vector, dtype=float).ravel()
            pos.append(sv[[0, 2, 4]] + dt * sv[[1, 3, 5]])
            num.append(numbers.setdefault(track.id, len(numbers) + 1))
        spent += time.perf_counter() - t0
        out.append((np.array(num, dtype=np.int64), np.array(pos).reshape(-1, 3)))
    return out, spent


def score(raid: Raid, eval_t: np.ndarray, est: list, t_from: float) -> TrackingMetrics:
    """GOSPA and continuity (label switches, false tracks) over eval times after t_from."""
    keep = eval_t >= t_from
    n = raid.xyz0.shape[0]
    tt = np.repeat(eval_t[keep], n)
    tid = np.tile(np.arange(n), int(keep.sum()))
    tx = np.concatenate([raid.at(t) for t in eval_t[keep]])
    sel = [(t, e) for e, t in zip(est, eval_t, strict=True) if t >= t_from]
    et = np.concatenate([np.full(len(e[0]), t) for t, e in sel] + [np.zeros(0)])
    en = np.concatenate([e[0] for _, e in sel] + [np.zeros(0, np.int64)])
    ex = np.concatenate([e[1] for _, e in sel] + [np.zeros((0, 3))])
    return evaluate(tt, tid, tx, et, en, ex, C, P)


def main() -> None:
    """Run both trackers and print GOSPA, continuity, speed and the verdict."""
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
    m_cv, m_imm, m_ss = (score(raid, eval_t, e, t_from) for e in (ours_cv, ours_imm, ss))
    name = "Stone Soup GNN2D" if plain else "Stone Soup GNN2D+kd"
    print(
        f"{'tracker':<21}{'mean GOSPA [m]':>15}{'false/scan':>11}{'switches':>9}"
        f"{'false trk':>10}{'run time [s]':>13}{'speed-up':>9}"
    )
    for label, m, s in (
        (name, m_ss, s_ss),
        ("skyshield CV", m_cv, s_cv),
        ("skyshield IMM", m_imm, s_imm),
    ):
        false_per_scan = float(np.mean(m.gospa.false)) / (C**P / 2)
        print(
            f"{label:<21}{m.gospa.mean:15.1f}{false_per_scan:11.2f}{m.label_switches:9d}"
            f"{m.false_tracks:10d}{s:13.2f}{s_ss / s:9.1f}"
        )
    ok = True
    for label, m, s in (("CV", m_cv, s_cv), ("IMM", m_imm, s_imm)):
        g_ratio, speed = m.gospa.mean / m_ss.gospa.mean, s_ss / s
        good = g_ratio <= 1.05 and speed >= 20.0
        ok &= good
        print(
            f"VERDICT {label}: GOSPA ours/Stone Soup = {g_ratio:.3f} (goal <= 1.05), "
            f"speed = {speed:.0f}x (goal >= 20x): {'PASS' if good else 'FAIL'}"
        )
    imm_cont = (m_imm.label_switches <= m_cv.label_switches) and (
        np.mean(m_imm.gospa.false) <= np.mean(m_cv.gospa.false)
    )
    print(
        f"VERDICT IMM continuity: switches {m_imm.label_switches} vs CV {m_cv.label_switches}, "
        f"false/scan {np.mean(m_imm.gospa.false) / (C**P / 2):.2f} vs CV "
        f"{np.mean(m_cv.gospa.false) / (C**P / 2):.2f} (goal: <= CV): "
        f"{'PASS' if imm_cont else 'FAIL'}"
    )
    print(f"VERDICT overall: {'PASS' if ok and imm_cont else 'FAIL'}")


if __name__ == "__main__":
    main()
