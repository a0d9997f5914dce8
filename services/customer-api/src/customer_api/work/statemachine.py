"""The review-task state machine: pure, no I/O, no clock.

    open --start--> in_progress --complete--> done
    open, in_progress --cancel--> cancelled
    open, in_progress --reassign--> (status kept, assignee changed)
    open --complete--> done

The service locks the row, checks what needs the database (a verification since the task
opened), calls :func:`apply` and stores the result.

Choices the contract leaves open (ours):
- ``complete`` is allowed from ``open``: a task is done when its customer has been verified
  (DOMAIN §13), whether or not anyone said they had started.
- ``start`` on an unassigned task gives it to the caller: picking a task from the queue is how
  the queue is worked.
- ``done`` and ``cancelled`` are final; reopening is a new campaign.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from customer_api.work.schemas import TaskEventType, TaskStatus
from guarantee_shared.errors import Conflict

S = TaskStatus
ALLOWED_FROM: Final[Mapping[TaskEventType, frozenset[TaskStatus]]] = {
    TaskEventType.start: frozenset({S.open}),
    TaskEventType.complete: frozenset({S.open, S.in_progress}),
    TaskEventType.reassign: frozenset({S.open, S.in_progress}),
    TaskEventType.cancel: frozenset({S.open, S.in_progress}),
}
# reassign keeps the status, so it has no target.
TARGET: Final[Mapping[TaskEventType, TaskStatus]] = {
    TaskEventType.start: S.in_progress,
    TaskEventType.complete: S.done,
    TaskEventType.cancel: S.cancelled,
}
UNFINISHED: Final = frozenset({S.open, S.in_progress})


@dataclass(frozen=True)
class TaskState:
    status: TaskStatus
    assignee: str | None


def apply(
    state: TaskState,
    *,
    kind: TaskEventType,
    actor: str,
    assignee: str | None,
    verified_since_opened: bool,
) -> TaskState:
    """The state after the event, or :class:`Conflict` (409) when it may not happen."""
    if state.status not in ALLOWED_FROM[kind]:
        allowed = ", ".join(sorted(s.value for s in ALLOWED_FROM[kind]))
        raise Conflict(
            f"A task that is {state.status.value} cannot take a {kind.value} event "
            f"(allowed from: {allowed})",
            task_status=state.status.value,
        )
    if kind is TaskEventType.complete and not verified_since_opened:
        raise Conflict(
            "The task's customer has no verification recorded since the task opened; "
            "record one (POST /v1/customers/{id}/verifications) to complete it",
            task_status=state.status.value,
        )
    if kind is TaskEventType.reassign:
        return TaskState(status=state.status, assignee=assignee)
    target = TARGET[kind]
    if kind is TaskEventType.start and state.assignee is None:
        return TaskState(status=target, assignee=actor)
    return TaskState(status=target, assignee=state.assignee)
