"""Where the repository is, and the shared data folder beside the checkout (README, Data sets)."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
