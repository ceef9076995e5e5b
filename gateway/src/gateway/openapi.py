"""The gateway's OpenAPI spec as a product: `python -m gateway.openapi` exports it (the committed
gateway/openapi.json, which client generators read)."""

import json
import sys

from gateway.main import create_app


def render() -> str:
    return json.dumps(create_app().openapi(), indent=2, sort_keys=False) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
