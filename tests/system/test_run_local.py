"""`make run`'s runner (scripts/run_local.py) as a user meets it: the three services start, one is
killed, the runner says so and starts it again, the system answers again; Ctrl-C stops all."""

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from support.faces import fer_samples
from support.paths import REPO
from support.processes import free_port


def wait_for(
    output: "tempfile._TemporaryFileWrapper[str]", pattern: str, timeout_s: float, after: int = 0
) -> re.Match[str]:
    """The first match of `pattern` in the runner's output from offset `after` on, once it is there."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        output.seek(0)
        found = re.compile(pattern).search(output.read(), after)
        if found:
            return found
        time.sleep(0.2)
    output.seek(0)
    raise AssertionError(
        f"{pattern!r} not in the runner's output within {timeout_s} s:\n{output.read()[-4000:]}"
    )


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_killed_service_is_restarted_and_ctrl_c_stops_all(small_model: Path) -> None:
    rec, emo, gw = (free_port() for _ in range(3))
    env = {
        **os.environ,
        "RECOMMENDER_PORT": str(rec),
        "EMOTION_PORT": str(emo),
        "EMOTION_MODEL_PATH": str(small_model),
        "EMOTION_PRECISION": "float32",
        "GATEWAY_PORT": str(gw),
        "GATEWAY_EMOTION_URL": f"http://127.0.0.1:{emo}",
        "GATEWAY_RECOMMENDER_URL": f"http://127.0.0.1:{rec}",
    }
    _, crop = fer_samples(per_class=1)[0]

    def recommend() -> int:
        files = {"image": ("face.jpg", crop, "image/jpeg")}
        return httpx.post(f"http://127.0.0.1:{gw}/recommend", files=files, timeout=30).status_code

    pids: dict[str, int] = {}
    with tempfile.NamedTemporaryFile("w+") as output:
        runner = subprocess.Popen(
            [sys.executable, "scripts/run_local.py"],
            cwd=REPO,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            # As from a terminal, whatever launched pytest: a shell's background job (`make test &`)
            # is started with SIGINT ignored, the runner would inherit that and Ctrl-C would do nothing.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        try:
            wait_for(output, "Moodtune is running", 240)
            assert recommend() == 200
            output.seek(0)
            pids |= {m: int(p) for m, p in re.findall(r"started (\w+) \(pid (\d+)\)", output.read())}
            assert set(pids) == {"recommender_service", "emotion_service", "gateway"}

            os.kill(pids["emotion_service"], signal.SIGKILL)  # a crash: no chance to clean up
            crash = wait_for(
                output, r"emotion_service exited unexpectedly \(code -9\); restarting it in 1 s", 30
            )
            assert recommend() == 503  # down: the gateway says so, naming it
            again = wait_for(output, r"started emotion_service \(pid (\d+)\)", 30, after=crash.end())
            wait_for(
                output, r"emotion_service is ready again after [\d.]+ s \(restart 1\)", 180, after=crash.end()
            )
            assert int(again.group(1)) != pids["emotion_service"]
            assert recommend() == 200
            assert alive(pids["gateway"]) and alive(pids["recommender_service"])  # the others kept serving

            runner.send_signal(signal.SIGINT)
            assert runner.wait(timeout=60) == 0
            children = [pids["gateway"], pids["recommender_service"], int(again.group(1))]
            assert not any(alive(pid) for pid in children)
        finally:
            if runner.poll() is None:  # a failed test: stop the runner and what it started
                runner.send_signal(signal.SIGINT)
                try:
                    runner.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    runner.kill()
                    for pid in pids.values():
                        if alive(pid):
                            os.kill(pid, signal.SIGKILL)
