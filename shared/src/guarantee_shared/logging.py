"""structlog configured once per process: JSON lines with the request id bound per request."""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

import orjson
import structlog


def _dumps(event: Any, **kwargs: Any) -> str:
    """orjson rendering (several times faster than ``json.dumps``), same JSON for log events.

    orjson refuses integers beyond 64 bits; such a rare event falls back to ``json.dumps``.
    """
    try:
        rendered = orjson.dumps(
            event, default=kwargs.get("default"), option=orjson.OPT_NON_STR_KEYS
        )
        return rendered.decode()
    except TypeError:
        return json.dumps(event, **kwargs)


def configure_logging(*, level: str = "INFO", fmt: str = "json") -> None:
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
        structlog.processors.format_exc_info,
    ]
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer(serializer=_dumps)
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[*shared, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.WriteLoggerFactory(sys.stderr),
        cache_logger_on_first_use=True,
    )
    # Route the standard library (uvicorn, sqlalchemy, alembic) through the same renderer.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
            foreign_pre_chain=shared,
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # Access lines duplicate our own request log line.
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    # httpx logs every outgoing request at INFO; the peer logs the same call with its request id.
    logging.getLogger("httpx").setLevel(logging.WARNING)


def get_logger(name: str) -> structlog.typing.FilteringBoundLogger:
    """A logger for ``name``; it filters by the configured level before doing any work."""
    return structlog.get_logger(name)  # type: ignore[no-any-return]
