"""Optimistic concurrency: every mutable row carries a version, shown to callers as its ETag."""

from __future__ import annotations

from guarantee_shared.errors import PreconditionFailed


def etag(version: int) -> str:
    return f'"{version}"'


def check_version(*, current: int, expected: int) -> None:
    """Refuse a change based on another version than the row's current one (412)."""
    if current != expected:
        raise PreconditionFailed(
            f"The resource is at version {current}; the If-Match was for version {expected}",
            current_etag=etag(current),
        )
