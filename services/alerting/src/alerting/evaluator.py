"""The evaluation loop: leadership lock, fetch, evaluate, persist with the outbox, one transaction.

One replica evaluates at a time: a session-level PostgreSQL advisory lock is held for the whole
cycle on a connection of its own (it goes with the connection if the process dies). A scheduled
cycle is skipped when any replica started one less than 0.9 intervals ago, so replicas whose
timers interleave still evaluate once per interval between them.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
import uuid
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from alerting import metrics, sources
from alerting.evaluation import AlertState, Op, RuleView, State, evaluate
from alerting.models import Alert, EvaluationCycle, Rule
from alerting.persist import apply_outcomes
from alerting.schemas import CycleSummary
from alerting.settings import AlertingSettings
from guarantee_shared.clients.customer_api import CustomerApiClient
from guarantee_shared.clock import utc_now
from guarantee_shared.errors import Conflict, DomainError
from guarantee_shared.logging import get_logger
from guarantee_shared.schemas.portfolio import (
    GroupBy,
    IndicatorReport,
    RegulatoryFigures,
    Signal,
)

log = get_logger(__name__)

LOCK_SQL = text("SELECT pg_try_advisory_lock(hashtextextended('alerting:evaluator', 0))")
UNLOCK_SQL = text("SELECT pg_advisory_unlock(hashtextextended('alerting:evaluator', 0))")


def replica_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


async def fetch(
    client: CustomerApiClient, needs: sources.Needs
) -> tuple[sources.Fetched, list[str]]:
    """Everything the rules need; a source that fails is left out and named."""
    # group_by=none is always read: it is cheap and tells whether customer-api answers at all.
    group_bys = sorted(needs.group_bys | {GroupBy.NONE})
    unavailable: list[str] = []

    async def one_report(group_by: GroupBy) -> IndicatorReport | None:
        try:
            return await client.all_indicators(group_by=group_by)
        except DomainError as exc:
            unavailable.append(f"indicators:{group_by.value}")
            log.warning("alerting_source_unavailable", source=group_by.value, error=exc.detail)
            return None

    async def signals() -> list[Signal] | None:
        if not needs.signals:
            return None
        try:
            return [signal async for signal in client.iter_signals()]
        except DomainError as exc:
            unavailable.append("signals")
            log.warning("alerting_source_unavailable", source="signals", error=exc.detail)
            return None

    async def regulatory() -> RegulatoryFigures | None:
        if not needs.regulatory:
            return None
        try:
            return await client.regulatory()
        except DomainError as exc:
            unavailable.append("regulatory")
            log.warning("alerting_source_unavailable", source="regulatory", error=exc.detail)
            return None

    reports, signal_list, figures = await asyncio.gather(
        asyncio.gather(*(one_report(g) for g in group_bys)), signals(), regulatory()
    )
    indicators = {g: r for g, r in zip(group_bys, reports, strict=True) if r is not None}
    fetched = sources.Fetched(
        indicators=indicators, signals=signal_list, regulatory=figures, up=not unavailable
    )
    return fetched, sorted(unavailable)


def _rule_source(rule: Rule) -> sources.RuleSource:
    return sources.RuleSource(
        indicator=rule.indicator,
        scope=rule.scope,
        scope_value=rule.scope_value,
        match=tuple(rule.match) if rule.match is not None else None,
    )


def _previous(alerts: list[Alert]) -> dict[uuid.UUID, dict[str, AlertState]]:
    known: dict[uuid.UUID, dict[str, AlertState]] = defaultdict(dict)
    for alert in alerts:
        known[alert.rule_id][alert.subject] = AlertState(
            state=State(alert.state),
            breaches=alert.breaches,
            value=alert.value,
            started_at=alert.started_at,
            fired_at=alert.fired_at,
            resolved_at=alert.resolved_at,
        )
    return known


class Evaluator:
    def __init__(
        self,
        *,
        engine: AsyncEngine,
        sessionmaker: async_sessionmaker[AsyncSession],
        client: CustomerApiClient,
        settings: AlertingSettings,
    ) -> None:
        self._engine = engine
        self._sessionmaker = sessionmaker
        self._client = client
        self._settings = settings
        self.replica = replica_name()

    async def run_forever(self) -> None:
        interval = self._settings.alert_poll_interval_s
        # Peers started alongside (`make run`) get a moment to come up before the first look.
        await asyncio.sleep(min(interval, 2.0))
        while True:
            try:
                await self.run_cycle(trigger="schedule")
            except Exception:  # one failed cycle must not stop the loop; the next one retries
                log.exception("alerting_cycle_failed")
                metrics.CYCLES.labels(outcome="error").inc()
            await asyncio.sleep(interval)

    async def run_cycle(self, *, trigger: str) -> CycleSummary | None:
        """Run one cycle if this replica gets the lead; None when a scheduled one is not due.

        A manual cycle (``POST /v1/evaluate``) always runs, unless another replica is in the
        middle of one, which is a 409.
        """
        async with self._engine.connect() as lock_conn:
            got = bool(await lock_conn.scalar(LOCK_SQL))
            await lock_conn.commit()  # the lock is the session's; no transaction stays open
            if not got:
                if trigger == "manual":
                    raise Conflict("Another replica is evaluating right now; retry in a moment")
                metrics.CYCLES.labels(outcome="follower").inc()
                return None
            try:
                if trigger == "schedule" and await self._recently_evaluated():
                    metrics.CYCLES.labels(outcome="not_due").inc()
                    return None
                return await self._cycle(trigger)
            finally:
                await lock_conn.execute(UNLOCK_SQL)
                await lock_conn.commit()

    async def _recently_evaluated(self) -> bool:
        async with self._sessionmaker() as session:
            last = await session.scalar(select(func.max(EvaluationCycle.started_at)))
        due_gap = timedelta(seconds=self._settings.alert_poll_interval_s * 0.9)
        return last is not None and utc_now() - last < due_gap

    async def _cycle(self, trigger: str) -> CycleSummary:
        clock = time.perf_counter()
        started = utc_now()
        async with self._sessionmaker() as session:
            rules = list(await session.scalars(select(Rule).where(Rule.enabled.is_(True))))
        fetched, unavailable = await fetch(
            self._client, sources.needs([(r.indicator, r.scope) for r in rules])
        )
        observations = {rule.id: sources.observe(_rule_source(rule), fetched) for rule in rules}
        async with self._sessionmaker() as session, session.begin():
            alerts = list(
                await session.scalars(select(Alert).where(Alert.rule_id.in_([r.id for r in rules])))
            )
            now = utc_now()
            outcomes = evaluate(
                [RuleView(r.id, Op(r.op), r.threshold, r.for_cycles) for r in rules],
                observations,
                _previous(alerts),
                now,
            )
            cycle = EvaluationCycle(
                started_at=started,
                finished_at=now,
                trigger=trigger,
                replica=self.replica,
                customer_api_up=fetched.up,
                unavailable=unavailable,
                error=None,
                rules=len(rules),
                observations=sum(len(o) for o in observations.values() if o is not None),
                transitions=0,
                notifications=0,
                duration_ms=0,
            )
            session.add(cycle)
            await session.flush()
            transitions, notifications = await apply_outcomes(
                session,
                rules={r.id: r for r in rules},
                outcomes=outcomes,
                alerts={(a.rule_id, a.fingerprint): a for a in alerts},
                cycle_id=cycle.id,
                now=now,
                settings=self._settings,
            )
            counts = await _alert_counts(session)
            cycle.transitions, cycle.notifications = transitions, notifications
            cycle.finished_at = utc_now()
            cycle.duration_ms = int((time.perf_counter() - clock) * 1000)
        elapsed = time.perf_counter() - clock
        self._publish(rules, observations, fetched.up, counts, elapsed)
        log.info(
            "alerting_cycle",
            cycle_id=cycle.id,
            transitions=transitions,
            notifications=notifications,
            unavailable=unavailable,
            duration_ms=cycle.duration_ms,
        )
        return _summary(cycle, firing=counts_firing(counts))

    @staticmethod
    def _publish(
        rules: list[Rule],
        observations: dict[uuid.UUID, dict[str, Decimal | None] | None],
        up: bool,
        counts: dict[tuple[str, str], int],
        elapsed: float,
    ) -> None:
        values: dict[tuple[str, str, str], Decimal] = {}
        for rule in rules:
            for subject, value in (observations.get(rule.id) or {}).items():
                if value is not None:
                    values[(rule.indicator, rule.scope, subject)] = value
        metrics.publish_indicators((*key, value) for key, value in values.items())
        metrics.publish_alert_counts(counts)
        metrics.CUSTOMER_API_UP.set(1 if up else 0)
        metrics.EVALUATION_SECONDS.observe(elapsed)
        metrics.CYCLES.labels(outcome="evaluated" if up else "customer_api_down").inc()


async def _alert_counts(session: AsyncSession) -> dict[tuple[str, str], int]:
    rows = await session.execute(
        select(Alert.state, Alert.severity, func.count()).group_by(Alert.state, Alert.severity)
    )
    return {(state, severity): count for state, severity, count in rows}


def counts_firing(counts: dict[tuple[str, str], int]) -> int:
    return sum(n for (state, _), n in counts.items() if state == State.FIRING)


def _summary(cycle: EvaluationCycle, *, firing: int) -> CycleSummary:
    return CycleSummary(
        cycle_id=cycle.id,
        trigger=cycle.trigger,
        replica=cycle.replica,
        started_at=cycle.started_at,
        finished_at=cycle.finished_at,
        duration_ms=cycle.duration_ms,
        customer_api_up=cycle.customer_api_up,
        unavailable=list(cycle.unavailable),
        error=cycle.error,
        rules=cycle.rules,
        observations=cycle.observations,
        transitions=cycle.transitions,
        notifications=cycle.notifications,
        firing=firing,
    )
