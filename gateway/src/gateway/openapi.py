"""The gateway's OpenAPI spec as a product, and `python -m gateway.openapi` to export it.

FastAPI releases from early 2026 describe file uploads with `contentMediaType` alone; client
generators (openapi-python-client among them) then type the upload as a string. Adding
`format: binary` makes generated clients upload bytes.
"""

import json
import sys
from typing import Any


def fix_upload_schemas(schema: dict[str, Any]) -> dict[str, Any]:
    def visit(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "string" and "contentMediaType" in node:
                node["format"] = "binary"
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(schema)
    return schema


def render() -> str:
    from gateway.main import create_app

    return json.dumps(create_app().openapi(), indent=2, sort_keys=False) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
