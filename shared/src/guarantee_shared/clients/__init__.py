"""Typed httpx clients, one small class per peer service."""
