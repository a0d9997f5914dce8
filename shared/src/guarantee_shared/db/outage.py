"""Telling "the database is unreachable" apart from every other database error.

While PostgreSQL restarts, fails over or refuses connections, a request that needs it cannot
succeed now but will soon, and nothing it began was committed: the caller should get a 503 with
``Retry-After`` and try again, not a 500 that says the service is broken (the handler that
renders it, :func:`install_outage_handlers`, is installed by every service with a database).
The errors come in several shapes:

* a connection that dies under a statement (restart, failover, network): SQLAlchemy reports a
  ``DBAPIError`` with ``connection_invalidated``, once it knows the error as a disconnect;
* a connection PostgreSQL terminates while it sits idle in a transaction (``pg_ctl stop -m
  fast`` sends FATAL 57P01 to every backend): the next statement on it may find asyncpg's
  protocol still consuming that error and fail with an ``InternalClientError``, or see the
  57P01 itself before the socket closes (the pool's pre-ping discards such a connection);
* a new connection refused: asyncpg raises the socket's own ``OSError`` (refused, reset,
  timed out), which SQLAlchemy passes on unwrapped, or PostgreSQL answers "starting up" /
  "shutting down" / "too many clients" (SQLSTATE 57P03, 57P01, 53300);
* the pool waited its ``pool_timeout`` for a connection in vain.
"""

from __future__ import annotations

import traceback
from collections.abc import Iterator

from asyncpg.exceptions import InternalClientError, OutdatedSchemaCacheError
from fastapi import FastAPI, Request
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from guarantee_shared.db.engine import session_dependency
from guarantee_shared.errors import DatabaseUnavailable
from guarantee_shared.logging import get_logger
from guarantee_shared.web.problems import ProblemResponse, domain_problem, unexpected_problem

log = get_logger(__name__)

# Connection exceptions (class 08); a backend terminated by a shutdown (admin, crash); cannot
# connect now (starting up, shutting down); too many connections: the server, not the
# statement, is the problem.
_UNAVAILABLE_SQLSTATES = ("08", "57P01", "57P02", "57P03", "53300")
_DRIVER_MODULES = ("asyncpg", "sqlalchemy")


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        orig = getattr(current, "orig", None)  # SQLAlchemy's wrapper keeps the driver's error
        todo.extend([current.__cause__, current.__context__])
        if isinstance(orig, BaseException):
            todo.append(orig)


def _raised_by_driver(exc: BaseException) -> bool:
    """Whether ``exc`` came up through asyncpg or SQLAlchemy (an OSError from a file or another
    peer is no database outage)."""
    for frame, _ in traceback.walk_tb(exc.__traceback__):
        module = frame.f_globals.get("__name__", "")
        if module.split(".", 1)[0] in _DRIVER_MODULES:
            return True
    return False


def database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` means the database could not be reached, rather than refused the work."""
    for error in _chain(exc):
        if isinstance(error, DBAPIError) and error.connection_invalidated:
            return True
        if isinstance(error, PoolTimeout):
            return True
        sqlstate = getattr(error, "sqlstate", None)
        if isinstance(sqlstate, str) and sqlstate.startswith(_UNAVAILABLE_SQLSTATES):
            return True
        # asyncpg raises InternalClientError only when its protocol is in a state it did not
        # expect (a stale type cache aside): the connection broke under it.
        if isinstance(error, InternalClientError) and not isinstance(
            error, OutdatedSchemaCacheError
        ):
            return True
        if isinstance(error, OSError) and _raised_by_driver(error):
            return True
    return False


async def _on_database_error(request: Request, exc: Exception) -> ProblemResponse:
    if not database_unavailable(exc):
        return unexpected_problem(request, exc)
    # The type only: a statement's text and parameters (which may be personal data) stay out.
    log.warning("database_unavailable", path=request.url.path, error_type=type(exc).__name__)
    return domain_problem(
        DatabaseUnavailable("The database cannot be reached right now; retry shortly.")
    )


def install_outage_handlers(app: FastAPI) -> None:
    """Answer an unreachable database with 503 ``database-unavailable`` and ``Retry-After``.

    Registered by class, the handlers run inside the app (ServiceMiddleware counts the status
    sent, the connection stays open); any other error of these classes is still a logged 500.
    OSError is among them because asyncpg raises a refused connection as the socket's error.
    Not part of ``build_app``: the web layer does not import the database stack, which the
    rating engine's production install does not have.
    """
    for error_class in (DBAPIError, PoolTimeout, OSError):
        app.add_exception_handler(error_class, _on_database_error)
    # For the OpenAPI completion (guarantee_shared.web.openapi): routes that open the request's
    # session may answer 503 database-unavailable.
    app.state.database_dependencies = frozenset({session_dependency})
