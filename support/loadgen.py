"""A light load generator: N keep-alive clients posting one image back to back, from START for SECONDS.

    python -m support.loadgen URL IMAGE_FILE CLIENTS START_EPOCH SECONDS [PATH]   (prints JSON)

PATH is /v1/emotions (the emotion-service) unless given, e.g. /recommend (the gateway); either
takes the image as the multipart field `image`.

It shares the two cores with the service it measures, so it is built like wrk: the multipart
request is encoded once and written as raw bytes, and a response is read by its Content-Length
alone. That costs ~0.2 ms of CPU per request, where an httpx client spent ~1 ms, which was CPU
taken from the model. Several processes can run together; all begin at the same wall-clock START.
"""

import asyncio
import json
import random
import sys
import time
from pathlib import Path
from typing import TypedDict
from urllib.parse import urlsplit

PATH = "/v1/emotions"
BOUNDARY = "moodtune-loadgen"


def encode_request(host: str, port: int, image: bytes, path: str = PATH) -> bytes:
    body = b"".join(
        [
            f"--{BOUNDARY}\r\n".encode(),
            b'Content-Disposition: form-data; name="image"; filename="face.jpg"\r\n',
            b"Content-Type: image/jpeg\r\n\r\n",
            image,
            f"\r\n--{BOUNDARY}--\r\n".encode(),
        ]
    )
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def header(lowered_head: bytes, name: bytes) -> bytes | None:
    at = lowered_head.find(b"\r\n" + name + b":")
    if at < 0:
        return None
    at += len(name) + 3
    return lowered_head[at : lowered_head.index(b"\r\n", at)].strip()


async def client(host: str, port: int, request: bytes, end: float, latencies: list[float]) -> tuple[int, int]:
    """Requests back to back on one connection until `end`; returns (answers that were 503
    `overloaded`, answers with any other status but 200). Told to retry later, it does as a good
    client should: waits the Retry-After seconds, with up to 50% jitter so the refused do not all
    come back in the same instant, then tries again."""
    reader, writer = await asyncio.open_connection(host, port)
    shed = failed = 0
    try:
        while time.time() < end:
            began = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            lowered = head.lower()
            body = await reader.readexactly(int(header(lowered, b"content-length") or 0))
            if status == 200:
                latencies.append((time.perf_counter() - began) * 1000)
            elif status == 503 and b'"overloaded"' in body:
                shed += 1
                retry_after = header(lowered, b"retry-after") or b"1"
                pause = float(retry_after) * (1 + 0.5 * random.random())  # noqa: S311 (jitter, not secrets)
                await asyncio.sleep(min(pause, max(0.0, end - time.time())))
            else:
                failed += 1
            if b"connection: close" in lowered:
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
    finally:
        writer.close()
    return shed, failed


class LoadResult(TypedDict):
    latencies_ms: list[float]  # of the 200 answers
    shed: int  # 503 `overloaded` answers (each followed by the Retry-After wait)
    failed: int  # answers with any other status


async def run(
    url: str, image: bytes, clients: int, start: float, seconds: float, path: str = PATH
) -> LoadResult:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    request = encode_request(host, port, image, path)
    latencies: list[float] = []
    await asyncio.sleep(max(0.0, start - time.time()))
    end = start + seconds
    counts = await asyncio.gather(*(client(host, port, request, end, latencies) for _ in range(clients)))
    return LoadResult(
        latencies_ms=latencies,
        shed=sum(shed for shed, _ in counts),
        failed=sum(failed for _, failed in counts),
    )


if __name__ == "__main__":
    url, image_file, clients, start, seconds = sys.argv[1:6]
    path = sys.argv[6] if len(sys.argv) > 6 else PATH
    image = Path(image_file).read_bytes()
    result = asyncio.run(run(url, image, int(clients), float(start), float(seconds), path))
    print(json.dumps(result))
