"""`python -m customer_api`: serve on CUSTOMER_API_PORT (uvicorn, one process)."""

from __future__ import annotations

import uvicorn

from customer_api.settings import CustomerApiSettings


def main() -> None:
    settings = CustomerApiSettings()
    uvicorn.run(
        "customer_api.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.customer_api_port,
        log_config=None,
        access_log=False,
        proxy_headers=True,
    )


if __name__ == "__main__":
    main()
