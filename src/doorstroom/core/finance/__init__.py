"""Finance of the social domain: budgets, distribution, solidarity fund, realised costs.

Pure Python with exact ``Decimal``/``Fraction`` arithmetic; one rounding rule for every set
of amounts that must add up (see :mod:`doorstroom.core.finance.money`). Every calculation
returns a result object that carries its inputs, the rule version and a per-step
explanation (translatable ``Message`` templates), and can be recomputed from its stored
inputs (``*_from_dict``).
"""

from doorstroom.core.finance.costs import (
    DAY_RULE,
    PRODUCT_STREAM,
    STREAM_LABELS,
    CostDetail,
    CostLine,
    CostResult,
    CostStay,
    Stream,
    Tariff,
    realised_costs,
    stream_of,
)
from doorstroom.core.finance.fund import (
    CAP_LABELS,
    KEY_LABELS,
    Cap,
    CapKind,
    FundKey,
    FundLine,
    FundMember,
    FundResult,
    FundSettings,
    Payment,
    settle,
    settle_from_dict,
)
from doorstroom.core.finance.money import (
    ROUNDING_RULE,
    RULE_VERSION,
    FinanceError,
    allocate,
    allocate_capped,
    apportion,
    money,
    percent,
)
from doorstroom.core.finance.phase_in import (
    DistributionLine,
    DistributionResult,
    PhaseInPath,
    distribute,
    distribute_from_dict,
    distribute_years,
)

__all__ = [
    "CAP_LABELS",
    "DAY_RULE",
    "KEY_LABELS",
    "PRODUCT_STREAM",
    "ROUNDING_RULE",
    "RULE_VERSION",
    "STREAM_LABELS",
    "Cap",
    "CapKind",
    "CostDetail",
    "CostLine",
    "CostResult",
    "CostStay",
    "DistributionLine",
    "DistributionResult",
    "FinanceError",
    "FundKey",
    "FundLine",
    "FundMember",
    "FundResult",
    "FundSettings",
    "Payment",
    "PhaseInPath",
    "Stream",
    "Tariff",
    "allocate",
    "allocate_capped",
    "apportion",
    "distribute",
    "distribute_from_dict",
    "distribute_years",
    "money",
    "percent",
    "realised_costs",
    "settle",
    "settle_from_dict",
    "stream_of",
]
