"""What travels back from the GPU machine (`scripts/train_emotion_gpu.sh`) and how it becomes a run
directory here again, so that `ship`, `versus`, `peers` and `speed` work on it as on a CPU run.

Back: the model in parts (`shards`), its card, the epoch log and the training log; at most 8 files.
"""

import shutil
from pathlib import Path

from moodtune_contracts.model_card import ModelCard
from training.emotion.shards import join_parts, split_file

ARTIFACT = "artifact"
MODEL_FILE = "model.keras"  # as export.MODEL_FILE; export imports Keras, this module must not
CARD_FILE = "model.card.json"
BESIDE = ("history.csv", "confusion_val.png")  # from the run directory, when there


def shard_run(run: Path, out: Path) -> list[Path]:
    artifact = run / ARTIFACT
    written = split_file(artifact / MODEL_FILE, out)
    for source in (artifact / CARD_FILE, *(run / name for name in BESIDE)):
        if source.exists():
            written.append(Path(shutil.copyfile(source, out / source.name)))
    if len(written) > 8:
        raise ValueError(f"{len(written)} files; a GPU session returns at most 8")
    return written


def unshard_run(parts: Path, run: Path) -> ModelCard:
    card = ModelCard.model_validate_json((parts / CARD_FILE).read_bytes())
    artifact = run / ARTIFACT
    join_parts(parts, MODEL_FILE, artifact / MODEL_FILE, sha256=card.sha256)
    shutil.copyfile(parts / CARD_FILE, artifact / CARD_FILE)
    for name in BESIDE:
        if (parts / name).exists():
            shutil.copyfile(parts / name, run / name)
    if (run / "history.csv").exists():
        from training.emotion.evaluate import plot_curves

        plot_curves(
            run / "history.csv", run / "curves.png", title=f"{card.architecture} ({card.preset}, GPU)"
        )
    from training.emotion.card import write

    write(card, artifact)
    return card
