"""Fit an emotion model: seeded, checkpointed every epoch, resumable, with a CSV log of every epoch.

Keras 3 only, so the same code trains on TensorFlow (CPU, Docker) and JAX (GPU hosts without TF).
"""

import json
import logging
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import keras
import numpy as np

from moodtune_contracts.model_card import ModelCard, card_path
from training.emotion.augment import augment_batch
from training.emotion.config import TrainConfig
from training.emotion.data import FerData, Split
from training.emotion.layout import BEST, CHECKPOINT_DIR, HISTORY, LAST, RUN_FILE, STATE
from training.emotion.models import CLASSIFIER_NAME, NUM_CLASSES, build_classifier, build_training_model
from training.emotion.recipe import Augmentation, Recipe

log = logging.getLogger(__name__)


class FerBatches(keras.utils.PyDataset):
    """Batches of (faces 0..255 float32, one-hot labels[, sample weights]); mixup on request.

    With `augmentation`, every face is augmented here, off the training step (`augment`)."""

    def __init__(
        self,
        split: Split,
        *,
        batch_size: int,
        shuffle: bool,
        seed: int,
        mixup: float = 0.0,
        class_weights: np.ndarray | None = None,
        augmentation: Augmentation | None = None,
    ) -> None:
        super().__init__(workers=1, use_multiprocessing=False)
        self.augmentation = augmentation
        self.x, self.y = split.x, split.y
        self.batch_size, self.shuffle, self.mixup = batch_size, shuffle, mixup
        self.class_weights = class_weights
        self.seed = seed
        self.begin_epoch(0)

    def begin_epoch(self, epoch: int) -> None:
        """An epoch's order is drawn from (seed, epoch), and each batch's augmentation and mixup from
        (seed, epoch, batch): a resumed run draws what the uninterrupted run would have (not its first
        epoch's draws over again), whatever batches Keras reads ahead to learn their shapes."""
        self.epoch = epoch
        order_rng = np.random.default_rng([self.seed, epoch])
        self.order = order_rng.permutation(len(self.y)) if self.shuffle else np.arange(len(self.y))

    def __len__(self) -> int:
        return math.ceil(len(self.y) / self.batch_size)

    def __getitem__(self, index: int) -> tuple[np.ndarray, ...]:
        rows = self.order[index * self.batch_size : (index + 1) * self.batch_size]
        rng = np.random.default_rng([self.seed, self.epoch, index])
        if self.augmentation is not None:
            x = augment_batch(self.x[rows], self.augmentation, rng)[..., None]
        else:
            x = self.x[rows].astype(np.float32)[..., None]
        y = np.eye(NUM_CLASSES, dtype=np.float32)[self.y[rows]]
        w = self.class_weights[self.y[rows]].astype(np.float32) if self.class_weights is not None else None
        if self.mixup > 0:
            lam = np.float32(rng.beta(self.mixup, self.mixup))
            partner = rng.permutation(len(rows))
            x = lam * x + (1 - lam) * x[partner]
            y = lam * y + (1 - lam) * y[partner]
            if w is not None:
                w = lam * w + (1 - lam) * w[partner]
        return (x, y) if w is None else (x, y, w)

    def on_epoch_end(self) -> None:
        self.begin_epoch(self.epoch + 1)


def subset(split: Split, size: int, *, seed: int) -> Split:
    """A seeded random subset in each class's proportion (pilots, smoke tests).

    The loaded splits are ordered by class, so their first N rows would be one or two classes only.
    """
    if size >= len(split):
        return split
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.permutation(len(split))[:size])
    return Split(split.x[rows], split.y[rows])


def warm_start(classifier: keras.Model, source: Path) -> list[str]:
    """Copy a saved model's weights into `classifier` wherever their shapes match; returns those skipped.

    The architectures match one to one; only weights whose shape depends on the input size (the
    head's first dense layer behind Flatten, e.g. 2x2 vs 3x3 feature maps) start fresh.
    """
    saved = keras.models.load_model(source, compile=False)
    if len(saved.weights) != len(classifier.weights):
        raise ValueError(
            f"cannot warm-start from {source}: {len(saved.weights)} weights there, "
            f"{len(classifier.weights)} here (another architecture?)"
        )
    skipped = []
    for theirs, ours in zip(saved.weights, classifier.weights, strict=True):
        if tuple(theirs.shape) == tuple(ours.shape):
            ours.assign(keras.ops.cast(theirs.value, ours.dtype))
        else:
            skipped.append(f"{ours.path} {tuple(theirs.shape)} -> {tuple(ours.shape)}")
    log.info(
        "warm start from %s: %d weights copied, %d fresh: %s",
        source,
        len(classifier.weights) - len(skipped),
        len(skipped),
        skipped,
    )
    return skipped


def describe(model_path: Path) -> str:
    """A saved model by path and, when its card is beside it, by version and PublicTest accuracy."""
    try:
        saved = ModelCard.model_validate_json(card_path(model_path).read_bytes())
    except (OSError, ValueError):  # no card, or not one (pydantic's ValidationError is a ValueError)
        return str(model_path)
    return f"{model_path} ({saved.version}, PublicTest {saved.metrics.val.accuracy:.2%})"


def started_from(out: Path) -> str | None:
    """The run's warm start, as recorded at its start."""
    try:
        return str(json.loads((out / RUN_FILE).read_text())["warm_start"])
    except (OSError, ValueError, KeyError):
        return None


def balanced_class_weights(y: np.ndarray) -> np.ndarray:
    """Square-root inverse frequency, mean 1: helps rare `disgust` without drowning the common classes."""
    counts = np.bincount(y, minlength=NUM_CLASSES).astype(np.float64)
    weights = 1.0 / np.sqrt(np.maximum(counts, 1.0))
    return weights / (weights * counts).sum() * counts.sum()


def training_loss(recipe: Recipe) -> keras.losses.Loss:
    """Cross-entropy, or focal loss when the recipe asks for it (both with its label smoothing)."""
    if recipe.focal_gamma > 0:
        # alpha=1: Keras' default 0.25 would scale every gradient by a quarter, a hidden cut of
        # the learning rate; the class balance is the class weights' job.
        return keras.losses.CategoricalFocalCrossentropy(
            alpha=1.0, gamma=recipe.focal_gamma, label_smoothing=recipe.label_smoothing
        )
    return keras.losses.CategoricalCrossentropy(label_smoothing=recipe.label_smoothing)


class EpochCheckpoint(keras.callbacks.Callback):
    """After every epoch: the full training state (model + optimizer) and the best weights so far."""

    def __init__(self, directory: Path, classifier: keras.Model, state: dict[str, Any]) -> None:
        super().__init__()
        self.directory, self.classifier, self.state = directory, classifier, state
        self.epoch_started = time.monotonic()

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.epoch_started = time.monotonic()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = logs or {}
        val_accuracy = float(logs.get("val_accuracy", float("nan")))
        if val_accuracy > self.state.get("best_val_accuracy", -1.0):
            self.state.update(best_val_accuracy=val_accuracy, best_epoch=epoch + 1)
            self.classifier.save_weights(self.directory / BEST)
        # Write then rename, so a stop mid-save never leaves a broken checkpoint behind.
        partial = self.directory / f"partial-{LAST}"
        self.model.save(partial)
        partial.replace(self.directory / LAST)
        self.state["epoch"] = epoch + 1
        # Training time summed over every session the run spanned (a resumed run starts a new clock).
        self.state["seconds"] = self.state.get("seconds", 0.0) + time.monotonic() - self.epoch_started
        (self.directory / STATE).write_text(json.dumps(self.state, indent=2))


class EpochFacts(keras.callbacks.Callback):
    """Adds the epoch's learning rate (at its last step) and seconds to the logs every later callback
    sees, so the run's history.csv holds the whole per-epoch curve."""

    def __init__(self) -> None:
        super().__init__()
        self.epoch_started = time.monotonic()

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.epoch_started = time.monotonic()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if logs is not None:
            logs["learning_rate"] = current_learning_rate(self.model.optimizer)
            logs["seconds"] = round(time.monotonic() - self.epoch_started, 1)


class TimeBudget(keras.callbacks.Callback):
    def __init__(self, minutes: float, started: float) -> None:
        super().__init__()
        self.seconds, self.started = minutes * 60, started

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if time.monotonic() - self.started > self.seconds:
            log.info("time budget of %.0f min reached after epoch %d", self.seconds / 60, epoch + 1)
            self.model.stop_training = True


def has_gpu() -> bool:
    """Whether the active Keras backend sees a GPU (asked of the backend; model code stays Keras-only)."""
    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        return any(device.platform == "gpu" for device in jax.devices())
    if backend == "tensorflow":
        import tensorflow as tf

        return bool(tf.config.list_physical_devices("GPU"))
    return False


def resolve_precision(precision: str) -> str:
    """`auto`: bfloat16 mixed precision on GPUs; float32 on CPUs, where bf16 rarely trains faster
    (training/RESULTS.md)."""
    if precision != "auto":
        return precision
    return "mixed_bfloat16" if has_gpu() else "float32"


def resolve_augment_in(augment_in: str) -> str:
    """`auto`: in the data loader on CPUs (a third of the step there), inside the model on GPUs."""
    if augment_in != "auto":
        return augment_in
    return "model" if has_gpu() else "loader"


def learning_rate_schedule(
    recipe: Recipe, steps_per_epoch: int
) -> float | keras.optimizers.schedules.LearningRateSchedule:
    """The recipe's learning rate by step: linear warm-up from a tenth of the peak, then cosine to 0."""
    if recipe.schedule != "cosine":
        return recipe.learning_rate
    warmup = recipe.warmup_epochs * steps_per_epoch
    return keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=recipe.learning_rate / 10 if warmup else recipe.learning_rate,
        decay_steps=max(1, recipe.epochs * steps_per_epoch - warmup),
        warmup_target=recipe.learning_rate if warmup else None,
        warmup_steps=warmup,
    )


def learning_rate_at(recipe: Recipe, epoch: float, steps_per_epoch: int) -> float:
    """The learning rate `epoch` epochs into the recipe's schedule (0: its first step)."""
    schedule = learning_rate_schedule(recipe, steps_per_epoch)
    if isinstance(schedule, float):
        return schedule
    return float(keras.ops.convert_to_numpy(schedule(round(epoch * steps_per_epoch))))


def current_learning_rate(optimizer: keras.optimizers.Optimizer) -> float:
    return float(keras.ops.convert_to_numpy(optimizer.learning_rate))


def _optimizer(recipe: Recipe, steps_per_epoch: int) -> keras.optimizers.Optimizer:
    learning_rate = learning_rate_schedule(recipe, steps_per_epoch)
    if recipe.optimizer == "sgd":
        return keras.optimizers.SGD(
            learning_rate, momentum=0.9, nesterov=True, weight_decay=recipe.weight_decay or None
        )
    return keras.optimizers.Adam(learning_rate, weight_decay=recipe.weight_decay or None)


@dataclass
class TrainResult:
    classifier: keras.Model
    epochs_trained: int
    best_epoch: int
    seconds: float
    images_per_second: float
    history_path: Path
    sessions: list[str]  # when each session of the run started training


def train(config: TrainConfig, data: FerData) -> TrainResult:
    recipe = config.recipe
    keras.utils.set_random_seed(config.seed)
    keras.mixed_precision.set_global_policy(resolve_precision(config.precision))
    checkpoints = config.out / CHECKPOINT_DIR
    checkpoints.mkdir(parents=True, exist_ok=True)

    train_split = data.train
    if config.limit_train:
        train_split = subset(train_split, config.limit_train, seed=config.seed)
    class_weights = balanced_class_weights(train_split.y) if recipe.class_weights else None
    augment_in = resolve_augment_in(config.augment_in)
    batches = FerBatches(
        train_split,
        batch_size=recipe.batch_size,
        shuffle=True,
        seed=config.seed,
        mixup=recipe.mixup,
        class_weights=class_weights,
        augmentation=recipe.augmentation if augment_in == "loader" else None,
    )
    val_batches = FerBatches(data.val, batch_size=256, shuffle=False, seed=config.seed)

    # A checkpoint's training model holds the augmentation layers or not: resume it the same way.
    signature = {
        "arch": config.arch,
        "input_size": recipe.input_size,
        "preset": config.preset,
        "augment_in": augment_in,
    }
    state: dict[str, Any] = {"epoch": 0, **signature}
    if config.resume and (checkpoints / LAST).exists():
        state = json.loads((checkpoints / STATE).read_text())
        if {k: state.get(k) for k in signature} != signature:
            raise ValueError(f"cannot resume: checkpoint is {state}, this run is {signature}")
        training_model = keras.models.load_model(checkpoints / LAST)
        classifier = training_model.get_layer(CLASSIFIER_NAME)
        log.info(
            "resuming after epoch %d (best val accuracy %.4f)",
            state["epoch"],
            state.get("best_val_accuracy", 0),
        )
    else:
        classifier = build_classifier(arch=config.arch, input_size=recipe.input_size, weights=config.weights)
        if config.warm_start:
            warm_start(classifier, config.warm_start)
            # Written once, at the run's start (state.json is rewritten every epoch): the card of
            # every later export says what the run started from.
            (config.out / RUN_FILE).write_text(json.dumps({"warm_start": describe(config.warm_start)}))
        in_model = recipe.augmentation if augment_in == "model" else None
        training_model = build_training_model(classifier, in_model, seed=config.seed)
        training_model.compile(
            optimizer=_optimizer(recipe, len(batches)),
            loss=training_loss(recipe),
            metrics=["accuracy"],
        )
        if config.start_epoch:
            # Continue a schedule whose checkpoint is gone (another machine) from the weights it
            # last shipped: the same epoch, so the same learning rate, not a new cycle.
            training_model.optimizer.build(training_model.trainable_variables)
            training_model.optimizer.iterations.assign(config.start_epoch * len(batches))
            state["epoch"] = config.start_epoch
            log.info(
                "schedule continues at epoch %d of %d (learning rate %.5f)",
                config.start_epoch,
                recipe.epochs,
                current_learning_rate(training_model.optimizer),
            )

    started = time.monotonic()
    callbacks: list[keras.callbacks.Callback] = [
        EpochFacts(),  # before the logger, which writes what it adds
        keras.callbacks.CSVLogger(str(config.out / HISTORY), append=state["epoch"] > 0),
        # A diverged step (too high a learning rate for the batch) ends the run instead of
        # checkpointing NaN weights for every epoch left.
        keras.callbacks.TerminateOnNaN(),
        EpochCheckpoint(checkpoints, classifier, state),
    ]
    if recipe.schedule == "plateau":
        callbacks.append(
            keras.callbacks.ReduceLROnPlateau(
                monitor="val_accuracy", mode="max", factor=0.5, patience=3, min_lr=1e-6
            )
        )
    if config.max_minutes:
        callbacks.append(TimeBudget(config.max_minutes, started))
    first_epoch = int(state["epoch"])
    batches.begin_epoch(first_epoch)
    if first_epoch < recipe.epochs and not config.export_only:
        state.setdefault("sessions", []).append(datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))
        training_model.fit(
            batches,
            validation_data=val_batches,
            epochs=recipe.epochs,
            initial_epoch=first_epoch,
            callbacks=callbacks,
            verbose=config.verbose,
        )
    epochs_now = int(state["epoch"])
    seconds = float(state.get("seconds", time.monotonic() - started))
    if (checkpoints / BEST).exists():
        classifier.load_weights(checkpoints / BEST)
    return TrainResult(
        classifier=classifier,
        epochs_trained=epochs_now,
        best_epoch=int(state.get("best_epoch", epochs_now)),
        seconds=seconds,
        images_per_second=epochs_now * len(train_split) / seconds if seconds else 0.0,
        history_path=config.out / HISTORY,
        sessions=list(state.get("sessions", [])),
    )
