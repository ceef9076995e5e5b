"""The rendered CPU overlay run for real: `podman kube play` on the images the compose test builds,
a real face photo through the gateway, songs back, torn down.

What podman (4.3) runs: Deployments (`replicas` pods each), the ConfigMap (as the containers'
environment), resources and security contexts. What it ignores: Services, the Ingress,
HorizontalPodAutoscalers and PodDisruptionBudgets (a cluster's jobs), and start-up probes (podman
4.4+). It turns the liveness probe into the container's healthcheck, run on a systemd timer. The
probes are exec probes (the service kit's health command with the image's Python: an httpGet probe
became a `curl` the images lack), and this machine has no systemd, so the test runs each
container's healthcheck itself and asserts it passes.

Having no Services, podman cannot give `emotion-service` a name: the one patch this test makes to
the rendered objects runs the pods in the host's network, on their own ports, with the gateway
pointed at 127.0.0.1. There, one pod per Deployment: a second replica would find its port taken
and restart forever.
"""

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from support.containers import (
    CPU_FILE,
    SERVICES,
    assert_a_photo_gets_songs,
    compose,
    needs_container_engine,
    wait_until_ready,
)
from support.paths import KUSTOMIZE

pytestmark = needs_container_engine
PORTS = {"gateway": 8000, "emotion-service": 8001, "recommender-service": 8002}


def for_podman(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    played = []
    for obj in objects:
        if obj["kind"] == "Deployment":
            obj["spec"]["replicas"] = 1  # one process per port in the host's network
            pod = obj["spec"]["template"]["spec"]
            pod["hostNetwork"] = True
            for container in pod["containers"]:
                # In the host's network podman publishes no ports (it refuses port mappings
                # there): the container port goes (the exec probes name 127.0.0.1:port).
                container.pop("ports")
        if obj["kind"] == "ConfigMap":
            obj["data"]["GATEWAY_EMOTION_URL"] = f"http://127.0.0.1:{PORTS['emotion-service']}"
            obj["data"]["GATEWAY_RECOMMENDER_URL"] = f"http://127.0.0.1:{PORTS['recommender-service']}"
        played.append(obj)
    return played


@pytest.fixture(scope="module")
def played(engine_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    kubectl = shutil.which("kubectl")
    assert kubectl, "kubectl missing"
    # The compose test (run first) built these images from this tree; alone, this test builds them.
    images = yaml.safe_load(compose("-f", CPU_FILE, "config", env=engine_env).stdout)["services"]
    missing = [
        s for s in SERVICES if subprocess.run(["podman", "image", "exists", images[s]["image"]]).returncode
    ]
    if missing:
        compose("-f", CPU_FILE, "build", *missing, env=engine_env)
    rendered = subprocess.run(
        [kubectl, "kustomize", str(KUSTOMIZE / "overlays" / "cpu")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    manifest: Path = tmp_path_factory.mktemp("kube") / "moodtune.yaml"
    manifest.write_text(yaml.safe_dump_all(for_podman([o for o in yaml.safe_load_all(rendered) if o])))
    play = subprocess.run(
        ["podman", "kube", "play", str(manifest)], capture_output=True, text=True, timeout=600
    )
    try:
        assert play.returncode == 0, f"podman kube play failed:\n{play.stdout}\n{play.stderr}"
        url = f"http://127.0.0.1:{PORTS['gateway']}"
        wait_until_ready(
            url,
            explain=lambda: (
                subprocess.run(["podman", "pod", "ps"], capture_output=True, text=True).stdout
                + play.stdout
                + play.stderr
            ),
        )
        yield url
    finally:
        subprocess.run(["podman", "kube", "play", "--down", str(manifest)], capture_output=True, timeout=300)


def test_the_cpu_overlay_serves_a_face_photo_under_podman(played: str, detectable_faces: list[bytes]) -> None:
    assert_a_photo_gets_songs(played, detectable_faces[0])
    app = {name: _app_container(name) for name in PORTS}
    for name, container in app.items():
        # Up and never restarted: a container that crashes and restarts still leaves its pod
        # "Running" (the infra container keeps it so).
        state = subprocess.run(
            ["podman", "inspect", "--format", "{{.State.Status}} {{.RestartCount}}", container],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        assert state == ["running", "0"], f"{name}: {state}\n{_logs(container)}"
        # The liveness probe, as podman runs it: the healthcheck it made from the exec probe.
        check = subprocess.run(["podman", "healthcheck", "run", container], capture_output=True, text=True)
        assert check.returncode == 0, f"{name}: healthcheck {check.stdout} {check.stderr}"
    # The security context held: the gateway runs as uid 10001 on a read-only root.
    gateway = ["podman", "exec", app["gateway"]]
    whoami = subprocess.run([*gateway, "id", "-u"], capture_output=True, text=True)
    assert whoami.stdout.strip() == "10001", whoami.stderr
    touch = subprocess.run([*gateway, "touch", "/app/x"], capture_output=True, text=True)
    assert touch.returncode != 0 and "Read-only file system" in touch.stderr, touch.stderr


def _app_container(deployment: str) -> str:
    """The one application container of the deployment's one pod (not the pod's infra container)."""
    pods = subprocess.run(
        ["podman", "pod", "ps", "--filter", f"name=^{deployment}-pod-", "--format", "{{.Name}}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert len(pods) == 1, f"{deployment}: pods {pods}"
    names = subprocess.run(
        ["podman", "ps", "-a", "--filter", f"pod={pods[0]}", "--format", "{{.Names}}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    apps = [n for n in names if not n.endswith("-infra")]
    assert len(apps) == 1, f"{deployment}: containers {names}"
    return apps[0]


def _logs(container: str) -> str:
    logs = subprocess.run(["podman", "logs", "--tail", "20", container], capture_output=True, text=True)
    return logs.stdout + logs.stderr
