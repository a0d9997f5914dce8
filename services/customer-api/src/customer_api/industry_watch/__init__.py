"""The industry watch-list (docs/DOMAIN.md §15)."""
