"""Webhook signatures the Standard Webhooks way.

``webhook-id`` (the outbox message's id, the same on every retry so receivers can drop
repeats), ``webhook-timestamp`` (Unix seconds of this attempt) and ``webhook-signature:
v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">``. A secret is either ``whsec_<base64>``
(the spec's form: the key is the decoded bytes) or any other string, whose UTF-8 bytes are the
key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping

SECRET_PREFIX = "whsec_"  # noqa: S105 - the spec's prefix, not a secret
# The spec's default tolerance for a receiver: older (or newer) timestamps are replays.
TIMESTAMP_TOLERANCE_S = 300


def secret_key(secret: str) -> bytes:
    """The HMAC key of a secret (``whsec_<base64>`` or a raw string); ValueError if malformed."""
    if secret.startswith(SECRET_PREFIX):
        try:
            return base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
        except binascii.Error as exc:
            raise ValueError("a whsec_ secret must be followed by base64") from exc
    return secret.encode()


def sign(secret: str, *, msg_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def webhook_headers(
    secret: str, *, msg_id: str, timestamp: int, body: bytes, content_type: str
) -> dict[str, str]:
    return {
        "content-type": content_type,
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, msg_id=msg_id, timestamp=timestamp, body=body),
    }


def verify(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: float,
    tolerance_s: int = TIMESTAMP_TOLERANCE_S,
) -> bool:
    """What a receiver checks: one of the ``v1`` signatures matches, and the timestamp is
    within ``tolerance_s`` of ``now`` (Unix seconds). ``headers`` with lower-case names."""
    try:
        msg_id, timestamp = headers["webhook-id"], int(headers["webhook-timestamp"])
        signatures = headers["webhook-signature"].split()
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance_s:
        return False
    expected = sign(secret, msg_id=msg_id, timestamp=timestamp, body=body)
    return any(hmac.compare_digest(candidate, expected) for candidate in signatures)
