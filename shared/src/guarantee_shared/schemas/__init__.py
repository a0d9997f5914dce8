"""Pydantic models that cross a service boundary, one module per peer contract."""
