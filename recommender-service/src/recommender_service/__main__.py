"""`python -m recommender_service`: serve on RECOMMENDER_HOST:RECOMMENDER_PORT."""

import uvicorn

from recommender_service.main import create_app
from recommender_service.settings import Settings


def main() -> None:
    settings = Settings()
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_config=None)


if __name__ == "__main__":
    main()
