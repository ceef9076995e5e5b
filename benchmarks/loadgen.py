"""A light load generator: N clients posting one image back to back, from START for SECONDS.

    python -m benchmarks.loadgen URL IMAGE_FILE CLIENTS START_EPOCH SECONDS   (prints latencies as JSON)

Run as several processes because one httpx client driving many connections spends more CPU than
the service it measures; all processes begin at the same wall-clock START.
"""

import asyncio
import json
import sys
import time
from pathlib import Path

import httpx


async def run(url: str, payload: bytes, clients: int, start: float, seconds: float) -> list[float]:
    latencies: list[float] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as http:
        await asyncio.sleep(max(0.0, start - time.time()))
        end = start + seconds

        async def client() -> None:
            while time.time() < end:
                began = time.perf_counter()
                response = await http.post("/v1/emotions", files={"image": ("f.jpg", payload, "image/jpeg")})
                response.raise_for_status()
                latencies.append((time.perf_counter() - began) * 1000)

        await asyncio.gather(*(client() for _ in range(clients)))
    return latencies


if __name__ == "__main__":
    url, image, clients, start, seconds = sys.argv[1:6]
    result = asyncio.run(run(url, Path(image).read_bytes(), int(clients), float(start), float(seconds)))
    print(json.dumps(result))
