"""A deterministic synthetic customer book for `make run` and demos (`python -m customer_api.demo`).

`book` plans it (pure: a fixed seed, dates relative to the day it is loaded); `loader` writes it
through the real HTTP API, so the demo obeys every domain rule and leaves an audit trail.
"""

from customer_api.demo.book import Book, build_book
from customer_api.demo.loader import ACTOR, DatabaseNotEmpty, DemoLoadError, LoadSummary, load_demo

__all__ = [
    "ACTOR",
    "Book",
    "DatabaseNotEmpty",
    "DemoLoadError",
    "LoadSummary",
    "build_book",
    "load_demo",
]
