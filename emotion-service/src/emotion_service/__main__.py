"""`python -m emotion_service`: serve on EMOTION_HOST:EMOTION_PORT."""

from emotion_service.main import create_app
from emotion_service.settings import Settings
from moodtune_service_kit.serving import serve


def main() -> None:
    serve(create_app, Settings())


if __name__ == "__main__":
    main()
