"""Solving a round: a sparse maximum-weight matching, or a MIP when quotas apply.

Base problem. Maximise the total score of the proposals, each client at most one home,
each home at most one client; clients and homes may stay unassigned. Per connected
component of the candidate graph (clients of different regions never compete), it is a
rectangular min-cost full matching solved by ``scipy.sparse.csgraph.
min_weight_full_bipartite_matching`` (LAPJVsp): rows are the component's clients, columns
its homes plus one private "unassigned" column per client. A client on its own column
costs ``C``, on home j ``C - score`` (C = max score + 1 keeps every cost positive), so a
full row matching costs ``rows * C - total score``: minimising it maximises the score. A
client is never proposed a home with a score <= 0 (staying unassigned is better).

Quotas. A quota adds one linear row to the matching polytope, which is then no longer
integral: ``scipy.optimize.milp`` (HiGHS) solves it under ``config.time_limit_s``. When
the soft optimum already meets every quota it is returned as is (it is then also the MIP
optimum). When HiGHS proves the quota infeasible, or finds no solution in time, the
result is the soft optimum with a note (method ``fallback``); a feasible but unproven
solution is returned with its gap (method ``mip_feasible``).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp  # type: ignore[import-untyped]
from scipy.optimize import Bounds, LinearConstraint, milp  # type: ignore[import-untyped]
from scipy.sparse.csgraph import connected_components, min_weight_full_bipartite_matching  # type: ignore[import-untyped]

from doorstroom.core.i18n import Message, gettext_noop
from doorstroom.core.matching.graph import IntArray, Problem
from doorstroom.core.matching.model import (
    Method,
    Preference,
    Proposal,
    Quota,
    QuotaOutcome,
    Result,
    ceil_share,
    share_ok,
)


def _match_component(ci: IntArray, hj: IntArray, w: IntArray) -> IntArray:
    """Local edge indexes of a maximum-weight matching of one component (ci, hj local)."""
    n = int(ci.max()) + 1
    m = int(hj.max()) + 1
    if n == 1:
        return np.array([int(np.argmax(w))], dtype=np.int64)
    if m == 1:
        return np.array([int(np.argmax(w))], dtype=np.int64)
    big = float(w.max()) + 1.0
    rows = np.concatenate([ci, np.arange(n, dtype=np.int64)])
    cols = np.concatenate([hj, m + np.arange(n, dtype=np.int64)])
    cost = np.concatenate([big - w.astype(np.float64), np.full(n, big)])
    edge = np.concatenate([np.arange(len(w), dtype=np.int64), np.full(n, -1, dtype=np.int64)])
    order = np.lexsort((cols, rows))
    rows, cols, cost, edge = rows[order], cols[order], cost[order], edge[order]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    matrix = sp.csr_array((cost, cols, indptr), shape=(n, m + n))
    r, c = min_weight_full_bipartite_matching(matrix)
    key = rows * (m + n) + cols
    pos = np.searchsorted(key, np.asarray(r, dtype=np.int64) * (m + n) + c)
    chosen: IntArray = edge[pos]
    return chosen[chosen >= 0]


def max_weight_matching(n: int, m: int, ci: IntArray, hj: IntArray, w: IntArray) -> IntArray:
    """Edge indexes of a maximum-weight (not necessarily full) bipartite matching. Edges
    with weight <= 0 are never chosen."""
    positive = np.flatnonzero(w > 0)
    if len(positive) == 0:
        return np.zeros(0, dtype=np.int64)
    ci, hj, w = ci[positive], hj[positive], w[positive]
    graph = sp.csr_array((np.ones(len(ci)), (ci, n + hj)), shape=(n + m, n + m))
    _, labels = connected_components(graph, directed=False)
    comp = labels[ci]
    order = np.argsort(comp, kind="stable")
    comp_sorted = comp[order]
    bounds = np.flatnonzero(np.diff(comp_sorted)) + 1
    chosen: list[IntArray] = []
    for part in np.split(order, bounds):
        local_c = np.unique(ci[part], return_inverse=True)[1]
        local_h = np.unique(hj[part], return_inverse=True)[1]
        chosen.append(part[_match_component(local_c, local_h, w[part])])
    return positive[np.sort(np.concatenate(chosen))]


# ---------------------------------------------------------------- quotas
def _in_scope(problem: Problem, quota: Quota) -> tuple[npt.NDArray[np.bool_], int]:
    """Per edge: does it count for the quota's group; and the number of homes in scope."""
    members = problem.groups.members(quota.dimension, quota.group)
    if quota.municipality is None:
        home_scope = np.ones(problem.m, dtype=np.bool_)
    else:
        target = (
            problem.municipalities.index(quota.municipality)
            if quota.municipality in problem.municipalities
            else -1
        )
        home_scope = problem.h.municipality == target
    return home_scope[problem.edge_home] & members[problem.edge_client], int(home_scope.sum())


def _edge_home_scope(problem: Problem, quota: Quota) -> npt.NDArray[np.bool_]:
    if quota.municipality is None:
        return np.ones(len(problem.edge_score), dtype=np.bool_)
    mun = problem.municipalities
    target = mun.index(quota.municipality) if quota.municipality in mun else -1
    return np.asarray(problem.h.municipality[problem.edge_home] == target)


def quota_outcomes(problem: Problem, chosen: IntArray) -> tuple[QuotaOutcome, ...]:
    outcomes: list[QuotaOutcome] = []
    for quota in problem.config.quotas:
        group_edges, homes_in_scope = _in_scope(problem, quota)
        achieved = int(group_edges[chosen].sum())
        if quota.basis == "homes":
            required = float(ceil_share(quota.min_share, homes_in_scope))
            met = achieved >= required
        else:
            total = int(_edge_home_scope(problem, quota)[chosen].sum())
            required = quota.min_share * total
            met = share_ok(achieved, total, quota.min_share)
        outcomes.append(QuotaOutcome(quota, required, achieved, met))
    return tuple(outcomes)


def _milp(problem: Problem) -> tuple[int, IntArray | None, float | None]:
    """(HiGHS status, chosen edges or None, gap)."""
    w = problem.edge_score
    positive = np.flatnonzero(w > 0)
    e = len(positive)
    ci, hj = problem.edge_client[positive], problem.edge_home[positive]
    cols = np.arange(e)
    a_client = sp.csr_array((np.ones(e), (ci, cols)), shape=(problem.n, e))
    a_home = sp.csr_array((np.ones(e), (hj, cols)), shape=(problem.m, e))
    rows = [a_client, a_home]
    lower = [np.full(problem.n, -np.inf), np.full(problem.m, -np.inf)]
    upper = [np.ones(problem.n), np.ones(problem.m)]
    for quota in problem.config.quotas:
        group_edges = _in_scope(problem, quota)[0][positive]
        homes_in_scope = _in_scope(problem, quota)[1]
        if quota.basis == "homes":
            rows.append(sp.csr_array(group_edges.astype(float)[None, :]))
            lower.append(np.array([float(ceil_share(quota.min_share, homes_in_scope))]))
        else:
            scope = _edge_home_scope(problem, quota)[positive]
            coef = group_edges.astype(float) - quota.min_share * scope.astype(float)
            rows.append(sp.csr_array(coef[None, :]))
            lower.append(np.array([0.0]))
        upper.append(np.array([np.inf]))
    result = milp(
        c=-w[positive].astype(float),
        integrality=np.ones(e),
        bounds=Bounds(0, 1),
        constraints=LinearConstraint(
            sp.vstack(rows, format="csr"), np.concatenate(lower), np.concatenate(upper)
        ),
        options={"time_limit": problem.config.time_limit_s, "disp": False, "mip_rel_gap": 0.0},
    )
    if result.x is None:
        return int(result.status), None, None
    chosen = positive[np.flatnonzero(result.x > 0.5)]
    gap = getattr(result, "mip_gap", None)
    return int(result.status), chosen, None if gap is None else float(gap)


# ---------------------------------------------------------------- result
def _result(
    problem: Problem,
    chosen: IntArray,
    method: Method,
    notes: tuple[Message, ...] = (),
    soft_objective: int | None = None,
    gap: float | None = None,
) -> Result:
    columns = {k: v.tolist() for k, v in problem.component_columns(chosen).items()}
    names = list(columns)
    preferences = (Preference.ORIGIN, Preference.WISH, Preference.ELSEWHERE)
    proposals = tuple(
        Proposal(
            client_id=cid,
            home_id=hid,
            score=score,
            components=dict(zip(names, parts, strict=True)),
            preference=preferences[pref],
        )
        for cid, hid, score, pref, *parts in zip(
            problem.c.ids[problem.edge_client[chosen]].tolist(),
            problem.h.ids[problem.edge_home[chosen]].tolist(),
            problem.edge_score[chosen].tolist(),
            problem.edge_preference[chosen].tolist(),
            *columns.values(),
            strict=True,
        )
    )
    assigned_c = np.zeros(problem.n, dtype=np.bool_)
    assigned_c[problem.edge_client[chosen]] = True
    assigned_h = np.zeros(problem.m, dtype=np.bool_)
    assigned_h[problem.edge_home[chosen]] = True
    return Result(
        proposals=proposals,
        objective=int(problem.edge_score[chosen].sum()),
        unassigned_clients=tuple(int(x) for x in problem.c.ids[~assigned_c]),
        free_homes=tuple(int(x) for x in problem.h.ids[~assigned_h]),
        method=method,
        notes=notes,
        quotas=quota_outcomes(problem, chosen),
        soft_objective=soft_objective,
        mip_gap=gap,
    )


def chosen_edges(problem: Problem, result: Result) -> IntArray:
    """The edge indexes of a result's proposals."""
    key = problem.edge_client * max(problem.m, 1) + problem.edge_home
    row_of_client = {int(x): k for k, x in enumerate(problem.c.ids)}
    row_of_home = {int(x): k for k, x in enumerate(problem.h.ids)}
    wanted = np.array(
        [
            row_of_client[p.client_id] * max(problem.m, 1) + row_of_home[p.home_id]
            for p in result.proposals
        ],
        dtype=np.int64,
    )
    order = np.argsort(key)
    return np.asarray(order[np.searchsorted(key[order], wanted)], dtype=np.int64)


def solve(problem: Problem) -> Result:
    """The optimal proposals of a round (see the module docstring for quotas)."""
    chosen = max_weight_matching(
        problem.n, problem.m, problem.edge_client, problem.edge_home, problem.edge_score
    )
    if not problem.config.quotas:
        return _result(problem, chosen, Method.ASSIGNMENT)
    soft = _result(problem, chosen, Method.ASSIGNMENT)
    if all(q.met for q in soft.quotas):
        return _result(
            problem,
            chosen,
            Method.ASSIGNMENT,
            (Message(gettext_noop("The optimum without quota rules already meets them.")),),
            soft_objective=soft.objective,
        )
    limit = problem.config.time_limit_s
    if int((problem.edge_score > 0).sum()) > problem.config.mip_max_edges:
        note = Message(
            gettext_noop(
                "This round is too large to prove the quota rules (more than %(edges)s "
                "candidate pairs); these are the proposals without quota rules."
            ),
            {"edges": problem.config.mip_max_edges},
        )
        return _result(problem, chosen, Method.FALLBACK, (note,), soft_objective=soft.objective)
    status, mip_chosen, gap = _milp(problem)
    if mip_chosen is not None and status == 0:
        return _result(problem, mip_chosen, Method.MIP, soft_objective=soft.objective, gap=gap)
    if mip_chosen is not None and status == 1:
        outcome = _result(problem, mip_chosen, Method.MIP_FEASIBLE, gap=gap)
        if all(q.met for q in outcome.quotas):
            note = Message(
                gettext_noop(
                    "The quota rules are met, but optimality was not proven within %(seconds)s "
                    "seconds (gap %(gap)s)."
                ),
                {"seconds": limit, "gap": f"{(gap or 0.0):.2%}"},
            )
            return _result(problem, mip_chosen, Method.MIP_FEASIBLE, (note,), soft.objective, gap)
    if status == 2:
        note = Message(
            gettext_noop(
                "The quota rules cannot be met with these clients and homes; these are the "
                "proposals without quota rules."
            )
        )
    else:
        note = Message(
            gettext_noop(
                "No solution meeting the quota rules was found within %(seconds)s seconds; "
                "these are the proposals without quota rules (quota not proven)."
            ),
            {"seconds": limit},
        )
    return _result(problem, chosen, Method.FALLBACK, (note,), soft_objective=soft.objective)
