"""Local search: MMR, then moves, swaps and cyclic multi-exchanges (VLSN), anytime.

The neighbourhood is that of Ahuja, Kumar, Jha and Orlin (2007, Operations Research
55(6)), "Exact and heuristic algorithms for the weapon-target assignment problem": an
*improvement graph* whose nodes are the rounds fired (one node per (weapon, target) pair
with x > 0), an empty slot per target (gain a round, lose none), a spare node per weapon
with rounds left, and one null node. An arc s -> u means "the weapon of s fires at the
target of u instead of u's weapon"; its cost is the exact change of F at u's target (plus
the change of the priced spend, per (weapon, target) pair). A cycle whose nodes have
distinct targets is a valid exchange whose cost is the sum of its arcs: 2-cycles are the
swaps and the moves (through an empty slot, a spare or the null node: add, drop, move,
replace), longer ones the cyclic and path multi-exchanges. Negative cycles are found by
a label-correcting search that keeps paths with negative cost only (every negative cycle
has a rotation whose partial sums are all negative). Between local optima, a
ruin-and-recreate kick (drop a few random rounds, refill by MMR) restarts the descent;
the best answer found is kept, so the search is anytime within `time_limit_s` (CPU seconds).
"""

from __future__ import annotations

import time as _time
from dataclasses import dataclass

import numpy as np

from skyshield.decide.assign.greedy import mmr
from skyshield.decide.assign.static import (
    MatchingBySolver,
    StaticProblem,
    StaticSolution,
    StaticSolver,
)

EPS = 1e-9  # an exchange must lower F by more than this (relative to the value scale) [-]
ROOTS_ALL_MAX = 64  # graphs up to this many nodes keep a label per (root, node) [-]


@dataclass(frozen=True)
class _Graph:
    """The improvement graph of one state: node weapon / target (W and T mean none), arc costs."""

    nw: np.ndarray  # (N,) weapon of each node, W for none
    nt: np.ndarray  # (N,) target of each node, T for none
    nm: np.ndarray  # (N,) rounds the node's weapon moves (a block of 1 .. x_ij) [rounds]
    cost: np.ndarray  # (N,N) arc costs, inf where not an exchange


def _blocks(k: np.ndarray) -> np.ndarray:
    """1..k[0], 1..k[1], ... concatenated (block sizes of each pair), without a loop."""
    total = int(k.sum())
    start = np.repeat(np.cumsum(k) - k, k)
    return np.arange(total) - start + 1


def _graph(p: StaticProblem, x: np.ndarray, surv: np.ndarray, lqx: np.ndarray, ux: np.ndarray,
           px: np.ndarray, shots: np.ndarray, max_block: int) -> _Graph:
    """Build the improvement graph of state `x` (vectorised over all node pairs).

    A shot node is a block of m = 1 .. min(x_ij, max_block) rounds of weapon i on target
    j (blocks of one pair share a target, so a cycle holds at most one of them); a spare
    node a block of the weapon's unfired rounds. Target nt[u] gains m_s rounds of nw[s]
    and loses m_u rounds of nw[u]: its survival is multiplied by q_s^m_s / q_u^m_u.
    """
    W, T = p.shape
    si, sj = np.nonzero(x)
    left = p.rounds - x.sum(axis=1)
    spare = np.flatnonzero((left > 0) & ux[:W, :T].any(axis=1))
    slots = np.flatnonzero(ux[:W, :T].any(axis=0) & (x.sum(axis=0) < p.room))
    ks = np.minimum(x[si, sj], max_block)
    kp = np.minimum(left[spare], max_block)
    blk_s, blk_p = _blocks(ks), _blocks(kp)
    nw = np.concatenate([np.repeat(si, ks), np.full(len(slots), W), np.repeat(spare, kp), [W]])
    nt = np.concatenate([np.repeat(sj, ks), slots, np.full(len(blk_p), T), [T]])
    nm = np.concatenate([blk_s, np.zeros(len(slots), int), blk_p, [0]]).astype(float)
    vs = np.append(p.value * surv, 0.0)
    real = nt < T
    idx = nw[:, None] * (T + 1) + nt[None, :]  # (N,N) cell of (weapon of s, target of u)
    own = lqx[nw, nt] * nm  # log-survival factor each node's block brings its target
    cost = lqx.ravel().take(idx)
    if nm.max(initial=1) > 1:
        cost *= nm[:, None]
    cost -= own[None, :]
    np.expm1(cost, out=cost)
    cost *= vs[nt][None, :]
    if p.cost_price:  # s's block now fires at u's target, u's block no longer does
        spend = px.ravel().take(idx) * nm[:, None]
        spend -= (px[nw, nt] * nm)[None, :]
        spend[:, ~real] = 0.0  # a block moved to no target is not fired: no spend
        cost += spend
    if p.burden:
        # group shot counts change only on the arc into a node without a target: the
        # weapon of u fires m_u more rounds and the weapon of s m_s fewer (exact delta)
        gx = np.append(p.group, -1)[nw]  # -1: no weapon
        n = np.where(gx >= 0, shots[np.maximum(gx, 0)], 0.0)
        a, b = gx[:, None], gx[None, :]
        na, nb = n[:, None], n[None, :]
        ma, mb = np.where(gx >= 0, nm, 0.0)[:, None], np.where(gx >= 0, nm, 0.0)[None, :]
        diff = ((na - ma) ** 2 - na**2) + ((nb + mb) ** 2 - nb**2)
        same = (a == b) & (a >= 0)
        diff = np.where(same, (na - ma + mb) ** 2 - na**2, diff)
        cost[:, ~real] += p.burden * diff[:, ~real]
    bad = ~ux.ravel().take(idx)
    bad |= nt[:, None] == nt[None, :]
    if p.cap is not None:  # target nt[u] would receive m_s - m_u more rounds
        room = np.append(p.cap - x.sum(axis=0), np.iinfo(np.int64).max // 2)[nt]
        carried = np.where(nw < W, nm, 0.0)
        bad |= carried[:, None] - carried[None, :] > room[None, :]
    np.putmask(cost, bad, np.inf)
    return _Graph(nw, nt, nm.astype(np.int64), cost)


def _pack(cycles: np.ndarray, cost: np.ndarray, nt: np.ndarray) -> list[np.ndarray]:
    """The cheapest cycles first, each kept if its targets are still untouched.

    Cycles with disjoint targets change disjoint survival terms (and at most one passes
    through the no-target nodes, where rounds and group counts change), so their costs add.
    """
    order = np.argsort(cost, kind="stable")
    used = np.zeros(int(nt.max()) + 1, bool)
    out = []
    for k in order:  # greedy packing; stops mattering once the targets are used up
        t = nt[cycles[k]]
        if not used[t].any():
            used[t] = True
            out.append(cycles[k])
    return out


def _negative_cycles(g: _Graph, max_len: int, scale: float) -> list[np.ndarray]:
    """Negative cycles with distinct targets, as node arrays; the cheapest 2-cycles first.

    Returns node-and-target-disjoint 2-cycles when any exist (so many can be applied at
    once), else the most negative longer cycle found by the label-correcting search.
    """
    C = g.cost
    N = len(C)
    two = C + C.T
    s, u = np.nonzero(two < -EPS * scale)
    s, u = s[s < u], u[s < u]
    if len(s):
        return _pack(np.stack([s, u], axis=1), two[s, u], g.nt)
    bit = np.left_shift(np.uint64(1), (g.nt % 64).astype(np.uint64))  # target bit (mod 64)
    if N <= ROOTS_ALL_MAX:
        return _cycles_every_root(C, bit, max_len, EPS * scale)
    return _cycles_one_label(C, bit, g.nt, max_len, EPS * scale)


def _cycles_every_root(C: np.ndarray, bit: np.ndarray, max_len: int, eps: float
                       ) -> list[np.ndarray]:
    """Label-correcting search keeping, for every (root, end node), its cheapest path.

    Paths sharing a target (bit masks, exact up to 63 targets, conservative beyond) are
    never extended; only negative paths are kept. Returns the cheapest cycle of the
    shortest length that has one (lengths 3 .. max_len), or nothing. Dense (N, N, N).
    """
    N = len(C)
    neg = -eps
    D = np.where(neg > C, C, np.inf)  # (roots, ends): paths of one arc
    M = bit[:, None] | bit[None, :]
    preds = []
    ar = np.arange(N)
    for _ in range(3, max_len + 1):
        if not np.isfinite(D).any():
            return []
        ext = D[:, :, None] + C[None, :, :]  # (r, s, u)
        ext[(M[:, :, None] & bit[None, None, :]) != 0] = np.inf
        arg = np.argmin(ext, axis=1)  # (r, u)
        D = np.take_along_axis(ext, arg[:, None, :], axis=1)[:, 0, :]
        D[neg <= D] = np.inf
        M = M[ar[:, None], arg] | bit[None, :]
        preds.append(arg)
        close = D + C.T  # path r -> ... -> u closed by the arc u -> r
        k = int(np.argmin(close))
        if close.ravel()[k] < -eps:
            r, u = divmod(k, N)
            cyc = [u]
            for arg_k in reversed(preds):
                u = int(arg_k[r, u])
                cyc.append(u)
            cyc.append(r)
            return [np.array(cyc[::-1])]
    return []


def _cycles_one_label(C: np.ndarray, bit: np.ndarray, nt: np.ndarray, max_len: int,
                      eps: float, fan_in: int = 24) -> list[np.ndarray]:
    """Large graphs: one label per end node (its cheapest negative path from any root).

    Each node is reached only through its `fan_in` cheapest incoming arcs (a sparsified
    improvement graph, as large-scale neighbourhood searches do), so a level costs
    O(N fan_in) instead of O(N^2); the closing arc is looked up in the full graph.
    """
    N = len(C)
    ar = np.arange(N)
    k = min(fan_in, N)
    CT = C.T
    pred = np.argpartition(CT, k - 1, axis=1)[:, :k]  # (u, k) cheapest predecessors
    cpred = np.take_along_axis(CT, pred, axis=1)  # their arc costs
    first = np.argmin(cpred, axis=1)
    root = pred[ar, first]
    d = cpred[ar, first]
    path = np.stack([root, ar], axis=1)  # (N, k) nodes of each node's path
    mask = bit[root] | bit
    for _ in range(3, max_len + 1):
        dp = d[pred]  # (u, k) label of each predecessor
        cand = dp + cpred
        cand[(dp >= -eps) | ((mask[pred] & bit[:, None]) != 0)] = np.inf
        kk = np.argmin(cand, axis=1)
        d = cand[ar, kk]
        arg = pred[ar, kk]
        path = np.concatenate([path[arg], ar[:, None]], axis=1)
        mask = mask[arg] | bit
        ok = d < -eps
        if not ok.any():
            break
        close = np.where(ok, d + C[ar, path[:, 0]], np.inf)
        neg = np.flatnonzero(close < -eps)
        if len(neg):
            return _pack(path[neg], close[neg], nt)
    return []


def _apply(x: np.ndarray, g: _Graph, cycle: np.ndarray, W: int, T: int) -> None:
    """Carry out the exchange: the block of each node fires at the next node's target."""
    nxt = np.roll(cycle, -1)
    a, ma, t, b, mb = g.nw[cycle], g.nm[cycle], g.nt[nxt], g.nw[nxt], g.nm[nxt]
    for wa, ka, tt, wb, kb in zip(a, ma, t, b, mb, strict=True):  # a handful of arcs
        if tt < T:
            if wa < W:
                x[wa, tt] += ka
            if wb < W:
                x[wb, tt] -= kb


def descend(p: StaticProblem, x: np.ndarray, max_cycle: int, deadline: float,
            max_block: int = 3, last: float = 0.0) -> tuple[np.ndarray, int, float]:
    """Apply improving exchanges until none is found (or the deadline).

    `last` is the CPU time of a step so far (a step that cannot finish before the deadline
    is not begun); returns x, the number of steps and the updated step time.
    """
    W, T = p.shape
    q = p.q
    lqx = np.zeros((W + 1, T + 1))  # log-survival, a row and a column for "none"
    lqx[:W, :T] = np.log(q)
    ux = np.ones((W + 1, T + 1), bool)
    ux[:W, :T] = p.usable
    px = np.zeros((W + 1, T + 1))  # priced spend of one round, 0 for "none"
    px[:W, :T] = p.cost_price * p.cost
    scale = max(float(p.value.max(initial=0.0)), 1e-12)
    steps = 0
    f = p.objective(x)
    while (start := _time.process_time()) + last < deadline:
        surv = np.prod(q**x, axis=0)
        shots = np.bincount(p.group, weights=x.sum(axis=1), minlength=p.n_groups)
        # single rounds first; blocks of several rounds only when those are exhausted
        g = _graph(p, x, surv, lqx, ux, px, shots, 1)
        cycles = _negative_cycles(g, max_cycle, scale)
        if not cycles and max_block > 1 and x.max(initial=0) > 1:
            g = _graph(p, x, surv, lqx, ux, px, shots, max_block)
            cycles = _negative_cycles(g, max_cycle, scale)
        if not cycles:
            break
        trial = x.copy()
        for c in cycles:  # disjoint in targets; at most one passes through no target
            _apply(trial, g, c, W, T)
        ft = p.objective(trial)
        if not ft < f - EPS * scale:  # arc costs are exact: only rounding gets here
            break
        x, f = trial, ft
        steps += 1
        last = max(last, _time.process_time() - start)
    return x, steps, last


@dataclass(frozen=True)
class LocalSearchAssigner(MatchingBySolver, StaticSolver):
    """MMR, then VLSN descent, then ruin-and-recreate restarts within the budget."""

    max_cycle: int = 6  # longest exchange cycle searched [arcs]
    max_block: int = 3  # most rounds of one (weapon, target) pair moved as one node [rounds]
    restarts: int = 50  # ruin-and-recreate kicks after the first local optimum
    ruin: float = 0.2  # fraction of the rounds fired that a kick drops [-]
    time_limit_s: float = 10.0  # CPU budget [s]
    seed: int = 0
    name: str = "local"

    def solve(self, problem: StaticProblem) -> StaticSolution:
        """Best answer found; no bound (NaN)."""
        t0 = _time.process_time()
        deadline = t0 + self.time_limit_s
        rng = np.random.default_rng(self.seed)
        x, steps, last = descend(problem, mmr(problem), self.max_cycle, deadline,
                                 self.max_block)
        best, fbest = x, problem.objective(x)
        for _ in range(self.restarts):
            if _time.process_time() + last >= deadline:
                break
            si, sj = np.nonzero(best)
            counts = best[si, sj]
            n = int(counts.sum())
            if n == 0:
                break
            k = max(1, int(round(self.ruin * n)))
            drop = rng.choice(np.repeat(np.arange(len(si)), counts), size=min(k, n),
                              replace=False)
            y = best.copy()
            np.subtract.at(y, (si[drop], sj[drop]), 1)
            # recreate: each dropped round fires at a random usable target, then descend
            w = si[drop]
            u = problem.usable[w]
            pick = np.argmax(rng.random(u.shape) * u, axis=1)
            ok = u[np.arange(len(w)), pick]
            if problem.cap is not None:  # keep, in order, the rounds a target has room for
                room = problem.cap - y.sum(axis=0)
                for k in np.flatnonzero(ok):  # a handful of rounds
                    ok[k] = room[pick[k]] > 0
                    room[pick[k]] -= ok[k]
            np.add.at(y, (w[ok], pick[ok]), 1)
            y, s, last = descend(problem, y, self.max_cycle, deadline, self.max_block, last)
            steps += s
            fy = problem.objective(y)
            if fy < fbest:
                best, fbest = y, fy
        return StaticSolution(best, fbest, float("nan"), False, _time.process_time() - t0,
                              self.name, steps)
