"""The Kubernetes manifests (deploy/kubernetes): every overlay rendered by kubectl's kustomize and
validated offline against the Kubernetes 1.32 OpenAPI schemas (kubernetes-validate bundles them,
strict: unknown fields are errors), then checked for what a deployment needs of them: probes,
resources, non-root and read-only, only the gateway exposed, the GPU request, settings that exist."""

import os
import re
import shutil
import subprocess
from functools import cache
from typing import Any

import kubernetes_validate
import pytest
import yaml

from support.paths import KUSTOMIZE, REPO

KUBECTL = shutil.which("kubectl")
pytestmark = pytest.mark.skipif(
    KUBECTL is None and not os.environ.get("CI"),
    reason="kubectl (v1.32, with kustomize v5.5) not installed; CI requires it",
)
OVERLAYS = ("overlays/cpu", "overlays/gpu", "overlays/cpu-trained", "jobs")
KUBERNETES_VERSION = "1.32.0"
SERVICES = {"gateway": 8000, "emotion-service": 8001, "recommender-service": 8002}


@cache
def rendered(overlay: str) -> tuple[dict[str, Any], ...]:
    assert KUBECTL, "kubectl missing: CI needs kubectl v1.32 with kustomize v5.5 (Debian's is far older)"
    result = subprocess.run(
        [KUBECTL, "kustomize", str(KUSTOMIZE / overlay)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return tuple(doc for doc in yaml.safe_load_all(result.stdout) if doc)


def of_kind(overlay: str, kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in rendered(overlay) if o["kind"] == kind}


def container(deployment: dict[str, Any]) -> dict[str, Any]:
    (only,) = deployment["spec"]["template"]["spec"]["containers"]
    return dict(only)


def test_kubectl_is_the_one_the_manifests_are_written_for() -> None:
    assert KUBECTL
    version = subprocess.run([KUBECTL, "version", "--client"], capture_output=True, text=True).stdout
    match = re.search(r"Kustomize Version: v(\d+)\.(\d+)", version)
    assert match and (int(match[1]), int(match[2])) >= (5, 5), version


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_object_validates_against_the_kubernetes_schemas(overlay: str) -> None:
    objects = rendered(overlay)
    assert objects
    for obj in objects:
        try:
            kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            pytest.fail(
                f"{overlay}: {obj['kind']}/{obj['metadata']['name']}: {error.message} at {error.path}"
            )


@pytest.mark.parametrize("overlay", ["overlays/cpu", "overlays/gpu", "overlays/cpu-trained"])
def test_each_service_has_probes_resources_and_runs_unprivileged(overlay: str) -> None:
    deployments = of_kind(overlay, "Deployment")
    assert set(deployments) == set(SERVICES)
    for name, deployment in deployments.items():
        pod = deployment["spec"]["template"]["spec"]
        app = container(deployment)
        assert app["ports"][0]["containerPort"] == SERVICES[name]
        # Exec probes (they run under podman too): the service kit's health command on the
        # container's own port, /readyz to take traffic, /healthz to stay alive.
        port = SERVICES[name]
        for probe, path in (
            ("startupProbe", "readyz"),
            ("readinessProbe", "readyz"),
            ("livenessProbe", "healthz"),
        ):
            assert "httpGet" not in app[probe]
            assert app[probe]["exec"]["command"] == [
                "python",
                "-m",
                "moodtune_service_kit.healthcheck",
                f"http://127.0.0.1:{port}/{path}",
            ]
            assert app[probe]["timeoutSeconds"] >= 5  # an interpreter's start is inside the timeout
        assert {"cpu", "memory"} <= set(app["resources"]["requests"]) and "memory" in app["resources"][
            "limits"
        ]
        assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] != 0
        assert app["securityContext"]["readOnlyRootFilesystem"] is True
        assert app["securityContext"]["allowPrivilegeEscalation"] is False
        assert app["securityContext"]["capabilities"]["drop"] == ["ALL"]
        assert {"name": "tmp", "mountPath": "/tmp"} in app["volumeMounts"]  # the one writable place
        assert app["envFrom"][0]["configMapRef"]["name"].startswith(
            "moodtune-settings-"
        )  # hashed: rolls on change
    # The emotion-service's model load and warm-up get the longest start-up allowance.
    startup = {n: container(d)["startupProbe"]["failureThreshold"] for n, d in deployments.items()}
    assert startup["emotion-service"] == max(startup.values())


def test_only_the_gateway_is_exposed() -> None:
    services = of_kind("overlays/cpu", "Service")
    assert set(services) == set(SERVICES)
    assert all(s["spec"].get("type", "ClusterIP") == "ClusterIP" for s in services.values())
    (ingress,) = of_kind("overlays/cpu", "Ingress").values()
    backends = {p["backend"]["service"]["name"] for r in ingress["spec"]["rules"] for p in r["http"]["paths"]}
    assert backends == {"gateway"}


def test_autoscalers_and_disruption_budgets_target_the_deployments() -> None:
    hpas = of_kind("overlays/cpu", "HorizontalPodAutoscaler")
    assert {h["spec"]["scaleTargetRef"]["name"] for h in hpas.values()} == {"gateway", "emotion-service"}
    for hpa in hpas.values():  # CPU, and the bounded queue's wait (a metric both services export)
        kinds = {m["type"]: m for m in hpa["spec"]["metrics"]}
        assert kinds["Resource"]["resource"]["name"] == "cpu"
        assert kinds["Pods"]["pods"]["metric"]["name"] == "queue_wait_estimated_seconds"
    pdbs = of_kind("overlays/cpu", "PodDisruptionBudget")
    labels = {p["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"] for p in pdbs.values()}
    assert labels == set(SERVICES)
    assert of_kind("overlays/gpu", "HorizontalPodAutoscaler")["emotion-service"]["spec"]["maxReplicas"] == 4


def test_the_gpu_overlay_asks_for_one_gpu_for_the_emotion_service_only() -> None:
    gpu = of_kind("overlays/gpu", "Deployment")
    emotion = gpu["emotion-service"]
    assert container(emotion)["resources"]["limits"]["nvidia.com/gpu"] == 1
    assert container(emotion)["image"] == "moodtune/emotion-service:0.1.0-gpu"
    assert emotion["spec"]["template"]["spec"]["nodeSelector"] == {"nvidia.com/gpu.present": "true"}
    assert emotion["spec"]["template"]["spec"]["tolerations"][0]["key"] == "nvidia.com/gpu"
    for name in ("gateway", "recommender-service"):
        assert "nvidia.com/gpu" not in container(gpu[name])["resources"]["limits"]
    assert "nvidia" not in yaml.safe_dump_all(rendered("overlays/cpu"))


def test_the_images_are_the_ones_compose_builds() -> None:
    compose = yaml.safe_load((REPO / "docker-compose.cpu.yml").read_text())
    base = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    compose_images = {
        name: (compose["services"].get(name, {}).get("image") or base["services"][name]["image"])
        for name in SERVICES
    }
    images = {n: container(d)["image"] for n, d in of_kind("overlays/cpu", "Deployment").items()}
    assert images == compose_images
    jobs = of_kind("jobs", "Job")
    assert {
        container_of["image"]
        for j in jobs.values()
        for container_of in j["spec"]["template"]["spec"]["containers"]
    } == {base["services"]["training"]["image"].removesuffix("-gpu")}


def test_the_configmap_holds_only_real_documented_settings() -> None:
    from emotion_service.settings import Settings as EmotionSettings
    from gateway.settings import Settings as GatewaySettings
    from recommender_service.settings import Settings as RecommenderSettings

    fields = {
        prefix: set(settings.model_fields)
        for prefix, settings in (
            ("GATEWAY_", GatewaySettings),
            ("EMOTION_", EmotionSettings),
            ("RECOMMENDER_", RecommenderSettings),
        )
    }
    readme = (REPO / "README.md").read_text()
    for overlay in ("overlays/cpu", "overlays/cpu-trained"):
        (config,) = of_kind(overlay, "ConfigMap").values()
        for key in config["data"]:
            if key == "KERAS_HOME":  # Keras' own variable: its config dir on a read-only root
                continue
            prefix = next(p for p in fields if key.startswith(p))
            assert key.removeprefix(prefix).lower() in fields[prefix], f"{key} is not a setting"
            assert f"`{key}`" in readme or f"`{prefix}" in readme, f"{key} is not documented in the README"
    (trained,) = of_kind("overlays/cpu-trained", "ConfigMap").values()
    assert trained["data"]["EMOTION_MODEL_PATH"] == "/artifacts/emotion/model.keras"


def test_the_jobs_write_the_volume_the_trained_overlay_serves() -> None:
    jobs = of_kind("jobs", "Job")
    assert set(jobs) == {"catalog-build", "emotion-training"}
    claims = set(of_kind("jobs", "PersistentVolumeClaim"))
    assert claims == {"moodtune-artifacts", "moodtune-data"}
    for job in jobs.values():
        pod = job["spec"]["template"]["spec"]
        assert pod["restartPolicy"] == "Never" and pod["securityContext"]["runAsNonRoot"] is True
        volumes = {
            v["name"]: v["persistentVolumeClaim"]["claimName"]
            for v in pod["volumes"]
            if "persistentVolumeClaim" in v
        }
        assert volumes == {"data": "moodtune-data", "artifacts": "moodtune-artifacts"}
    served = of_kind("overlays/cpu-trained", "Deployment")
    for name in ("emotion-service", "recommender-service"):
        mounts = {m["mountPath"]: m.get("readOnly") for m in container(served[name])["volumeMounts"]}
        assert mounts["/artifacts"] is True
    assert set(of_kind("overlays/cpu-trained", "PersistentVolumeClaim")) == {"moodtune-artifacts"}


@pytest.mark.parametrize("job", ["catalog-build", "emotion-training"])
def test_each_jobs_command_is_one_the_training_cli_takes(job: str) -> None:
    """Every option the Job passes is in its CLI's --help (which loads no Keras: fast)."""
    import sys

    command = container(of_kind("jobs", "Job")[job])["command"]
    assert command[:2] == ["python", "-m"]
    module, subcommand = command[2], command[3]
    help_text = subprocess.run(
        [sys.executable, "-m", module, subcommand, "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    for option in (arg for arg in command[4:] if arg.startswith("--")):
        assert option in help_text, f"{job}: {module} {subcommand} has no {option}"
