"""Tracking metrics against truth: GOSPA (alpha = 2) and track continuity.

GOSPA with cut-off c, order p and alpha = 2 (Rahmathullah, García-Fernández, Svensson 2017):

    d = ( min_assignment  sum_assigned min(d_ij, c)^p  +  c^p / 2 (#missed + #false) )^(1/p)

solved exactly per scan with `linear_sum_assignment` on the capped distance matrix (a pair
at distance >= c is the same cost as one miss plus one false track). Continuity uses the
same per-scan assignment: label switches (a truth's assigned track number changes), false
tracks (track numbers never assigned to any truth) and two delays to a truth's first
confirmed track (its first scan assigned to a track within c):

- `confirm_delay`, from the truth's *first plot*. One lucky plot far out (a Swerling
  fluctuation at Pd 0.05) can come many minutes before the target is seen regularly, so this
  delay measures the radar geometry more than the tracker;
- `track_delay`, from the start of *regular detection*: the first plot of the first window
  of `regular_window` s (60 s: six 10-s revisits) holding at least `regular_plots` plots (3:
  the fewest from which any M-of-N rule can confirm) of the truth, from any radars. This is
  the tracker's own latency. It is clipped at 0 (a track confirmed from sparser plots) and
  NaN for a truth never regularly detected or never tracked.

Truth ids live only here and in `world`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist

__all__ = ["GospaResult", "GospaScan", "TrackingMetrics", "evaluate", "gospa", "gospa_series"]


@dataclass(frozen=True)
class GospaScan:
    """GOSPA of one scan, its parts (each already raised to p), and the assignment."""

    distance: float  # GOSPA [m]
    localisation: float  # sum of d^p over assigned pairs [m^p]
    missed: float  # c^p/2 x missed truths [m^p]
    false: float  # c^p/2 x false estimates [m^p]
    truth_index: np.ndarray  # assigned truth rows
    estimate_index: np.ndarray  # assigned estimate rows


def gospa(truth: np.ndarray, estimate: np.ndarray, c: float, p: float = 2.0) -> GospaScan:
    """GOSPA (alpha=2) between truth (n,d) and estimates (m,d) positions."""
    truth = np.asarray(truth, dtype=float)
    estimate = np.asarray(estimate, dtype=float)
    n, m = truth.shape[0], estimate.shape[0]
    half = c**p / 2.0
    if n == 0 or m == 0:
        miss, fa = half * n, half * m
        e = np.zeros(0, np.int64)
        return GospaScan((miss + fa) ** (1.0 / p), 0.0, miss, fa, e, e)
    D = cdist(truth, estimate)
    rows, cols = linear_sum_assignment(np.minimum(D, c) ** p)
    ok = D[rows, cols] < c
    rows, cols = rows[ok], cols[ok]
    loc = float(np.sum(D[rows, cols] ** p))
    k = rows.size
    miss, fa = half * (n - k), half * (m - k)
    return GospaScan((loc + miss + fa) ** (1.0 / p), loc, miss, fa, rows, cols)


@dataclass(frozen=True)
class GospaResult:
    """GOSPA per scan as parallel arrays."""

    t: np.ndarray  # scan times [s]
    distance: np.ndarray  # GOSPA [m]
    localisation: np.ndarray  # [m^p]
    missed: np.ndarray  # [m^p]
    false: np.ndarray  # [m^p]

    @property
    def mean(self) -> float:
        """Mean GOSPA over the scans [m]."""
        return float(np.mean(self.distance)) if self.distance.size else 0.0


@dataclass(frozen=True)
class TrackingMetrics:
    """GOSPA series plus track continuity figures."""

    gospa: GospaResult
    label_switches: int  # total changes of assigned track number over all truths
    truth_ids: np.ndarray  # truths seen in the run
    confirm_delay: np.ndarray  # per truth: first confirmed-track time - first detection [s]
    track_delay: np.ndarray  # per truth: first confirmed-track time - regular detection [s]
    first_detection: np.ndarray  # per truth: time of its first plot [s] (inf: never)
    regular_detection: np.ndarray  # per truth: start of regular detection [s] (inf: never)
    false_tracks: int  # track numbers never assigned to a truth
    n_tracks: int  # distinct track numbers reported


def regular_start(
    det_t: np.ndarray, det_id: np.ndarray, ids: np.ndarray, k: int = 3, window: float = 60.0
) -> np.ndarray:
    """Per id in `ids` (sorted), the first plot time t0 with >= k of its plots in [t0, t0+window].

    inf for an id that never has k plots within one window.
    """
    out = np.full(ids.size, np.inf)
    m = np.isin(det_id, ids)
    t, i = det_t[m], det_id[m]
    order = np.lexsort((t, i))
    t, i = t[order], i[order]
    if t.size < k:
        return out
    j = np.arange(t.size - k + 1)
    ok = (i[j + k - 1] == i[j]) & (t[j + k - 1] - t[j] <= window)
    np.minimum.at(out, np.searchsorted(ids, i[j[ok]]), t[j[ok]])
    return out


def _groups(t: np.ndarray, grid: np.ndarray) -> list[np.ndarray]:
    """Row indices of t for each time in grid."""
    order = np.argsort(t, kind="stable")
    ts = t[order]
    lo = np.searchsorted(ts, grid, "left")
    hi = np.searchsorted(ts, grid, "right")
    return [order[a:b] for a, b in zip(lo, hi, strict=True)]


def _scan_loop(
    truth_t: np.ndarray,
    truth_xyz: np.ndarray,
    track_t: np.ndarray,
    track_xyz: np.ndarray,
    c: float,
    p: float,
) -> tuple[np.ndarray, list[GospaScan], list[np.ndarray], list[np.ndarray]]:
    """GOSPA for every scan time of truth or tracks; returns grid, scans, row groups.

    The same scans as `gospa` per time, solved together: a pair at distance >= c costs
    what a miss and a false track cost, so only the pairs closer than c matter and every
    connected component of them (over all scans at once) is an independent problem. The
    components with one truth or one track take their closest pair (`gnn_components`,
    the cost d^p against a miss of c^p); only the others go to `linear_sum_assignment`.
    At a run's hundreds of truths per scan, mostly outside every track's reach, that is
    a few small matrices instead of one dense (truths x tracks) one per scan.
    """
    from skyshield.picture.kernels import gnn_components, row_distances, scan_pairs

    grid = np.unique(np.concatenate([truth_t, track_t]))
    gt, ge = _groups(truth_t, grid), _groups(track_t, grid)
    a_off = np.zeros(grid.size + 1, np.int64)
    b_off = np.zeros(grid.size + 1, np.int64)
    a_off[1:] = np.cumsum([g.size for g in gt])
    b_off[1:] = np.cumsum([g.size for g in ge])
    a = truth_xyz[np.concatenate(gt + [np.zeros(0, np.int64)])]
    b = track_xyz[np.concatenate(ge + [np.zeros(0, np.int64)])]
    a, b = np.ascontiguousarray(a, float), np.ascontiguousarray(b, float)
    ti, tj, d = scan_pairs(a, a_off, b, b_off, float(c))
    miss = float(c) ** p
    big = 2.0 * miss + 1.0  # a pair not closer than c: never taken
    take_i, take_j, C, c_off, nt, nb, ids, id_off = gnn_components(
        ti, tj, d**p, a.shape[0], b.shape[0], miss, big)
    out_i, out_j = [take_i], [take_j]
    if nt.size:
        from scipy.optimize import linear_sum_assignment
    for q in range(nt.size):  # components of several truths and tracks: exact assignment
        n_a, n_b = int(nt[q]), int(nb[q])
        M = C[c_off[q] : c_off[q + 1]].reshape(n_a, n_b + n_a)
        rows, cols = linear_sum_assignment(M)
        hit = (cols < n_b) & (M[rows, cols] < big)
        out_i.append(ids[id_off[q] : id_off[q] + n_a][rows[hit]])
        out_j.append(ids[id_off[q] + n_a : id_off[q + 1]][cols[hit]])
    pi, pj = np.concatenate(out_i), np.concatenate(out_j)
    order = np.argsort(pi, kind="stable")  # by truth row: the order of each scan's rows
    pi, pj = pi[order], pj[order]
    pd = row_distances(a, b, pi, pj)  # the taken pairs' distances, as cdist's
    lo = np.searchsorted(pi, a_off)  # the taken pairs of each scan
    half = c**p / 2.0
    scans = []
    for s in range(grid.size):
        k0, k1 = int(lo[s]), int(lo[s + 1])
        n, m, k = int(a_off[s + 1] - a_off[s]), int(b_off[s + 1] - b_off[s]), k1 - k0
        loc = float(np.sum(pd[k0:k1] ** p)) if k else 0.0
        mi, fa = half * (n - k), half * (m - k)
        scans.append(GospaScan((loc + mi + fa) ** (1.0 / p), loc, mi, fa,
                               pi[k0:k1] - a_off[s], pj[k0:k1] - b_off[s]))
    return grid, scans, gt, ge


def gospa_series(
    truth_t: np.ndarray,
    truth_xyz: np.ndarray,
    track_t: np.ndarray,
    track_xyz: np.ndarray,
    c: float = 10_000.0,
    p: float = 2.0,
) -> GospaResult:
    """GOSPA per scan from flat rows (time, position) of truth and of tracks."""
    grid, scans, _, _ = _scan_loop(
        np.asarray(truth_t, float),
        np.asarray(truth_xyz, float),
        np.asarray(track_t, float),
        np.asarray(track_xyz, float),
        c,
        p,
    )
    return GospaResult(
        t=grid,
        distance=np.array([s.distance for s in scans]),
        localisation=np.array([s.localisation for s in scans]),
        missed=np.array([s.missed for s in scans]),
        false=np.array([s.false for s in scans]),
    )


def evaluate(
    truth_t: np.ndarray,
    truth_id: np.ndarray,
    truth_xyz: np.ndarray,
    track_t: np.ndarray,
    track_number: np.ndarray,
    track_xyz: np.ndarray,
    c: float = 10_000.0,
    p: float = 2.0,
    detection_t: np.ndarray | None = None,
    detection_truth_id: np.ndarray | None = None,
    regular_plots: int = 3,
    regular_window: float = 60.0,
) -> TrackingMetrics:
    """GOSPA and continuity from flat rows; pass confirmed tracks only for a fair picture.

    `detection_t` / `detection_truth_id` (the plots' t and truth_id) give each truth's first
    detection time and the start of its regular detection (`regular_plots` plots within
    `regular_window` s, see the module docstring); without them the truth's rows are used.
    """
    truth_t = np.asarray(truth_t, float)
    truth_id = np.asarray(truth_id, np.int64)
    track_t = np.asarray(track_t, float)
    track_number = np.asarray(track_number, np.int64)
    grid, scans, gt, ge = _scan_loop(
        truth_t, np.asarray(truth_xyz, float), track_t, np.asarray(track_xyz, float), c, p
    )
    a_t = np.concatenate(
        [np.full(s.truth_index.size, g) for g, s in zip(grid, scans, strict=True)] + [np.zeros(0)]
    )
    a_id = np.concatenate(
        [truth_id[rows[s.truth_index]] for rows, s in zip(gt, scans, strict=True)]
        + [np.zeros(0, np.int64)]
    )
    a_num = np.concatenate(
        [track_number[rows[s.estimate_index]] for rows, s in zip(ge, scans, strict=True)]
        + [np.zeros(0, np.int64)]
    )
    # label switches: per truth, time-ordered assigned numbers, count changes
    order = np.lexsort((a_t, a_id))
    sid, snum = a_id[order], a_num[order]
    same_truth = sid[1:] == sid[:-1]
    switches = int(np.sum(same_truth & (snum[1:] != snum[:-1])))
    # delay from first detection to first assignment
    ids = np.unique(truth_id)
    if detection_t is not None and detection_truth_id is not None:
        det_t = np.asarray(detection_t, float)
        det_id = np.asarray(detection_truth_id, np.int64)
    else:
        det_t, det_id = truth_t, truth_id
    first_det = np.full(ids.size, np.inf)
    m = np.isin(det_id, ids)
    np.minimum.at(first_det, np.searchsorted(ids, det_id[m]), det_t[m])
    first_trk = np.full(ids.size, np.inf)
    np.minimum.at(first_trk, np.searchsorted(ids, a_id), a_t)
    reg = regular_start(det_t, det_id, ids, regular_plots, regular_window)
    with np.errstate(invalid="ignore"):
        delay = np.where(
            np.isfinite(first_trk) & np.isfinite(first_det), first_trk - first_det, np.nan
        )
        reg_delay = np.where(
            np.isfinite(first_trk) & np.isfinite(reg), np.maximum(first_trk - reg, 0.0), np.nan
        )
    numbers = np.unique(track_number)
    false_tracks = int(np.sum(~np.isin(numbers, a_num)))
    res = GospaResult(
        t=grid,
        distance=np.array([s.distance for s in scans]),
        localisation=np.array([s.localisation for s in scans]),
        missed=np.array([s.missed for s in scans]),
        false=np.array([s.false for s in scans]),
    )
    return TrackingMetrics(
        res, switches, ids, delay, reg_delay, first_det, reg, false_tracks, int(numbers.size)
    )
