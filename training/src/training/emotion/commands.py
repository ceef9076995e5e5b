"""The training path's subcommands: `train` (config → data → fit → export, in `job`), `card`,
`schedule` (the long CPU schedule's state) and `compare` (runs beside the study's numbers)."""

import argparse
import logging
import os
from pathlib import Path

from moodtune_contracts.model_card import ModelCard
from moodtune_vision.detectors import DEFAULT_DETECTOR, DETECTORS
from training.emotion import card as card_md
from training.emotion.architectures import ARCHITECTURES
from training.emotion.cli import arg, command
from training.emotion.config import PRESETS, TrainConfig, recipe_for, with_augmentation, with_overrides
from training.emotion.layout import SCHEDULE_FILE, SHIPPED_MODEL

log = logging.getLogger("training.emotion")


@command(
    "train, evaluate and export one model",
    arg("--arch", choices=ARCHITECTURES, required=True),
    arg("--data", type=Path, required=True, help="FER2013 folder, .tar.gz of one, or fer2013.csv"),
    arg("--out", type=Path, required=True, help="run directory (checkpoints, logs, artifact)"),
    arg("--preset", choices=PRESETS, default="study", help="the recipe (training/RESULTS.md)"),
    arg("--weights", default="none", help="imagenet | none | PATH to a local weights file"),
    arg("--epochs", type=int, help="override the preset's epochs"),
    arg("--input-size", type=int, help="override the preset's input size (px)"),
    arg("--batch-size", type=int, help="override the preset's batch size"),
    arg("--learning-rate", type=float, help="override the preset's learning rate"),
    arg("--tta", action=argparse.BooleanOptionalAction, default=None, help="flip test-time augmentation"),
    arg("--extra", type=Path, help="extra labelled images: DIR/<emotion>/*"),
    arg(
        "--face-detector",
        default=DEFAULT_DETECTOR,
        choices=sorted(DETECTORS),
        help="as the emotion-service's setting (same default)",
    ),
    arg("--resume", action="store_true", help="continue from the run's last checkpoint"),
    arg(
        "--export-only",
        action="store_true",
        help="train no further: evaluate and export the best epoch so far (ship a run that is still going)",
    ),
    arg("--seed", type=int, default=1337),
    arg(
        "--precision",
        default="auto",
        choices=["auto", "float32", "mixed_bfloat16", "mixed_float16"],
        help="auto: mixed bfloat16 on a GPU, float32 on a CPU",
    ),
    arg(
        "--augment-in",
        default="auto",
        choices=["auto", "loader", "model"],
        help="where augmentation runs: auto = the data loader on a CPU, the model's layers on a GPU",
    ),
    arg("--max-minutes", type=float, help="stop after the epoch that crosses this budget"),
    arg("--limit-train", type=int, help="train on a seeded, class-proportional subset of N images (pilots)"),
    arg(
        "--warm-start",
        type=Path,
        help="a saved model (.keras) whose weights start a new run wherever their shapes match",
    ),
    arg("--mixup", type=float, help="override the preset's mixup strength (0 = off)"),
    arg("--focal-gamma", type=float, help="focal loss of this gamma, not cross-entropy (0: off)"),
    arg("--warmup-epochs", type=int, help="override the preset's warm-up epochs"),
    arg("--weight-decay", type=float, help="override the preset's (decoupled) weight decay"),
    arg("--label-smoothing", type=float, help="override the preset's label smoothing"),
    arg("--shift", type=float, help="override the augmentation's shift (fraction of the face)"),
    arg("--zoom", type=float, help="override the augmentation's zoom (fraction)"),
    arg("--erasing", type=float, help="override random erasing's largest area (0 = off)"),
    arg(
        "--start-epoch",
        type=int,
        default=0,
        help="with --warm-start and no checkpoint: begin the schedule at this epoch (its learning rate "
        "there), to continue a schedule whose checkpoints are gone from the weights it shipped",
    ),
    arg("--cache-dir", type=Path, default=Path(".cache/fer"), help="where decoded data is cached"),
    arg("--verbose", type=int, default=1, choices=[0, 1, 2]),
)
def train_command(args: argparse.Namespace) -> int:
    # Imported here so the other commands and `--help` work without loading a deep-learning backend.
    from training.emotion.data import FerDataError
    from training.emotion.job import run

    try:
        return run(train_config(args))
    except FerDataError as exc:
        log.error("%s (FER2013: see the README, Data sets)", exc)
        return 2


def train_config(args: argparse.Namespace) -> TrainConfig:
    """The preset's recipe with what the command line overrides, and the run's settings."""
    recipe = with_overrides(
        recipe_for(args.preset, args.arch),
        epochs=args.epochs,
        input_size=args.input_size,
        batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        tta=args.tta,
        mixup=args.mixup,
        focal_gamma=args.focal_gamma,
        warmup_epochs=args.warmup_epochs,
        weight_decay=args.weight_decay,
        label_smoothing=args.label_smoothing,
    )
    recipe = with_augmentation(recipe, shift=args.shift, zoom=args.zoom, erasing=args.erasing)
    return TrainConfig(
        arch=args.arch,
        data=args.data,
        out=args.out,
        recipe=recipe,
        preset=args.preset,
        weights=args.weights,
        seed=args.seed,
        resume=args.resume or args.export_only,
        export_only=args.export_only,
        extra=args.extra,
        face_detector=args.face_detector,
        cache_dir=args.cache_dir,
        augment_in=args.augment_in,
        precision=args.precision,
        max_minutes=args.max_minutes,
        limit_train=args.limit_train,
        warm_start=args.warm_start,
        start_epoch=args.start_epoch,
        verbose=args.verbose,
        command=args.invocation,
    )


@command("render CARD.md beside a model.card.json", arg("card_json", type=Path))
def card_command(args: argparse.Namespace) -> None:
    card = ModelCard.model_validate_json(args.card_json.read_bytes())
    print(card_md.write(card, args.card_json.parent))


@command(
    "the long schedule's committed state: how this machine continues it, or record its progress",
    arg("action", choices=["args", "record"], help="args: print `train`'s arguments, one a line"),
    arg("--file", type=Path, default=SCHEDULE_FILE),
    arg("--runs", type=Path, default=Path.home() / ".cache" / "moodtune" / "runs"),
    arg("--shipped", type=Path, default=SHIPPED_MODEL),
)
def schedule_command(args: argparse.Namespace) -> None:
    from training.emotion.machine import cpu_name
    from training.emotion.schedule import Schedule, plot, record, start_args

    schedule = Schedule.load(args.file)
    run = args.runs / schedule.name
    if args.action == "args":
        print("\n".join([*schedule.train_args, "--epochs", str(schedule.epochs), "--out", str(run)]))
        print("\n".join(start_args(schedule, run, args.shipped)))
        return
    flags = schedule.train_args
    precision = flags[flags.index("--precision") + 1] if "--precision" in flags else "auto"
    machine = f"{cpu_name()}, {os.cpu_count()} CPUs, {precision}"
    recorded = record(schedule, run, args.shipped, machine=machine)
    recorded.save(args.file)
    plot(recorded, args.file.with_suffix(".png"))
    reached = f"epoch {recorded.epoch_reached} of {recorded.epochs}"
    print(f"{args.file}: {reached}, learning rate {recorded.learning_rate}")


@command(
    "markdown table of runs beside the study's numbers",
    arg("--runs", type=Path, nargs="+", required=True),
    arg("--out", type=Path, required=True),
)
def compare_command(args: argparse.Namespace) -> None:
    from training.emotion.compare import runs_table

    table = runs_table(args.runs)
    args.out.write_text(table + "\n")
    print(table)
