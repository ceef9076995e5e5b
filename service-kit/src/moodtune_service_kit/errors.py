"""Every failure as the one ErrorResponse shape (moodtune_contracts.errors); nothing escapes as a bare
500 page."""

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from moodtune_contracts.errors import ErrorDetail, ErrorResponse, InvalidInput, MoodtuneError
from moodtune_service_kit.request_ids import request_id_var

# Responses every route may give, for the OpenAPI spec.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorResponse, "description": "Invalid input"},
    500: {"model": ErrorResponse, "description": "Unexpected failure (a bug)"},
}

# The header a 503 `overloaded` carries, for the OpenAPI spec of the routes that may shed load.
RETRY_AFTER_HEADERS: dict[str, Any] = {
    "Retry-After": {"description": "with `overloaded`: seconds to wait", "schema": {"type": "integer"}}
}


class PayloadTooLarge(MoodtuneError):
    status_code = 413
    code = "payload_too_large"


class RequestTimeout(MoodtuneError):
    status_code = 408
    code = "request_timeout"


def _error(status: int, body: ErrorResponse, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(status_code=status, content=body.model_dump(mode="json"), headers=headers)


def _described(errors: Sequence[Mapping[str, Any]]) -> tuple[str, dict[str, Any]]:
    """A validation failure in words: the first problem as the message, every problem's place and
    reason as the details."""
    problems = [{"loc": [str(p) for p in e.get("loc", ())], "msg": e.get("msg", "")} for e in errors]
    first: dict[str, Any] = problems[0] if problems else {"loc": [], "msg": "invalid request"}
    message = f"{'.'.join(first['loc'])}: {first['msg']}" if first["loc"] else str(first["msg"])
    return message, {"errors": problems}


def invalid_input(exc: ValidationError) -> InvalidInput:
    """A check a route makes itself with a pydantic model, failed: the 422 `invalid_input`, worded as
    FastAPI's own validation failures are."""
    message, details = _described(exc.errors())
    return InvalidInput(message, details=details)


def install_error_handlers(app: FastAPI) -> None:
    """Map every failure to the one ErrorResponse shape; nothing escapes as a bare 500 page."""

    @app.exception_handler(MoodtuneError)
    async def domain_error(request: Request, exc: MoodtuneError) -> JSONResponse:
        return _error(exc.status_code, exc.to_response(request_id_var.get()), headers=exc.headers() or None)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        message, details = _described(exc.errors())
        body = ErrorResponse(
            error=ErrorDetail(code="invalid_request", message=message, details=details),
            request_id=request_id_var.get(),
        )
        return _error(422, body)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}
        body = ErrorResponse(
            error=ErrorDetail(code=codes.get(exc.status_code, "http_error"), message=str(exc.detail)),
            request_id=request_id_var.get(),
        )
        return _error(exc.status_code, body, headers=getattr(exc, "headers", None))

    # An unexpected exception is answered by EdgeMiddleware (outermost), where the request id is
    # still known: a handler here would run in Starlette's ServerErrorMiddleware, outside it.


MALFORMED_BODY = {
    "description": "Malformed body: not JSON, not UTF-8, or broken multipart (`http_error`)",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}},
}


def document_malformed_bodies(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the 400 that FastAPI gives for a body it cannot parse to every operation that takes one:
    FastAPI answers it but does not document it."""
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            if isinstance(operation, dict) and "requestBody" in operation:
                operation.setdefault("responses", {}).setdefault("400", MALFORMED_BODY)
    return schema
