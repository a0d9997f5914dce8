"""`python -m alerting`: serve on ALERTING_PORT (uvicorn, one process, drains on exit)."""

from __future__ import annotations

from alerting.app import create_app
from alerting.settings import AlertingSettings
from guarantee_shared.web.server import serve


def main() -> None:
    settings = AlertingSettings()
    serve(create_app(settings), host=settings.host, port=settings.alerting_port, settings=settings)


if __name__ == "__main__":
    main()
