"""Customer interactions and their follow-ups (docs/DOMAIN.md §15)."""
