"""Bounded queueing: a unit of work (an image) is admitted only while the work ahead of it would be
done within the configured wait (`EMOTION_MAX_QUEUE_WAIT_S`, `GATEWAY_MAX_QUEUE_WAIT_S`); beyond it
the caller is told "busy, retry after N s" at once, before anything is decoded or asked of another
service. The emotion-service bounds its own queue; the gateway bounds the photos it has in hand
(with only the emotion-service bounded, callers through the gateway waited in the gateway, before
the emotion-service saw them).

Without a bound, a burst makes every caller slow instead of a few callers told to come back
(benchmarks/RESULTS.md, Overload, measures both). The wait ahead of a newcomer is estimated as

    images admitted and not yet answered  x  seconds of service per image,

where the cost per image is measured, not configured: the busy time (any image in flight) between
two answers, divided by the images answered, over the last few seconds (exponentially decayed).
It therefore includes everything an image costs on this machine, decoding, detection, its share of
micro-batched model calls, even the CPU that refusing others takes, and follows the batch sizes
load brings (an image costs less under load, when it shares model calls, than for a lone caller).

A refused caller is told when to come back (Retry-After): when the work beyond the bound, and that
of the callers refused in the last second, who will come back too, would be done. A fixed 1 s
brought every refused caller back within the second, and refusing them again took CPU that
serving needed (benchmarks/RESULTS.md, Overload).
"""

import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from prometheus_client import CollectorRegistry, Counter, Gauge
from starlette.types import ASGIApp, Receive, Scope, Send

from moodtune_contracts.errors import Overloaded
from moodtune_service_kit.middleware import send_json
from moodtune_service_kit.request_ids import request_id_var

# Before anything is measured: a lone photo's measured service time, rounded up (benchmarks/RESULTS.md).
PRIOR_COST_S = 0.05
# How quickly old measurements fade: long enough to average over several micro-batches (answers
# arrive in clumps, one per model call), short enough to follow a change of load within seconds.
DECAY_S = 2.0
# The window over which refused callers are counted as coming back (Retry-After).
REFUSED_WINDOW_S = 1.0


class Admission:
    def __init__(
        self,
        max_wait_s: float,
        *,
        service: str,
        clock: Callable[[], float] = time.monotonic,
        on_shed: Callable[[], None] = lambda: None,
    ) -> None:
        self.max_wait_s, self.service = max_wait_s, service
        self.in_flight = 0  # images admitted and not yet answered
        self._clock, self._on_shed = clock, on_shed
        # Decayed sums of busy seconds and of images answered; their ratio is the cost per image.
        self._busy_s, self._images = PRIOR_COST_S, 1.0
        self._mark = clock()  # start of the busy time not yet counted
        self._updated = self._mark
        self._refused, self._refused_at = 0.0, self._mark  # images refused, decayed over the window

    @property
    def cost_s(self) -> float:
        """Measured seconds of service per image."""
        return self._busy_s / self._images

    def estimated_wait_s(self) -> float:
        """How long the images already admitted will take to answer."""
        return self.in_flight * self.cost_s

    def admit(self, images: int = 1) -> None:
        """Take `images` into the queue, or raise Overloaded (503) without doing so. With nothing in
        flight a request is always admitted, however many images it carries."""
        wait = self.estimated_wait_s()
        if self.in_flight and wait > self.max_wait_s:
            self._on_shed()
            returning = self._count_refused(images) * self.cost_s
            raise Overloaded(
                f"the {self.service} is busy: about {wait:.1f} s of work is queued, more than its "
                f"{self.max_wait_s:g} s bound; retry later",
                retry_after_s=max(1, math.ceil(wait - self.max_wait_s + returning)),
                details={
                    "estimated_wait_s": round(wait, 3),
                    "max_wait_s": self.max_wait_s,
                    "service": self.service,
                },
            )
        if not self.in_flight:
            self._mark = self._clock()  # idle time is not service time
        self.in_flight += images

    def _count_refused(self, images: int) -> float:
        """Count `images` as refused; returns the images refused over about the last second."""
        now = self._clock()
        self._refused = self._refused * math.exp(-(now - self._refused_at) / REFUSED_WINDOW_S) + images
        self._refused_at = now
        return self._refused

    @contextmanager
    def slot(self, images: int = 1) -> Iterator[None]:
        """`admit` for the duration of the block; the images leave the queue however it ends."""
        self.admit(images)
        try:
            yield
        finally:
            self.release(images)

    def release(self, images: int = 1) -> None:
        """Answered (or failed): the images leave the queue, and their service time is counted."""
        now = self._clock()
        fade = math.exp(-(now - self._updated) / DECAY_S)
        self._busy_s = self._busy_s * fade + (now - self._mark)
        self._images = self._images * fade + images
        self._mark = self._updated = now
        self.in_flight -= images


def measured_admission(
    max_wait_s: float, *, service: str, registry: CollectorRegistry, unit: str
) -> Admission:
    """An Admission whose queue depth, estimated wait and shed count are Prometheus metrics (what an
    autoscaler or an alert can watch: README, Kubernetes)."""
    shed = Counter(
        "requests_shed_total",
        "requests answered 503 overloaded: the queue was longer than the configured wait allows",
        registry=registry,
    )
    admission = Admission(max_wait_s, service=service, on_shed=shed.inc)
    Gauge(f"queue_depth_{unit}", f"{unit} admitted and not yet answered", registry=registry).set_function(
        lambda: admission.in_flight
    )
    Gauge(
        "queue_wait_estimated_seconds",
        "how long the work already admitted will take to answer (what admission compares with the bound)",
        registry=registry,
    ).set_function(admission.estimated_wait_s)
    return admission


class AdmissionMiddleware:
    """Pure ASGI: takes the admission slot of a request to one of `paths` as soon as its head has
    arrived, before the body is parsed. A refused request's body is drained unparsed (so the
    connection stays usable) and answered 503 `overloaded`. Refusing must cost next to nothing:
    under overload most requests are refused, and parsing each multipart body first took the CPU
    that serving needed (benchmarks/RESULTS.md, Overload)."""

    def __init__(self, app: ASGIApp, *, admission: Admission, paths: frozenset[str]) -> None:
        self.app, self.admission, self.paths = app, admission, paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in self.paths:
            await self.app(scope, receive, send)
            return
        try:
            self.admission.admit()
        except Overloaded as refused:
            await _drain(receive)
            body = refused.to_response(request_id_var.get()).model_dump_json().encode()
            await send_json(send, refused.status_code, body, headers=refused.headers())
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self.admission.release()


DRAIN_MAX_BYTES = 64 * 1024 * 1024  # past this, answer anyway (the server then closes the connection)


async def _drain(receive: Receive) -> None:
    received = 0
    while received <= DRAIN_MAX_BYTES:
        message = await receive()
        if message["type"] != "http.request":
            return
        received += len(message.get("body", b""))
        if not message.get("more_body", False):
            return
