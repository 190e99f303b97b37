"""The matching engine: optimal, explained proposals of free homes and places to waiting
clients.

A round takes waiting clients (ready to move on, BT and youth-cluster candidates) and free
homes and places, and proposes at most one home per client and one client per home.

1. **Hard constraints** decide which client-home pairs are candidates (``graph``): the home
   is available within the round's horizon; the client is eligible for its unit type;
   youth-only units (youth clusters) only for ages 18-24; the household fits the rooms
   (``max_persons_by_rooms``); the rent is within the client's limit; an accessible home
   when the client needs one; the location is accepted (municipality of origin, a wished
   municipality, or - if the client accepts it - elsewhere in the region of origin).
2. **Score** of a candidate pair, integer points, weights are configuration
   (``Weights``)::

       score(i, j) = base
                   + location(i, j)      origin | wish (wish - (rank-1) * wish_step) | elsewhere
                   + urgency[u_i]        urgency class 1, 2, 3
                   + per_month_waiting * min(months waited, waiting_cap_months)
                   + fairness(i)         soft fairness bonus (``Fairness``)
                   - surplus_room * max(0, rooms_j - rooms needed by the household)
                   - accessible_unneeded * [j accessible and i does not need it]

   ``base`` (1000) dominates, so the optimum houses as many clients as it can; among
   those, location, priority and waiting time decide; the two penalties keep large and
   accessible homes for those who need them.
3. **Fairness** (``Fairness``, the default): groups (age band, municipality of origin) that
   were housed less than their share of the waiting clients over the look-back window
   (``History``) get a bonus per percentage point of shortfall, so no group is
   systematically passed over. **Quotas** (``Quota``, optional) are hard: they make the
   round a MIP (``solver``), with a time limit and a stated fallback.
4. **Solver** (``solver``): maximum-weight bipartite matching per connected component with
   scipy's LAPJVsp; proven optimal; clients and homes may stay unassigned.
5. **Explanations** (``explain``): per proposal, why this client; per unassigned client,
   which constraint excluded which homes, who got the homes they fitted and by how much the
   round's total would drop otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from doorstroom.core.matching.explain import (
    PARAM_LABELS,
    Competition,
    NonMatchExplanation,
    ProposalExplanation,
    explain_proposals,
    explain_unassigned,
)
from doorstroom.core.matching.graph import Problem, build
from doorstroom.core.matching.model import (
    COMPONENT_LABELS,
    COMPONENTS,
    CONSTRAINT_LABELS,
    PREFERENCE_LABELS,
    UNIT_TYPE_LABELS,
    Client,
    ConfigError,
    Constraint,
    Fairness,
    History,
    Home,
    MatchConfig,
    Method,
    Preference,
    Proposal,
    Quota,
    QuotaOutcome,
    Result,
    UnitType,
    Weights,
    age_band,
    config_from_dict,
    config_to_dict,
)
from doorstroom.core.matching.solver import solve

__all__ = [
    "COMPONENTS",
    "COMPONENT_LABELS",
    "CONSTRAINT_LABELS",
    "PARAM_LABELS",
    "PREFERENCE_LABELS",
    "UNIT_TYPE_LABELS",
    "Client",
    "Competition",
    "ConfigError",
    "Constraint",
    "Fairness",
    "History",
    "Home",
    "MatchConfig",
    "Method",
    "NonMatchExplanation",
    "Preference",
    "Problem",
    "Proposal",
    "ProposalExplanation",
    "Quota",
    "QuotaOutcome",
    "Result",
    "UnitType",
    "Weights",
    "age_band",
    "build",
    "config_from_dict",
    "config_to_dict",
    "explain_proposals",
    "explain_unassigned",
    "match",
    "solve",
]


def match(
    clients: Sequence[Client],
    homes: Sequence[Home],
    today: date,
    config: MatchConfig | None = None,
    *,
    history: History | None = None,
    region_of: Mapping[str, str] | None = None,
) -> tuple[Problem, Result]:
    """Build the candidate graph and solve the round."""
    problem = build(clients, homes, today, config, history=history, region_of=region_of)
    return problem, solve(problem)
