"""Services run as real processes on loopback, on a free port."""

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def running_service(
    module: str, *, env: dict[str, str], port: int, ready_path: str = "/readyz", timeout: float = 60.0
) -> Iterator[str]:
    """Run `python -m module` as its own process on loopback; yield its base URL once it is ready."""
    with running_process(module, env=env, port=port, ready_path=ready_path, timeout=timeout) as (url, _):
        yield url


@contextlib.contextmanager
def running_process(
    module: str, *, env: dict[str, str], port: int, ready_path: str = "/readyz", timeout: float = 60.0
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """As running_service, and the process too (for its pid: memory over a soak).

    Its output goes to a file, not a pipe: nobody reads a pipe while tests run, and a service that
    logs enough (one line per refused request under load) would block on a full pipe and hang.
    """
    with tempfile.TemporaryFile(mode="w+") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", module], env={**os.environ, **env}, stdout=output, stderr=subprocess.STDOUT
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while True:
                if process.poll() is not None:
                    output.seek(0)
                    raise RuntimeError(f"{module} exited with {process.returncode}:\n{output.read()}")
                with contextlib.suppress(httpx.TransportError):
                    if httpx.get(base + ready_path, timeout=1.0).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{module} not ready within {timeout}s")
                time.sleep(0.1)
            yield base, process
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
