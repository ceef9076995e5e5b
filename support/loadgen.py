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


async def client(host: str, port: int, request: bytes, end: float, latencies: list[float]) -> int:
    """Requests back to back on one connection until `end`; returns how many answers were not 200."""
    reader, writer = await asyncio.open_connection(host, port)
    failed = 0
    try:
        while time.time() < end:
            began = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            lowered = head.lower()
            at = lowered.index(b"content-length:") + len(b"content-length:")
            await reader.readexactly(int(lowered[at : lowered.index(b"\r\n", at)]))
            if status == 200:
                latencies.append((time.perf_counter() - began) * 1000)
            else:
                failed += 1
    finally:
        writer.close()
    return failed


class LoadResult(TypedDict):
    latencies_ms: list[float]  # of the 200 answers
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
    failed = await asyncio.gather(*(client(host, port, request, end, latencies) for _ in range(clients)))
    return LoadResult(latencies_ms=latencies, failed=sum(failed))


if __name__ == "__main__":
    url, image_file, clients, start, seconds = sys.argv[1:6]
    path = sys.argv[6] if len(sys.argv) > 6 else PATH
    image = Path(image_file).read_bytes()
    result = asyncio.run(run(url, image, int(clients), float(start), float(seconds), path))
    print(json.dumps(result))
