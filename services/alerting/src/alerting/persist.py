"""Writing one cycle's outcomes: alert rows, transitions and outbox messages, one transaction.

The outbox row is written with the state change it announces, so a notification exists exactly
when its change was committed; delivery happens afterwards (see :mod:`alerting.outbox`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from alerting.evaluation import Notify, Outcome
from alerting.models import Alert, AlertTransition, Channel, OutboxMessage, Rule, Silence
from alerting.notifiers import AlertNotice, Format, render
from alerting.settings import AlertingSettings

SEVERITY_RANK = {"info": 0, "warning": 1, "critical": 2}


def alert_labels(rule: Rule, subject: str) -> dict[str, str]:
    """The labels silences match on and notifications carry (rule labels cannot override)."""
    return {
        **rule.labels,
        "alertname": rule.name,
        "severity": rule.severity,
        "indicator": rule.indicator,
        "scope": rule.scope,
        "subject": subject,
        "rule_id": str(rule.id),
    }


def silenced(labels: dict[str, str], silences: Sequence[Silence]) -> bool:
    return any(
        all(labels.get(m["name"]) == m["value"] for m in silence.matchers) for silence in silences
    )


def notice(alert: Alert, rule: Rule) -> AlertNotice:
    return AlertNotice(
        alert_id=alert.id,
        rule_id=rule.id,
        rule_name=rule.name,
        fingerprint=alert.fingerprint,
        subject=alert.subject,
        state=alert.state,
        severity=alert.severity,
        indicator=rule.indicator,
        op=rule.op,
        value=alert.value,
        threshold=alert.threshold,
        labels=alert.labels,
        started_at=alert.started_at,
        resolved_at=alert.resolved_at,
        description=rule.description,
    )


def enqueue(
    session: AsyncSession,
    *,
    alert: Alert,
    rule: Rule,
    kind: Notify,
    channels: Sequence[Channel],
    now: datetime,
    external_url: str,
) -> int:
    """One outbox message per channel that takes this severity; returns how many."""
    written = 0
    for channel in channels:
        if SEVERITY_RANK[alert.severity] < SEVERITY_RANK[channel.min_severity]:
            continue
        msg_id = uuid.uuid4()
        body = render(
            notice(alert, rule),
            fmt=Format(channel.format),
            msg_id=str(msg_id),
            kind=kind,
            receiver=channel.name,
            external_url=external_url,
            at=now,
        )
        session.add(
            OutboxMessage(
                id=msg_id,
                alert_id=alert.id,
                channel_id=channel.id,
                kind=kind,
                body=body,
                status="pending",
                attempts=0,
                next_attempt_at=now,
            )
        )
        written += 1
    return written


async def apply_outcomes(
    session: AsyncSession,
    *,
    rules: dict[uuid.UUID, Rule],
    outcomes: Sequence[Outcome],
    alerts: dict[tuple[uuid.UUID, str], Alert],
    cycle_id: int,
    now: datetime,
    settings: AlertingSettings,
) -> tuple[int, int]:
    """Apply ``outcomes``; returns (transitions, outbox messages) written."""
    channels = list(await session.scalars(select(Channel).where(Channel.enabled.is_(True))))
    silences = list(
        await session.scalars(
            select(Silence).where(Silence.starts_at <= now, Silence.ends_at > now)
        )
    )
    transitions = notifications = 0
    for outcome in outcomes:
        rule = rules[outcome.rule_id]
        current = outcome.current
        alert = alerts.get((outcome.rule_id, outcome.fingerprint))
        if alert is None:
            alert = Alert(
                id=uuid.uuid4(),
                rule_id=rule.id,
                fingerprint=outcome.fingerprint,
                subject=outcome.subject,
            )
            session.add(alert)
        alert.state = current.state.value
        alert.severity = rule.severity
        alert.value = current.value
        alert.threshold = rule.threshold
        alert.breaches = current.breaches
        alert.labels = alert_labels(rule, outcome.subject)
        alert.started_at = current.started_at
        alert.fired_at = current.fired_at
        alert.resolved_at = current.resolved_at
        alert.last_evaluated_at = now
        if outcome.notify == "firing":
            alert.acknowledged_by = alert.acknowledged_at = None  # a new episode
        if not outcome.changed:
            continue
        kind = outcome.notify
        muted = kind is not None and silenced(alert.labels, silences)
        session.add(
            AlertTransition(
                alert_id=alert.id,
                cycle_id=cycle_id,
                from_state=outcome.previous.state.value,
                to_state=current.state.value,
                value=current.value,
                suppressed=muted,
                at=now,
            )
        )
        transitions += 1
        if kind is not None and not muted:
            notifications += enqueue(
                session,
                alert=alert,
                rule=rule,
                kind=kind,
                channels=channels,
                now=now,
                external_url=settings.external_url,
            )
    await session.flush()
    return transitions, notifications
