"""ETag / If-Match and response helpers (docs/CONTRACT.md conventions)."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends, Header, Query
from fastapi.responses import Response
from pydantic import BaseModel

from guarantee_shared.errors import PreconditionFailed, PreconditionRequired
from guarantee_shared.pagination import MAX_LIMIT
from guarantee_shared.versions import etag

# An ETag this service issues (guarantee_shared.versions.etag), weak or strong.
ETAG_PATTERN = r'^(?:W/)?"(\d{1,10})"$'
_ETAG = re.compile(ETAG_PATTERN)


def _if_match(
    if_match: Annotated[
        str | None,
        Header(description="The ETag of the version being changed (required)"),
    ] = None,
) -> int:
    if if_match is None:
        raise PreconditionRequired("This write needs an If-Match header with the resource's ETag")
    match = _ETAG.match(if_match.strip())
    if not match:
        raise PreconditionFailed(f"If-Match {if_match!r} is not an ETag this service issued")
    return int(match.group(1))


IfMatchDep = Annotated[int, Depends(_if_match)]


def _optional_if_match(
    if_match: Annotated[
        str | None,
        Header(description="Optional: the ETag the change is based on (412 when stale)"),
    ] = None,
) -> int | None:
    return None if if_match is None else _if_match(if_match)


# For writes where a stale-check is the caller's choice (e.g. contract events, which are
# already serialised by a row lock and judged against the current state).
OptionalIfMatchDep = Annotated[int | None, Depends(_optional_if_match)]


def json_response(
    model: BaseModel,
    *,
    status_code: int = 200,
    version: int | None = None,
    location: str | None = None,
) -> Response:
    headers: dict[str, str] = {}
    if version is not None:
        headers["ETag"] = etag(version)
    if location is not None:
        headers["Location"] = location
    return Response(
        content=model.model_dump_json(),
        status_code=status_code,
        media_type="application/json",
        headers=headers,
    )


LimitQuery = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size (max 500)")]
CursorQuery = Annotated[
    str | None, Query(max_length=512, description="`next_cursor` of the previous page")
]
