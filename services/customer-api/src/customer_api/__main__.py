"""`python -m customer_api`: serve on CUSTOMER_API_PORT (uvicorn, one process, drains on exit)."""

from __future__ import annotations

from customer_api.app import create_app
from customer_api.settings import CustomerApiSettings
from guarantee_shared.web.server import serve


def main() -> None:
    settings = CustomerApiSettings()
    serve(
        create_app(settings), host=settings.host, port=settings.customer_api_port, settings=settings
    )


if __name__ == "__main__":
    main()
