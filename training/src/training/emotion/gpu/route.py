"""What travels back from the GPU machine (`scripts/train_emotion_gpu.sh`) and how it becomes a run
directory here again, so that `ship`, `versus`, `peers` and `speed` work on it as on a CPU run.

Back: the model in parts (`shards`), its card, the epoch log and the training log: at most MAX_FILES
files, for hosts that limit how many files a job returns (as `shards` sizes each part for those that
limit a file's size).
"""

import shutil
from pathlib import Path

from moodtune_contracts.model_card import ModelCard
from training.emotion.gpu.shards import join_parts, split_file
from training.emotion.layout import CARD_FILE, CONFUSION, CURVES, HISTORY, MODEL_FILE, artifact_of

MAX_FILES = 8
BESIDE = (HISTORY, CONFUSION)  # from the run directory, when there


def shard_run(run: Path, out: Path) -> list[Path]:
    artifact = artifact_of(run)
    written = split_file(artifact / MODEL_FILE, out)
    for source in (artifact / CARD_FILE, *(run / name for name in BESIDE)):
        if source.exists():
            written.append(Path(shutil.copyfile(source, out / source.name)))
    if len(written) > MAX_FILES:
        raise ValueError(f"{len(written)} files; a GPU run brings back at most {MAX_FILES}")
    return written


def unshard_run(parts: Path, run: Path) -> ModelCard:
    card = ModelCard.model_validate_json((parts / CARD_FILE).read_bytes())
    artifact = artifact_of(run)
    join_parts(parts, MODEL_FILE, artifact / MODEL_FILE, sha256=card.sha256)
    shutil.copyfile(parts / CARD_FILE, artifact / CARD_FILE)
    for name in BESIDE:
        if (parts / name).exists():
            shutil.copyfile(parts / name, run / name)
    if (run / HISTORY).exists():
        from training.emotion.evaluate import plot_curves

        plot_curves(run / HISTORY, run / CURVES, title=f"{card.architecture} ({card.preset}, GPU)")
    from training.emotion.card import write

    write(card, artifact)
    return card
