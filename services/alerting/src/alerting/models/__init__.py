"""All ORM classes of alerting, schema ``alerting``."""

from alerting.models.alert import Alert, AlertTransition, EvaluationCycle
from alerting.models.base import SCHEMA, Base
from alerting.models.delivery import Channel, DeliveryAttempt, IdempotencyKey, OutboxMessage
from alerting.models.rule import Rule, Silence

__all__ = [
    "SCHEMA",
    "Alert",
    "AlertTransition",
    "Base",
    "Channel",
    "DeliveryAttempt",
    "EvaluationCycle",
    "IdempotencyKey",
    "OutboxMessage",
    "Rule",
    "Silence",
]
