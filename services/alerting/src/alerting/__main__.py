"""`python -m alerting`: serve on ALERTING_PORT (uvicorn, one process)."""

from __future__ import annotations

import uvicorn

from alerting.settings import AlertingSettings


def main() -> None:
    settings = AlertingSettings()
    uvicorn.run(
        "alerting.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.alerting_port,
        log_config=None,
        access_log=False,
        proxy_headers=True,
    )


if __name__ == "__main__":
    main()
