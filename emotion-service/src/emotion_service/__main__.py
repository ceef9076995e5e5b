"""`python -m emotion_service`: serve on EMOTION_HOST:EMOTION_PORT."""

import uvicorn

from emotion_service.main import create_app
from emotion_service.settings import Settings


def main() -> None:
    settings = Settings()
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_config=None)


if __name__ == "__main__":
    main()
