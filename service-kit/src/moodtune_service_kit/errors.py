"""Every failure as the one ErrorResponse shape (moodtune_contracts.errors); nothing escapes as a bare
500 page."""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from moodtune_contracts.errors import ErrorDetail, ErrorResponse, MoodtuneError
from moodtune_service_kit.request_ids import request_id_var

# Responses every route may give, for the OpenAPI spec.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorResponse, "description": "Invalid input"},
    500: {"model": ErrorResponse, "description": "Unexpected failure (a bug)"},
}


class PayloadTooLarge(MoodtuneError):
    status_code = 413
    code = "payload_too_large"


def _error(status: int, body: ErrorResponse, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(status_code=status, content=body.model_dump(mode="json"), headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Map every failure to the one ErrorResponse shape; nothing escapes as a bare 500 page."""
    log = logging.getLogger("moodtune.errors")

    @app.exception_handler(MoodtuneError)
    async def domain_error(request: Request, exc: MoodtuneError) -> JSONResponse:
        return _error(exc.status_code, exc.to_response(request_id_var.get()))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"loc": [str(p) for p in e.get("loc", ())], "msg": e.get("msg", "")} for e in exc.errors()
        ]
        first = problems[0] if problems else {"loc": [], "msg": "invalid request"}
        message = f"{'.'.join(first['loc'])}: {first['msg']}" if first["loc"] else first["msg"]
        body = ErrorResponse(
            error=ErrorDetail(code="invalid_request", message=message, details={"errors": problems}),
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

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        body = ErrorResponse(
            error=ErrorDetail(code="internal_error", message="unexpected server error"),
            request_id=request_id_var.get(),
        )
        return _error(500, body)
