"""Ledger imports from CSV and XLSX files."""
