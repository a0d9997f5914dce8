"""Dependencies declared once as Annotated aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from guarantee_shared.db.engine import SessionDep
from guarantee_shared.web.auth import Principal, require

from customer_api.settings import CustomerApiSettings


def _settings(request: Request) -> CustomerApiSettings:
    settings: CustomerApiSettings = request.app.state.settings
    return settings


SettingsDep = Annotated[CustomerApiSettings, Depends(_settings)]

CustomersRead = Annotated[Principal, Depends(require("customers:read"))]
CustomersWrite = Annotated[Principal, Depends(require("customers:write"))]
ContractsRead = Annotated[Principal, Depends(require("contracts:read"))]
ContractsWrite = Annotated[Principal, Depends(require("contracts:write"))]
PortfolioRead = Annotated[Principal, Depends(require("portfolio:read"))]
AdminOnly = Annotated[Principal, Depends(require("admin"))]

__all__ = [
    "AdminOnly",
    "ContractsRead",
    "ContractsWrite",
    "CustomersRead",
    "CustomersWrite",
    "PortfolioRead",
    "SessionDep",
    "SettingsDep",
]
