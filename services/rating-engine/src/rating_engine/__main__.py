"""``python -m rating_engine``: serve on ``RATING_ENGINE_PORT`` (8002) at ``HOST`` (127.0.0.1)."""

from __future__ import annotations

import os
import sys

from guarantee_shared.web.server import serve
from rating_engine.app import create_app
from rating_engine.ruleset import RulesetError
from rating_engine.settings import RatingEngineSettings


def main() -> None:
    settings = RatingEngineSettings()
    try:
        app = create_app(settings)
    except RulesetError as exc:
        # A clear line and a non-zero exit, not a traceback: the ruleset is data to fix.
        sys.stderr.write(f"rating-engine cannot start: {exc}\n")
        raise SystemExit(2) from exc
    serve(
        app,
        host=os.environ.get("HOST", "127.0.0.1"),
        port=settings.rating_engine_port,
        settings=settings,
    )


if __name__ == "__main__":
    main()
