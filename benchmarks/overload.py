"""Overload: what callers get when there are more of them than the machine can serve.

The three services as real processes on loopback, on their embedded defaults (the emotion-service's
bounded queue at EMOTION_MAX_QUEUE_WAIT_S, 1 s), and 1, 8, 32 and 128 closed-loop clients posting
the same one-face 1280x960 photo to the gateway's /recommend for a fixed time each
(support/loadgen.py: raw sockets; a client told `overloaded` waits the Retry-After seconds, with
jitter, as a good client does). Per level: served/s, p50 and p99 of the served, the shed share,
and errors other than the 503, and who shed (the gateway bounds the photos it has in hand, the
emotion-service its own queue). Then, in the same run, 128 clients with both bounds effectively
off, to show what they buy.

Goals (2 cores): at 128 clients served/s >= 0.9 x the 8-client figure, p99 of the served
<= 2 x the configured wait, and no errors but 503 `overloaded`.

Run: `python -m benchmarks.overload --out benchmarks/results/overload.json` (in `make bench`).
"""

import argparse
import asyncio
import json
import os
import platform
import time
from pathlib import Path
from typing import Any

import httpx

from emotion_service.settings import Settings
from support.loadgen import run
from support.photos import portrait_scenes
from support.stack import local_stack
from support.stats import percentile

LEVELS = (1, 8, 32, 128)
UNBOUNDED_WAIT_S = 1e6


def shed_total(service: str) -> float:
    metrics = httpx.get(f"{service}/metrics", timeout=10).text
    return float(
        next(line for line in metrics.splitlines() if line.startswith("requests_shed_total ")).split()[1]
    )


def level(gateway: str, emotion: str, photo: bytes, clients: int, seconds: float) -> dict[str, Any]:
    shed_before = shed_total(gateway), shed_total(emotion)
    result = asyncio.run(run(gateway, photo, clients, time.time() + 0.5, seconds, "/recommend"))
    served = result["latencies_ms"]
    answers = len(served) + result["shed"] + result["failed"]
    return {
        "clients": clients,
        "served_per_s": round(len(served) / seconds, 2),
        "p50_ms": round(percentile(served, 50), 1) if served else None,
        "p99_ms": round(percentile(served, 99), 1) if served else None,
        "shed_pct": round(100 * result["shed"] / answers, 1) if answers else 0.0,
        "errors_other_than_overloaded": result["failed"],
        "shed_by_gateway": int(shed_total(gateway) - shed_before[0]),
        "shed_by_emotion_service": int(shed_total(emotion) - shed_before[1]),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--model", type=Path, default=Settings().model_path)
    parser.add_argument("--seconds", type=float, default=20.0, help="per level")
    args = parser.parse_args()

    photo = portrait_scenes((1280, 960), 1, seed=42)[0].jpeg
    wait_s = Settings().max_queue_wait_s
    results: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "processor": platform.processor() or platform.machine()},
        "photo": {"size": [1280, 960], "faces": 1, "bytes": len(photo)},
        "seconds_per_level": args.seconds,
        "max_queue_wait_s": wait_s,
    }
    with local_stack(args.model, quiet=True) as running:
        gateway, emotion = running.gateway, running.emotion
        level(gateway, emotion, photo, 8, 3.0)  # warm: connections, worker threads' detectors
        rounds = []
        for clients in LEVELS:
            rounds.append(level(gateway, emotion, photo, clients, args.seconds))
            print(json.dumps(rounds[-1]), flush=True)
    results["bounded"] = rounds
    unbounded = str(UNBOUNDED_WAIT_S)
    with local_stack(
        args.model,
        emotion={"EMOTION_MAX_QUEUE_WAIT_S": unbounded},
        gateway={"GATEWAY_MAX_QUEUE_WAIT_S": unbounded},
        quiet=True,
    ) as running:
        gateway, emotion = running.gateway, running.emotion
        level(gateway, emotion, photo, 8, 3.0)
        results["unbounded_128_clients"] = level(gateway, emotion, photo, 128, args.seconds)
        print(json.dumps({"unbounded": results["unbounded_128_clients"]}), flush=True)
    by_clients = {r["clients"]: r for r in rounds}
    top, eight = by_clients[128], by_clients[8]
    results["goals"] = {
        "served_128_over_8": round(top["served_per_s"] / eight["served_per_s"], 3),
        "served_128_at_least_0.9x_8": top["served_per_s"] >= 0.9 * eight["served_per_s"],
        "p99_128_within_2x_wait": top["p99_ms"] is not None and top["p99_ms"] <= 2000 * wait_s,
        "no_errors_but_overloaded": all(r["errors_other_than_overloaded"] == 0 for r in rounds),
    }
    print(json.dumps(results["goals"]), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
