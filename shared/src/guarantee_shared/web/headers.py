"""Security headers on every answer, and the Content-Security-Policy values pages need.

:class:`SecurityHeaders` is applied by :class:`~guarantee_shared.web.middleware.ServiceMiddleware`
as it starts each response (one send wrapper for both, so the hot scoring path pays for one).
Each default is added only when the route did not set that header itself, which is how a page
gives its own policy (the Swagger UI and ReDoc pages, the HTML review report) and the packaged
documentation assets keep their long ``Cache-Control``.

* ``X-Content-Type-Options: nosniff`` — a browser never reads JSON (or an upload echoed in an
  error) as HTML or script.
* ``Content-Security-Policy`` — API answers are data: ``default-src 'none'`` loads nothing and
  ``frame-ancestors 'none'`` keeps them out of frames (``X-Frame-Options`` for old browsers).
* ``Cache-Control: no-store`` — almost every answer carries customer data; no browser, proxy
  or CDN keeps a copy. ``ETag``/``If-Match`` still work: they guard writes, not caches.
* ``Referrer-Policy: no-referrer`` — links followed from the docs or the report tell nobody
  which URL (with its ids and filters) they came from.
* ``Strict-Transport-Security`` — only on a request that came over TLS: ``scope["scheme"]``
  is ``https`` when uvicorn served TLS itself or, with ``proxy_headers`` (the services'
  ``__main__``), when a proxy listed in ``FORWARDED_ALLOW_IPS`` said ``X-Forwarded-Proto:
  https``. Over plain HTTP the header means nothing (RFC 6797 §8.1) and is left out.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable
from typing import Any

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

_DEFAULTS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"content-security-policy", API_CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
    (b"referrer-policy", b"no-referrer"),
)
_HSTS = b"strict-transport-security"


def csp_hash(source: str) -> str:
    """The CSP source expression allowing exactly this inline ``<script>`` or ``<style>`` text."""
    digest = hashlib.sha256(source.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


class SecurityHeaders:
    """The headers to add to a response start, given the headers the route already set."""

    def __init__(self, *, hsts_max_age_s: int) -> None:
        self._hsts = (
            (_HSTS, f"max-age={hsts_max_age_s}; includeSubDomains".encode())
            if hsts_max_age_s > 0
            else None
        )

    def missing(self, headers: Iterable[Any], *, tls: bool) -> list[tuple[bytes, bytes]]:
        present = {name.lower() for name, _ in headers}
        added = [header for header in _DEFAULTS if header[0] not in present]
        if tls and self._hsts is not None and _HSTS not in present:
            added.append(self._hsts)
        return added
