"""The request id of the request being handled: set by EdgeMiddleware, read by logs, errors and clients."""

import random
import re
from contextvars import ContextVar

REQUEST_ID_HEADER = "X-Request-ID"
request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

# A caller's id is kept only if it is a short token of these characters: no spaces, brackets,
# quotes or control characters, so it cannot fake fields in a log line or break a header.
REQUEST_ID_PATTERN = re.compile(rb"[A-Za-z0-9._:-]{1,128}")


def accepted_request_id(incoming: bytes | None) -> str:
    """The caller's id if it is an acceptable token, otherwise a new one."""
    if incoming and REQUEST_ID_PATTERN.fullmatch(incoming):
        return incoming.decode("ascii")
    return f"{random.getrandbits(128):032x}"  # unique, not secret: cheaper than uuid4
