"""Random static problems and a brute-force oracle shared by the assignment tests."""

from __future__ import annotations

import itertools

import numpy as np

from skyshield.decide.assign import StaticProblem


def literature(seed: int, T: int, W: int, rounds: int = 1, **kw) -> StaticProblem:
    """Values U[25,100], Pk U[0.6,0.9] (Ahuja et al. 2007 style), `rounds` per weapon."""
    rng = np.random.default_rng(seed)
    return StaticProblem.build(rng.uniform(25, 100, T), rng.uniform(0.6, 0.9, (W, T)),
                               np.full(W, rounds), **kw)


def rich(seed: int, T: int, W: int, rmax: int, cap: bool = False) -> StaticProblem:
    """Forbidden pairs, uneven rounds, prices per weapon or (half of the time) per pair,
    (half of the time) a burden term; caps."""
    rng = np.random.default_rng(seed)
    value, pk = rng.uniform(25, 100, T), rng.uniform(0.3, 0.95, (W, T))
    rounds, allowed = rng.integers(0, rmax + 1, W), rng.random((W, T)) < 0.7
    cost = rng.choice([0.05, 0.5, 1.0], W) * 1e6
    price, group = rng.choice([0.0, 1e-5]), rng.integers(0, 3, W)
    burden, caps = float(rng.choice([0.0, 2.0])), rng.integers(0, 3, T) if cap else None
    pair = np.random.default_rng(seed + 10_000)  # drawn apart: the instances above stay
    if pair.random() < 0.5:  # a price per (weapon, target): the dynamic problem's discount
        cost = cost[:, None] * pair.uniform(0.2, 1.0, (W, T))
    return StaticProblem.build(value, pk, rounds, allowed=allowed, cost=cost,
                               cost_price=price, group=group, burden=burden, cap=caps)


def brute_force(p: StaticProblem) -> float:
    """The minimum of F over every feasible x, by enumerating each weapon's count vectors."""
    W, T = p.shape
    logq = np.log(p.q)
    G = p.n_groups
    acc_log = np.zeros((1, T))
    acc_cost = np.zeros(1)
    acc_shots = np.zeros((1, G))
    acc_cnt = np.zeros((1, T), np.int8)
    for i in range(W):
        opts = [np.zeros(T, np.int64)]
        for k in range(1, int(p.rounds[i]) + 1):
            for combo in itertools.combinations_with_replacement(range(T), k):
                v = np.bincount(combo, minlength=T)
                if p.allowed[i][v > 0].all():
                    opts.append(v)
        o = np.array(opts)  # (K,T)
        acc_log = (acc_log[:, None, :] + (o * logq[i])[None]).reshape(-1, T)
        acc_cost = (acc_cost[:, None] + ((o @ p.cost[i]) * p.cost_price)[None]).ravel()
        add = np.zeros((len(o), G))
        add[:, p.group[i]] = o.sum(1)
        acc_shots = (acc_shots[:, None, :] + add[None]).reshape(-1, G)
        acc_cnt = (acc_cnt[:, None, :] + o.astype(np.int8)[None]).reshape(-1, T)
    f = np.exp(acc_log) @ p.value + acc_cost + p.burden * (acc_shots**2).sum(1)
    if p.cap is not None:
        f[(acc_cnt > p.cap).any(axis=1)] = np.inf
    return float(f.min())
