"""Dependencies declared once as Annotated aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from alerting.evaluator import Evaluator
from alerting.models import IdempotencyKey
from alerting.outbox import DeliveryWorker
from alerting.settings import AlertingSettings
from guarantee_shared.db.engine import SessionDep
from guarantee_shared.db.idempotency import Idempotency, idempotency_dependency
from guarantee_shared.web.auth import Principal, require


def _settings(request: Request) -> AlertingSettings:
    settings: AlertingSettings = request.app.state.settings
    return settings


def _evaluator(request: Request) -> Evaluator:
    evaluator: Evaluator = request.app.state.evaluator
    return evaluator


def _worker(request: Request) -> DeliveryWorker:
    worker: DeliveryWorker = request.app.state.delivery_worker
    return worker


SettingsDep = Annotated[AlertingSettings, Depends(_settings)]
EvaluatorDep = Annotated[Evaluator, Depends(_evaluator)]
DeliveryWorkerDep = Annotated[DeliveryWorker, Depends(_worker)]
AlertsRead = Annotated[Principal, Depends(require("alerts:read"))]
AlertsWrite = Annotated[Principal, Depends(require("alerts:write"))]

__all__ = [
    "AlertsRead",
    "AlertsWrite",
    "DeliveryWorkerDep",
    "EvaluatorDep",
    "IdempotencyDep",
    "SessionDep",
    "SettingsDep",
]

# Creating POSTs take an Idempotency-Key (docs/CONTRACT.md); keys live in this service's schema.
IdempotencyDep = Annotated[Idempotency, Depends(idempotency_dependency(IdempotencyKey))]
