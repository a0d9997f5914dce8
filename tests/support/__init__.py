"""Test support: real PostgreSQL databases, tokens, factories."""
