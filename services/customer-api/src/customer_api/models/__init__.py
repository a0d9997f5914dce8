"""All ORM classes of customer-api, one module per aggregate."""

from customer_api.models.audit import AuditEntry, IdempotencyKey
from customer_api.models.base import SCHEMA, Base
from customer_api.models.contract import Collateral, Contract, ContractEvent
from customer_api.models.customer import CreditEvent, Customer, FinancialStatement

__all__ = [
    "SCHEMA",
    "AuditEntry",
    "Base",
    "Collateral",
    "Contract",
    "ContractEvent",
    "CreditEvent",
    "Customer",
    "FinancialStatement",
    "IdempotencyKey",
]
