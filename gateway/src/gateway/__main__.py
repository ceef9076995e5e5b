"""`python -m gateway`: serve on GATEWAY_HOST:GATEWAY_PORT."""

import uvicorn

from gateway.main import create_app
from gateway.settings import Settings


def main() -> None:
    settings = Settings()
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_config=None)


if __name__ == "__main__":
    main()
