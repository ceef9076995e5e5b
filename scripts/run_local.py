"""Start Moodtune's three services as local processes on their embedded defaults (`make run`).

Waits until each is ready, prints the page's URL and a curl example, and stops them all on Ctrl-C.
"""

import os
import signal
import subprocess
import sys
import time
import urllib.request

SERVICES = [  # (module, readiness URL); the order they start in
    ("recommender_service", "http://127.0.0.1:8002/readyz"),
    ("emotion_service", "http://127.0.0.1:8001/readyz"),
    ("gateway", "http://127.0.0.1:8000/readyz"),
]


def ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 (loopback only)
            return bool(response.status == 200)
    except OSError:
        return False


def main() -> int:
    processes: list[subprocess.Popen[bytes]] = []

    def stop(*_: object) -> None:
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()

    def stop_and_exit(*_: object) -> None:
        stop()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop_and_exit)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2")}
    try:
        for module, url in SERVICES:
            print(f"starting {module} ...", flush=True)
            processes.append(subprocess.Popen([sys.executable, "-m", module], env=env))
            deadline = time.monotonic() + 180
            while not ready(url):
                if processes[-1].poll() is not None:
                    print(
                        f"{module} exited with {processes[-1].returncode}; see its log above", file=sys.stderr
                    )
                    stop()
                    return 1
                if time.monotonic() > deadline:
                    print(f"{module} was not ready within 180 s", file=sys.stderr)
                    stop()
                    return 1
                time.sleep(0.3)
        print(
            "\nMoodtune is running. Open http://127.0.0.1:8000/ in a browser, or try:\n"
            "  curl -s -F image=@your-face.jpg 'http://127.0.0.1:8000/recommend?policy=uplift&limit=5'\n"
            "API docs: http://127.0.0.1:8000/docs   Stop with Ctrl-C.\n",
            flush=True,
        )
        while all(p.poll() is None for p in processes):
            time.sleep(0.5)
        print("a service stopped; stopping the others", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stop()


if __name__ == "__main__":
    sys.exit(main())
