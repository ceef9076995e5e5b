"""What every service's settings hold, and how `python -m <service>` serves its app."""

from collections.abc import Callable
from typing import TypeVar

import uvicorn
from fastapi import FastAPI
from pydantic import Field
from pydantic_settings import BaseSettings


class ServiceSettings(BaseSettings):
    """Each service subclasses this with its own env prefix (GATEWAY_, EMOTION_, RECOMMENDER_)."""

    host: str = Field("127.0.0.1", description="bind address (0.0.0.0 in containers)")
    port: int = Field(8000, description="bind port")
    log_level: str = Field("info", description="debug, info, warning or error")


SettingsT = TypeVar("SettingsT", bound=ServiceSettings)


def serve(create_app: Callable[[SettingsT], FastAPI], settings: SettingsT) -> None:
    """Run the app under uvicorn with the project's logging (uvicorn's own log config off).

    No access log: Prometheus counts every request by route and status (`/metrics`), and a log line
    per request costs CPU on the request path and would write what callers send (paths, queries).
    """
    uvicorn.run(
        create_app(settings), host=settings.host, port=settings.port, log_config=None, access_log=False
    )
