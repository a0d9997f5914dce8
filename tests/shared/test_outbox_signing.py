"""The shared outbox: Standard Webhooks signing and verification, the CloudEvents envelope."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from guarantee_shared.outbox.cloudevents import cloudevent
from guarantee_shared.outbox.signing import secret_key, sign, verify, webhook_headers

# The example of the Standard Webhooks specification and its reference libraries.
SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SPEC_TIMESTAMP = 1614265330
SPEC_BODY = b'{"test": 2432232314}'
SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_the_signature_is_the_specifications_example() -> None:
    assert sign(SPEC_SECRET, msg_id=SPEC_ID, timestamp=SPEC_TIMESTAMP, body=SPEC_BODY) == (
        SPEC_SIGNATURE
    )


def _headers(**overrides: str) -> dict[str, str]:
    headers = webhook_headers(
        SPEC_SECRET,
        msg_id=SPEC_ID,
        timestamp=SPEC_TIMESTAMP,
        body=SPEC_BODY,
        content_type="application/json",
    )
    return {**headers, **overrides}


def test_verify_accepts_the_signed_message_within_the_tolerance() -> None:
    assert verify(SPEC_SECRET, _headers(), SPEC_BODY, now=SPEC_TIMESTAMP + 299)
    # A receiver may be sent several signatures (key rotation): one match is enough.
    rotated = _headers(**{"webhook-signature": "v1,bm90LXRoaXMtb25l " + SPEC_SIGNATURE})
    assert verify(SPEC_SECRET, rotated, SPEC_BODY, now=SPEC_TIMESTAMP)


@pytest.mark.parametrize(
    ("headers", "body", "now"),
    [
        (_headers(), b'{"test": 2432232315}', SPEC_TIMESTAMP),
        (_headers(**{"webhook-id": "msg_other"}), SPEC_BODY, SPEC_TIMESTAMP),
        (_headers(), SPEC_BODY, SPEC_TIMESTAMP + 301),
        (_headers(), SPEC_BODY, SPEC_TIMESTAMP - 301),
        (_headers(**{"webhook-timestamp": "soon"}), SPEC_BODY, SPEC_TIMESTAMP),
        ({"webhook-id": SPEC_ID}, SPEC_BODY, SPEC_TIMESTAMP),
    ],
    ids=["body-changed", "id-changed", "too-old", "too-new", "bad-timestamp", "unsigned"],
)
def test_verify_refuses_anything_else(headers: dict[str, str], body: bytes, now: int) -> None:
    assert not verify(SPEC_SECRET, headers, body, now=now)


def test_a_raw_secret_is_its_utf8_bytes_and_a_bad_whsec_is_refused() -> None:
    assert secret_key("a-raw-secret-of-16+") == b"a-raw-secret-of-16+"
    with pytest.raises(ValueError, match="base64"):
        secret_key("whsec_@@not-base64@@")


def test_a_cloudevent_is_the_structured_json_envelope() -> None:
    at = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)
    body = cloudevent(
        id="m-1", source="/v1/ratings", type="rating.changed", subject="X", time=at, data={"a": 1}
    )
    assert json.loads(body) == {
        "specversion": "1.0",
        "id": "m-1",
        "source": "/v1/ratings",
        "type": "rating.changed",
        "subject": "X",
        "time": "2026-12-01T08:30:00Z",
        "datacontenttype": "application/json",
        "data": {"a": 1},
    }
