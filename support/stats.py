"""Latency summaries for the benchmarks."""

import statistics


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    """p50 and p99 of latencies in milliseconds (for the benchmarks)."""
    ordered = sorted(samples_ms)
    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered), 4),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))], 4),
        "max_ms": round(ordered[-1], 4),
    }


def percentile(samples: list[float], q: float) -> float:
    """The q-th percentile (nearest rank) of raw samples, in their own unit."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]
