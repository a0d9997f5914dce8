"""Test doubles at the HTTP boundary: customer-api's portfolio endpoints, a webhook receiver."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from fastapi import FastAPI, Request, Response

AS_OF = "2026-06-30"


def group(key: str | None = None, **figures: Any) -> dict[str, Any]:
    """An indicator group with healthy figures unless overridden."""
    body: dict[str, Any] = {
        "key": key,
        "name": None,
        "customers": 10,
        "contracts": 12,
        "outstanding_balance": "10000000.00",
        "guarantee_liability": "10000000.00",
        "collateral_value": "15000000.00",
        "coverage_ratio": 1.5,
        "overdue_amount": "0.00",
        "overdue_rate": 0.0,
        "released_amount": "5000000.00",
        "compensated_amount": "0.00",
        "compensation_rate": 0.0,
        "recovered_amount": "0.00",
        "recovery_rate": None,
        "compensation_balance": "0.00",
        "loss_amount": "0.00",
        "loss_rate": 0.0,
    }
    body.update(figures)
    return body


def regulatory(**figures: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "as_of": AS_OF,
        "net_assets": "500000000.00",
        "guarantee_investments": "0.00",
        "financing_liability": "1000000000.00",
        "weighted_liability": "1000000000.00",
        "weights": [],
        "leverage": 2.0,
        "leverage_cap": 10,
        "leverage_within_cap": True,
        "financing_balance": "1000000000.00",
        "small_micro_balance_share": 0.3,
        "small_micro_customer_share": 0.4,
        "largest_customer": None,
        "largest_group": None,
        "top_customers": [],
        "top_groups": [],
    }
    body.update(figures)
    return body


def signal(
    customer_id: uuid.UUID, kind: str, value: Any, grade: str | None = None
) -> dict[str, Any]:
    return {
        "customer_id": str(customer_id),
        "customer_name": "苏州精工机械有限公司",
        "kind": kind,
        "value": value,
        "grade": grade,
        "observed_at": AS_OF,
        "source_id": str(uuid.uuid4()),
        "detail": None,
    }


class FakeCustomerApi:
    """Serves the figures a test sets; ``down = True`` answers 503 to everything."""

    def __init__(self) -> None:
        self.app = FastAPI()
        self.reset()

        @self.app.get("/v1/portfolio/indicators")
        async def indicators(request: Request) -> Response:
            self.calls.append(str(request.url))
            if self.down:
                return Response(status_code=503)
            group_by = request.query_params.get("group_by", "none")
            groups = self.groups.get(group_by, [group()] if group_by == "none" else [])
            return _json(
                {
                    "as_of": AS_OF,
                    "period": "ytd",
                    "period_start": "2026-01-01",
                    "group_by": group_by,
                    "groups": groups,
                    "next_cursor": None,
                }
            )

        @self.app.get("/v1/portfolio/signals")
        async def signals(request: Request) -> Response:
            self.calls.append(str(request.url))
            if self.down:
                return Response(status_code=503)
            return _json({"items": self.signals, "next_cursor": None})

        @self.app.get("/v1/portfolio/regulatory")
        async def regulatory_figures(request: Request) -> Response:
            self.calls.append(str(request.url))
            if self.down:
                return Response(status_code=503)
            return _json(self.regulatory)

    def reset(self) -> None:
        self.down = False
        self.groups: dict[str, list[dict[str, Any]]] = {}
        self.signals: list[dict[str, Any]] = []
        self.regulatory: dict[str, Any] = regulatory()
        self.calls: list[str] = []


def _json(body: Any) -> Response:
    import json

    return Response(json.dumps(body, default=str), media_type="application/json")


__all__ = ["AS_OF", "FakeCustomerApi", "date", "group", "regulatory", "signal"]
