"""The one hook that finishes a service's OpenAPI spec after FastAPI has made it.

FastAPI releases from early 2026 describe file uploads with `contentMediaType` alone; client
generators (openapi-python-client among them) then type the upload as a string. Adding
`format: binary` makes generated clients upload bytes.
"""

from typing import Any

from fastapi import FastAPI

from moodtune_service_kit.errors import document_malformed_bodies


def describe_uploads_as_binary(schema: dict[str, Any]) -> dict[str, Any]:
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


def finish_openapi(app: FastAPI, *, binary_uploads: bool) -> None:
    """Make `app.openapi()` return FastAPI's spec with the malformed-body 400 documented, and with
    `binary_uploads` its file uploads as `format: binary`; built once, on the first call."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            if binary_uploads:
                schema = describe_uploads_as_binary(schema)
            app.openapi_schema = document_malformed_bodies(schema)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
