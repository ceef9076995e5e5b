"""The spec every service gets: the 400 for a malformed body documented, file uploads typed as
bytes where the service asks (the gateway's spec is the one clients are generated from), and
FastAPI's own spec arguments passed through."""

from typing import Annotated, Any

from fastapi import APIRouter, File, Request, UploadFile

from moodtune_service_kit.app import create_service_app
from moodtune_service_kit.health import Readiness
from moodtune_service_kit.metrics import Metrics


def spec_of_an_upload_route(**options: Any) -> dict[str, Any]:
    router = APIRouter()

    @router.post("/photo")
    async def photo(image: Annotated[UploadFile, File()]) -> None:
        return None

    async def ready(request: Request) -> Readiness:
        return Readiness(ready=True, service="test")

    app = create_service_app(
        service="test",
        title="t",
        description="t",
        log_level="info",
        metrics=Metrics("test"),
        readiness=ready,
        routers=[router],
        **options,
    )
    return app.openapi()


def image_field(spec: dict[str, Any]) -> dict[str, Any]:
    body = spec["paths"]["/photo"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"]
    field: dict[str, Any] = spec["components"]["schemas"][body.rsplit("/", 1)[1]]["properties"]["image"]
    return field


def test_a_body_that_cannot_be_parsed_is_a_documented_400() -> None:
    responses = spec_of_an_upload_route()["paths"]["/photo"]["post"]["responses"]
    assert responses["400"]["description"].startswith("Malformed body")


def test_uploads_are_typed_as_bytes_only_where_a_service_asks() -> None:
    assert "format" not in image_field(spec_of_an_upload_route())
    assert image_field(spec_of_an_upload_route(binary_uploads=True))["format"] == "binary"


def test_fastapi_arguments_reach_the_spec() -> None:
    servers = [{"url": "/", "description": "this service"}]
    assert spec_of_an_upload_route(servers=servers)["servers"] == servers
