"""Routes of portfolio (filled in by this package's service and schemas)."""

from __future__ import annotations

from guarantee_shared.web.routing import api_router

router = api_router(tags=["portfolio"])
