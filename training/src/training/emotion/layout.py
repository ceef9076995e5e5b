"""Where the emotion job's files are: a run directory, the artifact in it, and the shipped model.

    RUN/                               a run directory (`train --out`)
      checkpoints/last.keras           the whole training state after the last epoch (`--resume`)
      checkpoints/best.weights.h5      the classifier's best weights on PublicTest so far
      checkpoints/state.json           the epoch reached, the best epoch, the sessions
      run.json                         what the run started from (`--warm-start`)
      history.csv                      one row an epoch
      curves.png, confusion_val.png, metrics.json
      artifact/model.keras             what the emotion-service loads, its card beside it:
      artifact/model.card.json         the typed card, and CARD.md, the card for people

Plain paths, no Keras: the GPU route's helpers and the CLI's `--help` read them too.
"""

from pathlib import Path

from moodtune_contracts.model_card import card_path

REPO = Path(__file__).resolve().parents[4]

# A run directory's files.
CHECKPOINT_DIR = "checkpoints"
LAST = "last.keras"
BEST = "best.weights.h5"
STATE = "state.json"
CHECKPOINT_STATE = Path(CHECKPOINT_DIR) / STATE
RUN_FILE = "run.json"
HISTORY = "history.csv"
CURVES = "curves.png"
CONFUSION = "confusion_val.png"
METRICS = "metrics.json"

# The artifact: a folder of a run, or where the emotion-service loads it from.
ARTIFACT = "artifact"
MODEL_FILE = "model.keras"
CARD_FILE = card_path(Path(MODEL_FILE)).name  # beside model.keras, where the service looks for it
CARD_MD = "CARD.md"

SHIPPED = REPO / "artifacts" / "emotion"
SHIPPED_MODEL = SHIPPED / MODEL_FILE
SCHEDULE_FILE = REPO / "training" / "schedule.json"


def artifact_of(run: Path) -> Path:
    """The folder a run exports its model and card to."""
    return run / ARTIFACT
