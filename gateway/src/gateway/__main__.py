"""`python -m gateway`: serve on GATEWAY_HOST:GATEWAY_PORT."""

from gateway.main import create_app
from gateway.settings import Settings
from moodtune_service_kit.serving import serve


def main() -> None:
    serve(create_app, Settings())


if __name__ == "__main__":
    main()
