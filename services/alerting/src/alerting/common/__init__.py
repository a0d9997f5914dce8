"""HTTP conventions every alerting router uses (ETag/If-Match, idempotency, responses)."""
