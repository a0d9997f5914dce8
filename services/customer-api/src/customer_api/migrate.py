"""`python -m customer_api.migrate [upgrade|downgrade REV|heads]` on DATABASE_URL (or embedded)."""

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
    action = argv[0] if argv else "upgrade"
    if action == "upgrade":
        migrations.upgrade(SCRIPT_LOCATION, url, argv[1] if len(argv) > 1 else "head")
    elif action == "downgrade" and len(argv) == 2:
        migrations.downgrade(SCRIPT_LOCATION, url, argv[1])
    elif action == "heads":
        print(" ".join(migrations.heads(SCRIPT_LOCATION)))  # noqa: T201 - a CLI's output
    else:
        print(__doc__, file=sys.stderr)  # noqa: T201
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
