"""Tests of the rating engine: scoring rules, ruleset loading, HTTP API and the typed client."""
