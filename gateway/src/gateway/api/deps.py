"""Dependencies the routers share, as Annotated aliases."""

import time
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request

from gateway.settings import Settings
from gateway.upstream import Upstream, deadline_var
from moodtune_service_kit.state import from_app_state


@dataclass(frozen=True)
class Upstreams:
    emotion: Upstream
    recommender: Upstream


UpstreamsDep = Annotated[Upstreams, Depends(from_app_state("upstreams", Upstreams))]
SettingsDep = Annotated[Settings, Depends(from_app_state("settings", Settings))]


BUDGET_HEADER = "X-Request-Budget-Ms"


async def request_budget(
    request: Request,
    budget_ms: Annotated[
        int | None,
        Header(
            alias=BUDGET_HEADER,
            ge=1000,
            description="how long the caller will wait, in milliseconds, at least 1000 (less cannot cover "
            "the services' bounded queues, 1 s, and would only turn answers into 504s): the gateway "
            "gives its services only what is left of it (never more than GATEWAY_REQUEST_BUDGET_S) "
            "and answers 504 naming the service that used it up",
        ),
    ] = None,
) -> None:
    """Sets the deadline every upstream call of this request keeps to (gateway.upstream.deadline_var).
    Async, so it runs in the request's own context and the endpoint sees the variable."""
    settings: Settings = request.app.state.settings
    budget_s = settings.request_budget_s
    if budget_ms is not None:
        budget_s = min(budget_s, budget_ms / 1000)
    deadline_var.set(time.monotonic() + budget_s)
