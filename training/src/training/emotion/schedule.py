"""The long CPU schedule's committed state: what a machine without the run's checkpoints needs to
continue the same schedule at the same epoch.

A schedule spans many sessions and, between them, possibly other machines. Its checkpoints stay on
the machine that wrote them (outside the work tree); `training/schedule.json` travels with the
repository and says which recipe, how many epochs, how far the schedule got and at what learning
rate. Where the checkpoint is there, the run resumes from it; where it is gone, the run starts from
the shipped weights at the recorded epoch, so the learning rate goes on from where it was.
"""

import csv
import json
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from moodtune_contracts.model_card import ModelCard, card_path
from training.emotion.layout import CHECKPOINT_STATE, HISTORY


@dataclass(frozen=True)
class Schedule:
    name: str  # the run directory's name under the runs folder
    epochs: int  # the schedule's length: warm-up, then cosine to 0 at this epoch
    train_args: list[str]  # the recipe, as `python -m training.emotion train` arguments
    epoch_reached: int = 0  # epochs finished so far, over every machine
    learning_rate: float | None = None  # at the end of epoch_reached
    continues_from: str = ""  # the shipped model a machine without the checkpoint starts from
    updated: str = ""
    notes: list[str] = field(default_factory=list)
    # One row an epoch over every machine: PublicTest one pass, the augmented Training split as
    # fit saw it, the learning rate at the epoch's end, seconds, and the machine and precision.
    curve: list[dict[str, object]] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> "Schedule":
        return cls(**json.loads(path.read_text()))

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=2) + "\n")


def local_epoch(run: Path) -> int:
    """Epochs the run's checkpoint on this machine holds (0: no checkpoint here)."""
    try:
        return int(json.loads((run / CHECKPOINT_STATE).read_text())["epoch"])
    except (OSError, ValueError, KeyError):
        return 0


def start_args(schedule: Schedule, run: Path, shipped: Path) -> list[str]:
    """How this machine continues the schedule: from its own checkpoint where that is at least as far
    as the committed state, else from the shipped weights at the committed epoch."""
    if local_epoch(run) and local_epoch(run) >= schedule.epoch_reached:
        return ["--resume"]
    args = ["--warm-start", str(shipped)]
    return [*args, "--start-epoch", str(schedule.epoch_reached)] if schedule.epoch_reached else args


def shipped_version(shipped: Path) -> str:
    return ModelCard.model_validate_json(card_path(shipped).read_bytes()).version


def record(schedule: Schedule, run: Path, shipped: Path, *, machine: str = "") -> Schedule:
    """The schedule's state after the run's last finished epoch (its checkpoint's state and log),
    its curve extended by the epochs this machine trained."""
    epoch = local_epoch(run)
    if epoch < schedule.epoch_reached:
        raise ValueError(f"{run} holds epoch {epoch}, behind the recorded {schedule.epoch_reached}")
    learning_rate = schedule.learning_rate
    curve = {int(str(row["epoch"])): row for row in schedule.curve}
    history = run / HISTORY
    if history.exists():
        with history.open() as f:
            for row in csv.DictReader(f):
                number = int(row["epoch"]) + 1  # Keras counts from 0
                if number in curve:
                    continue  # recorded before, perhaps on another machine: keep its row
                curve[number] = {
                    "epoch": number,
                    "public_test_one_pass": round(float(row["val_accuracy"]), 4),
                    "train_augmented": round(float(row["accuracy"]), 4),
                    "learning_rate": round(float(row.get("learning_rate") or "nan"), 5),
                    "seconds": round(float(row.get("seconds") or "nan")),
                    "machine": machine,
                }
                learning_rate = float(row.get("learning_rate") or "nan")
    return replace(
        schedule,
        epoch_reached=epoch,
        learning_rate=learning_rate,
        continues_from=shipped_version(shipped),
        updated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        curve=[curve[n] for n in sorted(curve)],
    )


def plot(schedule: Schedule, path: Path) -> None:
    """PublicTest (one pass) and the augmented Training split by epoch, the learning rate beside."""
    import matplotlib

    matplotlib.use("Agg")  # headless
    import matplotlib.pyplot as plt

    epochs = [int(str(row["epoch"])) for row in schedule.curve]
    fig, acc = plt.subplots(figsize=(8, 4))
    for key, label in (
        ("public_test_one_pass", "PublicTest, one pass"),
        ("train_augmented", "Training (augmented)"),
    ):
        acc.plot(epochs, [float(str(row[key])) for row in schedule.curve], marker="o", label=label)
    acc.set(xlabel="epoch", ylabel="accuracy", xlim=(0, schedule.epochs), title=f"{schedule.name}")
    rate = acc.twinx()
    rate.plot(
        epochs, [float(str(row["learning_rate"])) for row in schedule.curve], color="grey", linestyle=":"
    )
    rate.set_ylabel("learning rate (dotted)")
    acc.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
