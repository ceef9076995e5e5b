"""Start Moodtune's three services as local processes on their embedded defaults (`make run`).

Waits until each is ready, prints the page's URL and a curl example, and keeps them running: a
service that exits once the system is up (a crash, an OOM kill) is started again after a backoff
(1 s, doubling to 30 s while it keeps failing; back to 1 s once it has stayed up a minute), and
the runner says so. Only Ctrl-C (or SIGTERM) stops them all. A service that cannot start at all
(before it was ever ready) stops the runner: that is a setup problem its log explains, and
restarting it would only repeat the log.
"""

import importlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field

MODULES = ["recommender_service", "emotion_service", "gateway"]  # the order they start in
START_TIMEOUT_S = 180
FIRST_BACKOFF_S, MAX_BACKOFF_S = 1.0, 30.0
STABLE_AFTER_S = 60.0  # up this long, a service's next crash restarts it after FIRST_BACKOFF_S again


def readiness_url(module: str) -> str:
    """Where the service answers /readyz, from its own settings (the same environment it reads)."""
    settings = importlib.import_module(f"{module}.settings").Settings()
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host  # noqa: S104 (a bind-all)
    return f"http://{host}:{settings.port}/readyz"


def ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 (loopback only)
            return bool(response.status == 200)
    except OSError:
        return False


def say(message: str) -> None:
    print(f"[make run] {message}", file=sys.stderr, flush=True)


@dataclass
class Service:
    module: str
    url: str
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    backoff_s: float = FIRST_BACKOFF_S
    restarts: int = 0
    restart_at: float | None = None  # when a crashed service is due to start again
    awaiting_ready: bool = field(default=False)

    def start(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", self.module], env=self.env)
        self.started_at = time.monotonic()
        say(f"started {self.module} (pid {self.process.pid})")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()

    def wait(self) -> None:
        if self.process is None:
            return
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()

    def watch(self, now: float) -> None:
        """One supervision step: notice an exit, restart when its backoff is over, report readiness."""
        if self.restart_at is not None:
            if now >= self.restart_at:
                self.restart_at = None
                self.restarts += 1
                self.start()
                self.awaiting_ready = True
            return
        assert self.process is not None
        code = self.process.poll()
        if code is None:
            if self.awaiting_ready and ready(self.url):
                self.awaiting_ready = False
                say(
                    f"{self.module} is ready again after {now - self.started_at:.1f} s "
                    f"(restart {self.restarts})"
                )
            return
        if now - self.started_at >= STABLE_AFTER_S:
            self.backoff_s = FIRST_BACKOFF_S
        say(f"{self.module} exited unexpectedly (code {code}); restarting it in {self.backoff_s:g} s")
        self.restart_at = now + self.backoff_s
        self.backoff_s = min(MAX_BACKOFF_S, self.backoff_s * 2)


def start_all(services: list[Service]) -> bool:
    for service in services:
        service.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not ready(service.url):
            assert service.process is not None
            if service.process.poll() is not None:
                say(
                    f"{service.module} exited with {service.process.returncode} before it was ready; "
                    "see its log above"
                )
                return False
            if time.monotonic() > deadline:
                say(f"{service.module} was not ready within {START_TIMEOUT_S} s")
                return False
            time.sleep(0.3)
    return True


def main() -> int:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2")}
    services = [Service(module, readiness_url(module), env) for module in MODULES]

    def interrupt(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    try:
        if not start_all(services):
            return 1
        page = services[-1].url.removesuffix("readyz")  # the gateway's
        print(
            f"\nMoodtune is running. Open {page} in a browser, or try:\n"
            f"  curl -s -F image=@your-face.jpg '{page}recommend?policy=uplift&limit=5'\n"
            f"API docs: {page}docs   Stop with Ctrl-C.\n",
            flush=True,
        )
        while True:
            time.sleep(0.5)
            now = time.monotonic()
            for service in services:
                service.watch(now)
    except KeyboardInterrupt:
        say("stopping all services")
        return 0
    finally:
        for service in services:
            service.stop()
        for service in services:
            service.wait()


if __name__ == "__main__":
    sys.exit(main())
