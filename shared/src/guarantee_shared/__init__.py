"""Shared schema package of the guarantee platform.

Everything here is used the same way by every service: boundary models, problem+json errors,
money and ratio types, keyset pagination, settings, auth, logging and the web plumbing.
This package never imports a service (checked by import-linter).
"""
