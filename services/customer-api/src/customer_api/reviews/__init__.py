"""Periodic verifications and satisfaction surveys of customers."""
