"""Where the repository is, its Kubernetes manifests, and the shared data folder beside the checkout
(README, Data sets)."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
KUSTOMIZE = REPO / "deploy" / "kubernetes"  # the Kubernetes manifests: base, overlays, components
