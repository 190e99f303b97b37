"""Explanations of a round, as data: translatable messages with parameters.

Parameters named ``type``, ``constraint``, ``preference`` and ``component`` carry codes
that the web layer turns into labels (``PARAM_LABELS``); money is in cents (``*_cents``),
client and home ids are pseudonymous.

Why this client for this home: the hard constraints it meets, the location preference,
urgency and waiting time, the score components, and the competition (how many other
clients fitted the home and the runner-up's score).

Why not this client: per type of home in the round, how many homes each hard constraint
excluded; and for each home the client did fit, who got it, with both scores, and by how
much the round's total would drop if the home went to this client instead. That drop is
exact for the assignment optimum: forcing edge (i, j) into the matching closes a cycle in
the residual graph of the min-cost flow (source -> client -> home -> sink, plus
client -> sink for "unassigned"), so the loss is ``dist(j -> sink) - score(i, j)`` with
``dist`` the shortest path in the residual graph (Bellman-Ford: it has negative arcs but,
at the optimum, no negative cycle). The path also says what happens next: the winner
stays without a home, or moves to another home.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp  # type: ignore[import-untyped]
from scipy.sparse.csgraph import shortest_path  # type: ignore[import-untyped]

from doorstroom.core.i18n import Message, gettext_noop
from doorstroom.core.matching.graph import IntArray, Problem, failing
from doorstroom.core.matching.model import (
    COMPONENT_LABELS,
    CONSTRAINT_LABELS,
    PREFERENCE_LABELS,
    UNIT_TYPE_LABELS,
    UNIT_TYPES,
    Constraint,
    Method,
    Preference,
    Result,
)
from doorstroom.core.matching.solver import chosen_edges

PARAM_LABELS: dict[str, Mapping[str, str]] = {
    "type": {str(k): v for k, v in UNIT_TYPE_LABELS.items()},
    "constraint": {str(k): v for k, v in CONSTRAINT_LABELS.items()},
    "preference": {str(k): v for k, v in PREFERENCE_LABELS.items()},
    "component": dict(COMPONENT_LABELS),
}


@dataclass(frozen=True, slots=True)
class Competitor:
    client_id: int
    score: int
    housed_elsewhere: bool


@dataclass(frozen=True, slots=True)
class ProposalExplanation:
    client_id: int
    home_id: int
    score: int
    components: Mapping[str, int]
    preference: Preference
    reasons: tuple[Message, ...]
    candidates: int  # other clients who fitted this home
    runner_up: Competitor | None


@dataclass(frozen=True, slots=True)
class Competition:
    home_id: int
    own_score: int
    winner_id: int | None  # None: the home stayed free
    winner_score: int | None
    loss: int | None  # drop of the round total if this client got the home (exact), or None
    winner_next_home: int | None  # where the winner would go instead (None: no home)


@dataclass(frozen=True, slots=True)
class NonMatchExplanation:
    client_id: int
    reasons: tuple[Message, ...]
    excluded: Mapping[str, Mapping[str, int]]  # unit type -> constraint -> homes
    competition: tuple[Competition, ...] = field(default_factory=tuple)


def _euro(cents: int) -> str:
    return f"{cents / 100:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")


def explain_proposals(problem: Problem, result: Result) -> dict[int, ProposalExplanation]:
    """Per home id: why this client."""
    chosen = chosen_edges(problem, result)
    matched_client = np.zeros(problem.n, dtype=np.bool_)
    matched_client[problem.edge_client[chosen]] = True
    by_home: dict[int, list[int]] = {}
    for e in np.argsort(-problem.edge_score, kind="stable"):
        by_home.setdefault(int(problem.edge_home[e]), []).append(int(e))
    lo, hi = problem.config.youth_ages
    out: dict[int, ProposalExplanation] = {}
    for e in (int(x) for x in chosen):
        i, j = int(problem.edge_client[e]), int(problem.edge_home[e])
        client, home = problem.clients[i], problem.homes[j]
        pref = problem.preference(e)
        reasons = [
            Message(
                gettext_noop("Eligible for this type of home: %(type)s."), {"type": str(home.type)}
            ),
        ]
        if problem.h.youth_only[j]:
            reasons.append(
                Message(
                    gettext_noop("Age %(age)s is within %(min)s-%(max)s."),
                    {"age": client.age, "min": lo, "max": hi},
                )
            )
        reasons.append(
            Message(
                gettext_noop("%(rooms)s room(s) fit a household of %(persons)s."),
                {"rooms": home.rooms, "persons": client.household_size},
            )
        )
        if client.max_rent is None:
            reasons.append(
                Message(
                    gettext_noop("Rent € %(rent)s; the client has no rent limit."),
                    {"rent": _euro(home.rent)},
                )
            )
        else:
            reasons.append(
                Message(
                    gettext_noop("Rent € %(rent)s is within the limit of € %(limit)s."),
                    {"rent": _euro(home.rent), "limit": _euro(client.max_rent)},
                )
            )
        if client.needs_accessible:
            reasons.append(Message(gettext_noop("Accessible, as the client needs.")))
        if pref is Preference.ORIGIN:
            reasons.append(
                Message(
                    gettext_noop("In the municipality of origin (%(municipality)s)."),
                    {"municipality": home.municipality},
                )
            )
        elif pref is Preference.WISH:
            reasons.append(
                Message(
                    gettext_noop("In %(municipality)s, the client's wish number %(rank)s."),
                    {"municipality": home.municipality, "rank": int(problem.edge_wish_rank[e])},
                )
            )
        else:
            reasons.append(
                Message(
                    gettext_noop(
                        "Elsewhere in the region (%(municipality)s); no home fitted in the "
                        "municipality of origin or a wished municipality in this round."
                    ),
                    {"municipality": home.municipality},
                )
            )
        reasons.append(
            Message(
                gettext_noop("Urgency %(urgency)s; waiting since %(since)s (%(months)s months)."),
                {
                    "urgency": client.urgency,
                    "since": client.waiting_since.isoformat(),
                    "months": int(problem.c.months_waiting[i]),
                },
            )
        )
        others = [o for o in by_home.get(j, []) if o != e]
        runner_up = None
        if others:
            best = others[0]
            k = int(problem.edge_client[best])
            runner_up = Competitor(
                int(problem.c.ids[k]), int(problem.edge_score[best]), bool(matched_client[k])
            )
            diff = int(problem.edge_score[e]) - runner_up.score
            if diff >= 0:
                reasons.append(
                    Message(
                        gettext_noop(
                            "%(count)s other client(s) fitted this home; the next best score "
                            "was %(score)s (client %(client)s), %(difference)s lower."
                        ),
                        {
                            "count": len(others),
                            "score": runner_up.score,
                            "client": runner_up.client_id,
                            "difference": diff,
                        },
                    )
                )
            else:
                reasons.append(
                    Message(
                        gettext_noop(
                            "Client %(client)s scored %(difference)s higher for this home but "
                            "gets another home in this round; the total is higher this way."
                        ),
                        {"client": runner_up.client_id, "difference": -diff},
                    )
                )
        else:
            reasons.append(Message(gettext_noop("No other client fitted this home.")))
        out[int(home.id)] = ProposalExplanation(
            client_id=int(client.id),
            home_id=int(home.id),
            score=int(problem.edge_score[e]),
            components=problem.components(e),
            preference=pref,
            reasons=tuple(reasons),
            candidates=len(others),
            runner_up=runner_up,
        )
    return out


def _distances_to_sink(problem: Problem, chosen: IntArray) -> tuple[IntArray, IntArray]:
    """Shortest residual distances from every node to the sink, and the next node on that
    path (nodes: clients 0..n-1, homes n..n+m-1, sink n+m)."""
    n, m = problem.n, problem.m
    sink = n + m
    w = problem.edge_score
    used = np.zeros(len(w), dtype=np.bool_)
    used[chosen] = True
    positive = w > 0
    client_matched = np.zeros(n, dtype=np.bool_)
    client_matched[problem.edge_client[chosen]] = True
    home_matched = np.zeros(m, dtype=np.bool_)
    home_matched[problem.edge_home[chosen]] = True
    ci, hj = problem.edge_client, n + problem.edge_home
    free = ~used & positive
    src: list[IntArray] = [ci[free], hj[used]]
    dst: list[IntArray] = [hj[free], ci[used]]
    cost: list[npt.NDArray[np.float64]] = [-w[free].astype(float), w[used].astype(float)]
    # client -> sink (leave) when matched; sink -> client when unassigned
    cm = np.flatnonzero(client_matched)
    cu = np.flatnonzero(~client_matched)
    src += [cm, np.full(len(cu), sink)]
    dst += [np.full(len(cm), sink), cu]
    cost += [np.zeros(len(cm)), np.zeros(len(cu))]
    hm = n + np.flatnonzero(home_matched)
    hf = n + np.flatnonzero(~home_matched)
    src += [np.full(len(hm), sink), hf]
    dst += [hm, np.full(len(hf), sink)]
    cost += [np.zeros(len(hm)), np.zeros(len(hf))]
    s, d, c = np.concatenate(src), np.concatenate(dst), np.concatenate(cost).astype(float)
    # reversed graph: distances from the sink = distances to the sink in the original
    reverse = sp.csr_array((c, (d, s)), shape=(sink + 1, sink + 1))
    dist, pred = shortest_path(
        reverse, method="BF", directed=True, indices=sink, return_predecessors=True
    )
    # nodes that cannot reach the sink (isolated clients) are never asked for
    finite = np.where(np.isfinite(dist), dist, 0.0)
    return np.round(finite).astype(np.int64), np.asarray(pred, dtype=np.int64)


def explain_unassigned(
    problem: Problem, result: Result, client_ids: Iterable[int] | None = None
) -> dict[int, NonMatchExplanation]:
    """Per unassigned client id (all, or those in ``client_ids``): why not."""
    chosen = chosen_edges(problem, result)
    wanted = set(result.unassigned_clients if client_ids is None else client_ids)
    wanted &= set(result.unassigned_clients)
    if not wanted:
        return {}
    n = problem.n
    home_winner = np.full(problem.m, -1, dtype=np.int64)
    home_winner_edge = np.full(problem.m, -1, dtype=np.int64)
    home_winner[problem.edge_home[chosen]] = problem.edge_client[chosen]
    home_winner_edge[problem.edge_home[chosen]] = chosen
    exact = result.method is Method.ASSIGNMENT and not problem.config.quotas
    dist = pred = None
    if exact and len(problem.edge_score):
        dist, pred = _distances_to_sink(problem, chosen)
    edges_of: dict[int, list[int]] = {}
    for edge in np.flatnonzero(problem.edge_score > 0):
        edges_of.setdefault(int(problem.edge_client[edge]), []).append(int(edge))
    constraints = list(Constraint)
    out: dict[int, NonMatchExplanation] = {}
    for row in np.flatnonzero(np.isin(problem.c.ids, list(wanted))):
        i = int(row)
        client = problem.clients[i]
        reasons: list[Message] = []
        excluded: dict[str, dict[str, int]] = {}
        if problem.m == 0:
            reasons.append(Message(gettext_noop("There were no free homes in this round.")))
        fail = failing(problem, i)
        for t_index, unit_type in enumerate(UNIT_TYPES):
            of_type = problem.h.type == t_index
            if not of_type.any():
                continue
            counts = np.bincount(fail[of_type & (fail >= 0)], minlength=len(constraints))
            per: dict[str, int] = {}
            for k, count in enumerate(counts):
                if count:
                    per[str(constraints[k])] = int(count)
                    reasons.append(
                        Message(
                            gettext_noop("%(count)s x %(type)s: %(constraint)s."),
                            {
                                "count": int(count),
                                "type": str(unit_type),
                                "constraint": str(constraints[k]),
                            },
                        )
                    )
            if per:
                excluded[str(unit_type)] = per
        competition: list[Competition] = []
        for e in sorted(edges_of.get(i, []), key=lambda x: -int(problem.edge_score[x])):
            j = int(problem.edge_home[e])
            own = int(problem.edge_score[e])
            home_id = int(problem.h.ids[j])
            winner = int(home_winner[j])
            if winner < 0:
                competition.append(Competition(home_id, own, None, None, None, None))
                reasons.append(
                    Message(
                        gettext_noop("Home %(home)s stayed free because of the quota rules."),
                        {"home": home_id},
                    )
                )
                continue
            winner_score = int(problem.edge_score[home_winner_edge[j]])
            loss = next_home = None
            if dist is not None and pred is not None:
                loss = int(dist[n + j]) - own
                after = int(pred[winner])
                next_home = int(problem.h.ids[after - n]) if n <= after < n + problem.m else None
            competition.append(
                Competition(home_id, own, int(problem.c.ids[winner]), winner_score, loss, next_home)
            )
            params = {
                "home": home_id,
                "winner": int(problem.c.ids[winner]),
                "winner_score": winner_score,
                "own_score": own,
                "difference": abs(winner_score - own),
            }
            if winner_score >= own:
                reasons.append(
                    Message(
                        gettext_noop(
                            "Home %(home)s went to client %(winner)s with score "
                            "%(winner_score)s; this client's score was %(own_score)s, "
                            "%(difference)s lower."
                        ),
                        params,
                    )
                )
            else:  # only under quota rules: at the assignment optimum the winner never
                # scores lower than an unassigned client for the same home
                reasons.append(
                    Message(
                        gettext_noop(
                            "Home %(home)s went to client %(winner)s with a lower score "
                            "(%(winner_score)s against %(own_score)s), because of the quota "
                            "rules."
                        ),
                        params,
                    )
                )
            if loss is not None:
                if next_home is None:
                    template = gettext_noop(
                        "Giving home %(home)s to this client instead would lower the round's "
                        "total by %(loss)s points (client %(winner)s would then get no home)."
                    )
                else:
                    template = gettext_noop(
                        "Giving home %(home)s to this client instead would lower the round's "
                        "total by %(loss)s points (client %(winner)s would move to home "
                        "%(next)s)."
                    )
                reasons.append(Message(template, {**params, "loss": loss, "next": next_home or ""}))
        if not edges_of.get(i) and problem.m:
            reasons.insert(0, Message(gettext_noop("No home of this round fits this client.")))
        out[int(client.id)] = NonMatchExplanation(
            int(client.id), tuple(reasons), excluded, tuple(competition)
        )
    return out
