"""What every service's settings hold, and how `python -m <service>` serves its app."""

from collections.abc import Callable
from typing import TypeVar

import uvicorn
from fastapi import FastAPI
from pydantic import Field
from pydantic_settings import BaseSettings

from moodtune_service_kit.protocol import with_head_timeout


class ServiceSettings(BaseSettings):
    """Each service subclasses this with its own env prefix (GATEWAY_, EMOTION_, RECOMMENDER_)."""

    host: str = Field("127.0.0.1", description="bind address (0.0.0.0 in containers)")
    port: int = Field(8000, description="bind port")
    log_level: str = Field("info", description="debug, info, warning or error")
    # The edge's limits: what a slow or oversized request can hold.
    max_header_bytes: int = Field(
        64 * 1024, ge=4096, description="largest request line + headers; larger answers 431/400 (h11)"
    )
    keep_alive_timeout_s: int = Field(
        5, ge=1, description="an idle keep-alive connection is closed after this many seconds"
    )
    header_timeout_s: float = Field(
        10.0, gt=0, description="a connection that has not sent a whole request head in this long is closed"
    )
    body_timeout_s: float = Field(
        30.0, gt=0, description="a request body that sends nothing for this long answers 408"
    )


SettingsT = TypeVar("SettingsT", bound=ServiceSettings)


def serve(create_app: Callable[[SettingsT], FastAPI], settings: SettingsT) -> None:
    """Run the app under uvicorn with the project's logging (uvicorn's own log config off).

    No access log: Prometheus counts every request by route and status (`/metrics`), and a log line
    per request costs CPU on the request path and would write what callers send (paths, queries).

    The HTTP parser is h11, not httptools: only h11 bounds the size of a request's head
    (`max_header_bytes`; httptools accepted a 16 MB header), and its protocol is given a deadline
    for the head (`header_timeout_s`; moodtune_service_kit.protocol).
    """
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        http=with_head_timeout(settings.header_timeout_s),
        h11_max_incomplete_event_size=settings.max_header_bytes,
        timeout_keep_alive=settings.keep_alive_timeout_s,
    )
