"""HTTP conventions every customer-api route shares: ETags, idempotency, responses."""
