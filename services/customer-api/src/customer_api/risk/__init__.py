"""Risk accounting: expected loss, reserves and stress tests (docs/DOMAIN.md §16)."""
