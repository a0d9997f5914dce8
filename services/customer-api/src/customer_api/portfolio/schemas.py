"""Portfolio models at the HTTP boundary.

They are defined in :mod:`guarantee_shared.schemas.portfolio` because they cross a service
boundary: alerting reads these figures through a typed client. This module only names them for
the package, as every domain package has its own ``schemas``.
"""

from __future__ import annotations

from guarantee_shared.schemas.portfolio import (
    CustomerConcentration,
    GroupBy,
    GroupConcentration,
    IndicatorGroup,
    IndicatorReport,
    Period,
    RegulatoryFigures,
    Signal,
    SignalKind,
    SignalPage,
    WeightBucket,
)

__all__ = [
    "CustomerConcentration",
    "GroupBy",
    "GroupConcentration",
    "IndicatorGroup",
    "IndicatorReport",
    "Period",
    "RegulatoryFigures",
    "Signal",
    "SignalKind",
    "SignalPage",
    "WeightBucket",
]
