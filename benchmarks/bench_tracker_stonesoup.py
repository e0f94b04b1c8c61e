"""skyshield tracker against Stone Soup's GNN tracker on the very same plots.

Both trackers get identical plots (our `RadarNet`: 4 ground radars, 10 s scans, staggered,
clutter) of a straight-flying raid; both are scored on their confirmed tracks predicted to
the same evaluation times. Stone Soup runs the reference pipeline:
CombinedLinearGaussianTransitionModel of ConstantVelocity, KalmanPredictor / KalmanUpdater,
DistanceHypothesiser with Mahalanobis, GNNWith2DAssignment, MultiMeasurementInitiator and
UpdateTimeDeleter.

Scores. Mean GOSPA (c, p, alpha = 2) over all targets is dominated by the targets neither
tracker holds (each costs c^p/2 whatever the tracker does), so it barely discriminates.
The localisation score therefore compares like with like: per evaluation time, GOSPA's
optimal assignment of truths to each tracker's tracks; a truth is *held* by a tracker when
it is assigned closer than c; over the truths held by *both* trackers at that time, the RMS
of the assigned distances (GOSPA's localisation component per held target). Goal of
issue 13: ours <= Stone Soup's + 5 %, at >= 100x its speed.

Timing. CPU time (`time.process_time`) of each tracker's whole run (ingest every scan,
build the picture at every evaluation time), interleaved (ours CV, ours IMM, Stone Soup,
ours CV, ...) over `--reps` repetitions (default 3); the spread is min-max.

Stone Soup's plain GNNWith2DAssignment hypothesises every track against every detection
(about 0.5 ms per pair here), i.e. ~1 min per scan at 500 targets; so by default its
hypotheses are limited to the 6 nearest detections of each track by a k-d tree, as ours
(Stone Soup's own DetectionKDTreeGNN2D would do this but refuses per-detection measurement
models). Same GNNWith2DAssignment, same gate. `--plain` runs the plain associator instead
(use with about 100 targets).

Also prints track continuity (label switches, track numbers never assigned to a truth, GOSPA
false estimates per evaluation) and VERDICT lines.

Run: `python benchmarks/bench_tracker_stonesoup.py [n_targets] [duration_s] [--plain]
[--reps N]` (default 500 targets, 120 s; a few minutes of CPU, nearly all of it Stone Soup).
"""

from __future__ import annotations

import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from bench_tracker_scale import Raid, make_raid  # noqa: E402

from skyshield.picture.metrics import TrackingMetrics, evaluate, gospa  # noqa: E402
from skyshield.picture.tracker import Tracker, TrackerConfig  # noqa: E402

try:
    from skyshield.contracts import Plots
except ImportError:  # revisions before the decision-core split (issue 9)
    from skyshield.world.plots import Plots
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
            t0 = time.process_time()
            trk.ingest(sel, float(scan_t[k]))
            spent += time.process_time() - t0
            k += 1
        t0 = time.process_time()
        pic = trk.picture(float(te), confirmed_only=True)
        spent += time.process_time() - t0
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
            t0 = time.process_time()
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
            spent += time.process_time() - t0
            k += 1
        t0 = time.process_time()
        pos, num = [], []
        for track in tracks:
            st = track.state
            dt = te - (st.timestamp - epoch).total_seconds()
            sv = np.asarray(st.state_vector, dtype=float).ravel()
            pos.append(sv[[0, 2, 4]] + dt * sv[[1, 3, 5]])
            num.append(numbers.setdefault(track.id, len(numbers) + 1))
        spent += time.process_time() - t0
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


def held(raid: Raid, eval_t: np.ndarray, est: list, t_from: float) -> list[dict[int, float]]:
    """Per evaluation time after t_from: {truth: distance} of the truths GOSPA assigns closer
    than c to one of the tracker's tracks (the truths the tracker holds)."""
    out = []
    for t, (_, xyz) in zip(eval_t, est, strict=True):
        if t < t_from:
            continue
        truth = raid.at(t)
        g = gospa(truth, xyz, C, P)
        d = np.linalg.norm(truth[g.truth_index] - xyz[g.estimate_index], axis=1)
        out.append(dict(zip(g.truth_index.tolist(), d.tolist(), strict=True)))
    return out


def common_rms(a: list[dict[int, float]], b: list[dict[int, float]]) -> tuple[float, float, int]:
    """RMS assigned distance of each tracker over the truths both hold; pair count."""
    da, db = [], []
    for ha, hb in zip(a, b, strict=True):
        for tid in ha.keys() & hb.keys():
            da.append(ha[tid])
            db.append(hb[tid])
    rms = lambda v: float(np.sqrt(np.mean(np.square(v)))) if v else float("nan")  # noqa: E731
    return rms(da), rms(db), len(da)


def main() -> None:
    """Run both trackers interleaved and print scores, continuity, CPU times and verdicts."""
    argv = sys.argv[1:]
    reps = 3
    if "--reps" in argv:
        reps = int(argv[argv.index("--reps") + 1])
        del argv[argv.index("--reps") : argv.index("--reps") + 2]
    args = [a for a in argv if not a.startswith("--")]
    plain = "--plain" in argv
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
        f"scored from t={t_from:.0f} s; CPU times over {reps} interleaved repetitions"
    )
    cv = TrackerConfig(filter="cv", q_cv=Q, q_vertical=Q, init_vel_sigma=VEL_SIGMA)
    runs = {
        "skyshield CV": lambda: run_ours(plots, eval_t, cv),
        "skyshield IMM": lambda: run_ours(plots, eval_t, TrackerConfig()),
        "Stone Soup": lambda: run_stonesoup(plots, eval_t, kdtree=not plain),
    }
    run_ours(plots, eval_t, cv)  # warm-up: compiled kernels loaded, caches filled
    est: dict[str, list] = {}
    cpu: dict[str, list[float]] = {k: [] for k in runs}
    for _ in range(reps):
        for label, fn in runs.items():  # interleaved: CV, IMM, Stone Soup, CV, ...
            est[label], spent = fn()
            cpu[label].append(spent)
    med = {k: float(np.median(v)) for k, v in cpu.items()}
    m = {k: score(raid, eval_t, e, t_from) for k, e in est.items()}
    h = {k: held(raid, eval_t, e, t_from) for k, e in est.items()}
    ss = "Stone Soup"
    name = "Stone Soup GNN2D" if plain else "Stone Soup GNN2D+kd"
    print(
        f"{'tracker':<21}{'mean GOSPA [m]':>15}{'held/scan':>10}{'false/scan':>11}"
        f"{'switches':>9}{'false trk':>10}{'CPU [s]':>9}{'spread':>15}{'speed-up':>9}"
    )
    for label in runs:
        mm = m[label]
        false_per_scan = float(np.mean(mm.gospa.false)) / (C**P / 2)
        spread = f"{min(cpu[label]):.3f}-{max(cpu[label]):.3f}"
        print(
            f"{(name if label == ss else label):<21}{mm.gospa.mean:15.1f}"
            f"{np.mean([len(x) for x in h[label]]):10.1f}{false_per_scan:11.2f}"
            f"{mm.label_switches:9d}{mm.false_tracks:10d}{med[label]:9.3f}{spread:>15}"
            f"{med[ss] / med[label]:9.1f}"
        )
    ok = True
    for label in ("skyshield CV", "skyshield IMM"):
        ours, theirs, k = common_rms(h[label], h[ss])
        ratio, speed = ours / theirs, med[ss] / med[label]
        lo = min(cpu[ss]) / max(cpu[label])
        good = ratio <= 1.05 and speed >= 100.0
        ok &= good
        print(
            f"VERDICT {label[10:]}: localisation RMS on {k} truth-times both hold: "
            f"{ours:.1f} m vs Stone Soup {theirs:.1f} m, ratio {ratio:.3f} (goal <= 1.05); "
            f"speed {speed:.0f}x (worst pair {lo:.0f}x; goal >= 100x): "
            f"{'PASS' if good else 'FAIL'}"
        )
    m_cv, m_imm = m["skyshield CV"], m["skyshield IMM"]
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
