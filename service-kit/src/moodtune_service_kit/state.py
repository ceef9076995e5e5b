"""Dependencies that hand a route what the app's lifespan put in `app.state` (settings, a loaded
model or catalog, HTTP clients), or answer 503 while it is not there yet."""

from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from fastapi import Request

from moodtune_contracts.errors import NotReady

T = TypeVar("T")


def from_app_state(
    name: str, kind: type[T], *, not_ready: str | None = None
) -> Callable[[Request], Coroutine[Any, Any, T]]:
    """A dependency returning `request.app.state.<name>`; None (still loading) answers 503 `not_ready`.

    Async on purpose: FastAPI runs a plain `def` dependency in its threadpool, a thread hop per
    request for an attribute read."""

    async def dependency(request: Request) -> T:
        value = getattr(request.app.state, name, None)
        if value is None:
            raise NotReady(not_ready or f"the service is still starting ({name} not loaded)")
        if not isinstance(value, kind):
            raise TypeError(f"app.state.{name} is {type(value).__name__}, not {kind.__name__}")
        return value

    dependency.__name__ = f"get_{name}"
    return dependency
