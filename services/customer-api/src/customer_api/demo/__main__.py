"""`python -m customer_api.demo [--if-empty]`: load the demo book into DATABASE_URL (or embedded).

Refuses a database that has customers already (exit 1; exit 0 with ``--if-empty``, which is
how `make run` loads it "when empty") and ENVIRONMENT=production (exit 2).
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from customer_api.app import create_app
from customer_api.demo.loader import DatabaseNotEmpty, DemoLoadError, LoadSummary, load_demo
from customer_api.settings import CustomerApiSettings


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m customer_api.demo", description=__doc__)
    parser.add_argument(
        "--if-empty", action="store_true", help="exit 0 without loading when customers exist"
    )
    args = parser.parse_args(argv)
    settings = CustomerApiSettings()
    if settings.environment == "production":
        print("demo data is never loaded with ENVIRONMENT=production", file=sys.stderr)  # noqa: T201
        return 2
    # The app is reached only in-process, by the loader's own HS256 token, whatever the
    # deployment's identity provider; its per-request logs would drown the summary. Its
    # thousands of writes are not a client to rate-limit.
    settings = settings.model_copy(
        update={"auth_jwks_url": None, "log_level": "WARNING", "rate_limit_enabled": False}
    )
    app = create_app(settings)

    async def run() -> LoadSummary:
        async with app.router.lifespan_context(app):
            return await load_demo(app)

    try:
        summary = asyncio.run(run())
    except DatabaseNotEmpty as exc:
        print(exc, file=sys.stderr)  # noqa: T201 - a CLI's output
        return 0 if args.if_empty else 1
    except DemoLoadError as exc:
        print(f"demo data failed to load: {exc}", file=sys.stderr)  # noqa: T201
        return 1
    print(summary.describe())  # noqa: T201
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
