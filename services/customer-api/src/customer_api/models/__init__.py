"""All ORM classes of customer-api, one module per aggregate."""

from customer_api.models.approval import Approval
from customer_api.models.audit import AuditEntry, IdempotencyKey
from customer_api.models.base import SCHEMA, Base
from customer_api.models.contract import Collateral, Contract, ContractEvent
from customer_api.models.customer import CreditEvent, Customer, FinancialStatement
from customer_api.models.imports import ImportChunk, ImportJob, ImportRow
from customer_api.models.interaction import Interaction
from customer_api.models.partner import (
    DeliveryAttempt,
    OutboxMessage,
    Partner,
    PartnerLender,
    PartnerSubscription,
)
from customer_api.models.rating import Job, Rating
from customer_api.models.review import Complaint, ComplaintEvent, Survey, Verification
from customer_api.models.risk import ReserveBalance, StressTest
from customer_api.models.watch import IndustryWatch
from customer_api.models.work import Finding, ReviewCampaign, ReviewTask

__all__ = [
    "SCHEMA",
    "Approval",
    "AuditEntry",
    "Base",
    "Collateral",
    "Complaint",
    "ComplaintEvent",
    "Contract",
    "ContractEvent",
    "CreditEvent",
    "Customer",
    "DeliveryAttempt",
    "FinancialStatement",
    "Finding",
    "IdempotencyKey",
    "ImportChunk",
    "ImportJob",
    "ImportRow",
    "IndustryWatch",
    "Interaction",
    "Job",
    "OutboxMessage",
    "Partner",
    "PartnerLender",
    "PartnerSubscription",
    "Rating",
    "ReserveBalance",
    "ReviewCampaign",
    "ReviewTask",
    "StressTest",
    "Survey",
    "Verification",
]
