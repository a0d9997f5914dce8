"""`python -m customer_api.migrate [upgrade [REV] | downgrade REV | heads]` on DATABASE_URL (or the
embedded server in development)."""

from __future__ import annotations

import sys
from pathlib import Path

from customer_api.settings import CustomerApiSettings
from guarantee_shared.db import migrations
from guarantee_shared.db.embedded import resolve_database_url

SCRIPT_LOCATION = Path(__file__).parent / "migrations"


def main(argv: list[str]) -> int:
    settings = CustomerApiSettings()
    url = resolve_database_url(settings.database_url, settings.data_dir)
    return migrations.cli(SCRIPT_LOCATION, url, argv)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
