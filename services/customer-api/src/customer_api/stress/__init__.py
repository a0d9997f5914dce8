"""Stress tests: shocked PDs and haircuts, and what they do to capital (docs/DOMAIN.md §16)."""
