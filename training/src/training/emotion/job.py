"""The training job from start to end, as `python -m training.emotion train` runs it: config → data →
model and fit (`train`) → export with its typed card (`export`), in the run directory (`layout`)."""

import logging
import os
import platform

import keras
import numpy as np

from moodtune_contracts.model_card import TrainingRun
from moodtune_vision.detectors import make_detector
from training.emotion.config import TrainConfig
from training.emotion.data import FerData, extend_with_images, load_fer
from training.emotion.evaluate import plot_curves, predict
from training.emotion.export import Provenance, data_info, evaluated_export, git_commit
from training.emotion.layout import CURVES, REPO
from training.emotion.train import TrainResult, started_from, train

log = logging.getLogger("training.emotion")


def run(config: TrainConfig) -> int:
    """Train (or resume, or only export) the run `config.out`, and export its best epoch; the exit
    status: 0, or 3 when training diverged and nothing was exported."""
    data = load_data(config)
    result = train(config, data)
    if not np.isfinite(predict(result.classifier, data.val.x[:256], tta=False)).all():
        log.error("the model answers NaN: training diverged (lower --learning-rate); nothing exported")
        return 3
    title = f"{config.arch} ({config.preset})"
    plot_curves(result.history_path, config.out / CURVES, title=title)
    evaluated_export(
        result.classifier,
        data,
        run=config.out,
        made=provenance(config, data, result),
        title=f"{title} after {result.epochs_trained} epochs",
        train_accuracy=not config.limit_train,
    )
    return 0


def load_data(config: TrainConfig) -> FerData:
    """FER2013, with `config.extra`'s labelled images where given (faces found as the service finds them)."""
    data = load_fer(config.data, cache_dir=config.cache_dir)
    if config.extra:
        extend_with_images(data, config.extra, detector=make_detector(config.face_detector))
    log.info("data: %s", {name: len(split) for name, split in data.splits.items()})
    return data


def provenance(config: TrainConfig, data: FerData, result: TrainResult) -> Provenance:
    """How this run made its model, for the card."""
    return Provenance(
        architecture=config.arch,
        preset=config.preset,
        recipe=config.recipe,
        weights_init=config.weights,
        warm_start=started_from(config.out),
        epochs_trained=result.epochs_trained,
        best_epoch=result.best_epoch,
        data=data_info(data),
        training=TrainingRun(
            seconds=round(result.seconds, 1),
            images_per_second=round(result.images_per_second, 1),
            backend=keras.backend.backend(),
            precision=keras.mixed_precision.global_policy().name,
            machine=f"{platform.machine()}, {os.cpu_count()} CPUs",
            seed=config.seed,
            sessions=result.sessions,
        ),
        commit=git_commit(REPO),
        command=config.command,
    )
