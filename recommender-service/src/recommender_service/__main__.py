"""`python -m recommender_service`: serve on RECOMMENDER_HOST:RECOMMENDER_PORT."""

from moodtune_service_kit.serving import serve
from recommender_service.main import create_app
from recommender_service.settings import Settings


def main() -> None:
    serve(create_app, Settings())


if __name__ == "__main__":
    main()
