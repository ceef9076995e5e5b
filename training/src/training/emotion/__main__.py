"""CLI for the emotion models.

python -m training.emotion train --arch resnet50v2 --data FER --out runs/resnet50v2 [--preset study]
python -m training.emotion compare --runs runs/* --out runs/comparison.md
"""

import argparse
import json
import logging
import os
import platform
import shlex
import sys
from pathlib import Path

from moodtune_contracts.model_card import ModelCard
from moodtune_vision.detectors import DEFAULT_DETECTOR, DETECTORS
from training.emotion import card as card_md
from training.emotion.architectures import ARCHITECTURES, get_architecture
from training.emotion.config import PRESETS, TrainConfig, recipe_for, with_augmentation, with_overrides
from training.emotion.layout import (
    CARD_FILE,
    CURVES,
    REPO,
    SCHEDULE_FILE,
    SHIPPED,
    SHIPPED_MODEL,
    artifact_of,
)

log = logging.getLogger("training.emotion")
# Every --help shows each option's default.
HELP_FORMAT = argparse.ArgumentDefaultsHelpFormatter


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m training.emotion", description=__doc__, formatter_class=HELP_FORMAT
    )
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train, evaluate and export one model", formatter_class=HELP_FORMAT)
    t.add_argument("--arch", choices=ARCHITECTURES, required=True)
    t.add_argument("--data", type=Path, required=True, help="FER2013 folder, .tar.gz of one, or fer2013.csv")
    t.add_argument("--out", type=Path, required=True, help="run directory (checkpoints, logs, artifact)")
    t.add_argument("--preset", choices=PRESETS, default="study", help="the recipe (training/RESULTS.md)")
    t.add_argument("--weights", default="none", help="imagenet | none | PATH to a local weights file")
    t.add_argument("--epochs", type=int, help="override the preset's epochs")
    t.add_argument("--input-size", type=int, help="override the preset's input size (px)")
    t.add_argument("--batch-size", type=int, help="override the preset's batch size")
    t.add_argument("--learning-rate", type=float, help="override the preset's learning rate")
    t.add_argument(
        "--tta", action=argparse.BooleanOptionalAction, default=None, help="flip test-time augmentation"
    )
    t.add_argument("--extra", type=Path, help="extra labelled images: DIR/<emotion>/*")
    t.add_argument(
        "--face-detector",
        default=DEFAULT_DETECTOR,
        choices=sorted(DETECTORS),
        help="as the emotion-service's setting (same default)",
    )
    t.add_argument("--resume", action="store_true", help="continue from the run's last checkpoint")
    t.add_argument(
        "--export-only",
        action="store_true",
        help="train no further: evaluate and export the best epoch so far (ship a run that is still going)",
    )
    t.add_argument("--seed", type=int, default=1337)
    t.add_argument(
        "--precision",
        default="auto",
        choices=["auto", "float32", "mixed_bfloat16", "mixed_float16"],
        help="auto: mixed bfloat16 on a GPU, float32 on a CPU",
    )
    t.add_argument(
        "--augment-in",
        default="auto",
        choices=["auto", "loader", "model"],
        help="where augmentation runs: auto = the data loader on a CPU, the model's layers on a GPU",
    )
    t.add_argument("--max-minutes", type=float, help="stop after the epoch that crosses this budget")
    t.add_argument(
        "--limit-train", type=int, help="train on a seeded, class-proportional subset of N images (pilots)"
    )
    t.add_argument(
        "--warm-start",
        type=Path,
        help="a saved model (.keras) whose weights start a new run wherever their shapes match",
    )
    t.add_argument("--mixup", type=float, help="override the preset's mixup strength (0 = off)")
    t.add_argument("--focal-gamma", type=float, help="focal loss of this gamma, not cross-entropy (0: off)")
    t.add_argument("--warmup-epochs", type=int, help="override the preset's warm-up epochs")
    t.add_argument("--weight-decay", type=float, help="override the preset's (decoupled) weight decay")
    t.add_argument("--label-smoothing", type=float, help="override the preset's label smoothing")
    t.add_argument("--shift", type=float, help="override the augmentation's shift (fraction of the face)")
    t.add_argument("--zoom", type=float, help="override the augmentation's zoom (fraction)")
    t.add_argument("--erasing", type=float, help="override random erasing's largest area (0 = off)")
    t.add_argument(
        "--start-epoch",
        type=int,
        default=0,
        help="with --warm-start and no checkpoint: begin the schedule at this epoch (its learning rate "
        "there), to continue a schedule whose checkpoints are gone from the weights it shipped",
    )
    t.add_argument("--cache-dir", type=Path, default=Path(".cache/fer"), help="where decoded data is cached")
    t.add_argument("--verbose", type=int, default=1, choices=[0, 1, 2])
    k = sub.add_parser("card", help="render CARD.md beside a model.card.json", formatter_class=HELP_FORMAT)
    k.add_argument("card_json", type=Path)
    sh = sub.add_parser(
        "ship",
        help="copy a run's artifact to where the emotion-service loads it from",
        formatter_class=HELP_FORMAT,
    )
    sh.add_argument("--run", type=Path, required=True)
    sh.add_argument("--to", type=Path, default=SHIPPED)
    p = sub.add_parser(
        "peers",
        help="score a peer's PublicTest predictions (benchmarks/peers.py) into a card",
        formatter_class=HELP_FORMAT,
    )
    p.add_argument("--card", type=Path, required=True, help="model.card.json to add them to")
    p.add_argument("--predictions", type=Path, required=True, help="the JSON benchmarks/peers.py wrote")
    sp = sub.add_parser(
        "speed",
        help="measure a model's CPU forward time and record it in its card",
        formatter_class=HELP_FORMAT,
    )
    sp.add_argument("--model", type=Path, required=True, help="model.keras (its card is beside it)")
    sp.add_argument("--calls", type=int, default=200, help="batch-1 calls to time")
    lr = sub.add_parser(
        "litert",
        help="derive the model's LiteRT files, read PublicTest through each as served, time them, and "
        "record on its card the one a CPU serves",
        formatter_class=HELP_FORMAT,
    )
    lr.add_argument("--model", type=Path, required=True, help="model.keras (its card is beside it)")
    lr.add_argument("--data", type=Path, required=True)
    lr.add_argument("--cache-dir", type=Path, default=Path(".cache/fer"))
    lr.add_argument("--calls", type=int, default=100, help="timed calls per batch size")
    v = sub.add_parser(
        "versus",
        help="a candidate against the shipped model on PublicTest, paired, as each is served",
        formatter_class=HELP_FORMAT,
    )
    v.add_argument("--candidate", type=Path, required=True, help="model.keras (its card is beside it)")
    v.add_argument("--shipped", type=Path, default=SHIPPED_MODEL)
    v.add_argument("--data", type=Path, required=True)
    v.add_argument("--cache-dir", type=Path, default=Path(".cache/fer"))
    v.add_argument("--out", type=Path, help="also write the comparison here (JSON)")
    vw = sub.add_parser(
        "views",
        help="set how a card says its model is served: one pass, or flip averaging (its `val` follows)",
        formatter_class=HELP_FORMAT,
    )
    vw.add_argument("--card", type=Path, required=True)
    vw.add_argument("--flip-average", action=argparse.BooleanOptionalAction, required=True)
    sd = sub.add_parser(
        "shard",
        help="a run's exported model in parts of at most 15 MiB, its card and log beside them (GPU route)",
        formatter_class=HELP_FORMAT,
    )
    sd.add_argument("--run", type=Path, required=True)
    sd.add_argument("--out", type=Path, required=True, help="where the parts go ($OUT on the GPU machine)")
    us = sub.add_parser(
        "unshard",
        help="rebuild a run directory from what `shard` wrote, checked against the card's sha256",
        formatter_class=HELP_FORMAT,
    )
    us.add_argument("--parts", type=Path, required=True, help="the folder the parts came back in")
    us.add_argument("--run", type=Path, required=True, help="the run directory to rebuild (for `ship`)")
    sc = sub.add_parser(
        "schedule",
        help="the long schedule's committed state: how this machine continues it, or record its progress",
        formatter_class=HELP_FORMAT,
    )
    sc.add_argument("action", choices=["args", "record"], help="args: print `train`'s arguments, one a line")
    sc.add_argument("--file", type=Path, default=SCHEDULE_FILE)
    sc.add_argument("--runs", type=Path, default=Path.home() / ".cache" / "moodtune" / "runs")
    sc.add_argument("--shipped", type=Path, default=SHIPPED_MODEL)
    c = sub.add_parser(
        "compare", help="markdown table of runs beside the study's numbers", formatter_class=HELP_FORMAT
    )
    c.add_argument("--runs", type=Path, nargs="+", required=True)
    c.add_argument("--out", type=Path, required=True)
    return parser


def _train(args: argparse.Namespace, argv: list[str]) -> int:
    # Imported here so `compare` and `--help` work without loading a deep-learning backend.
    import keras

    from training.emotion.data import extend_with_images, load_fer
    from training.emotion.evaluate import plot_curves
    from training.emotion.export import evaluated_export, git_commit
    from training.emotion.train import started_from, train

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
    config = TrainConfig(
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
        cache_dir=args.cache_dir,
        augment_in=args.augment_in,
        precision=args.precision,
        max_minutes=args.max_minutes,
        limit_train=args.limit_train,
        warm_start=args.warm_start,
        start_epoch=args.start_epoch,
        verbose=args.verbose,
        command=f"python -m training.emotion {shlex.join(argv)}",
    )
    data = load_fer(config.data, cache_dir=config.cache_dir)
    if config.extra:
        from moodtune_vision.detectors import make_detector

        extend_with_images(data, config.extra, detector=make_detector(args.face_detector))
    log.info("data: %s", {name: len(split) for name, split in data.splits.items()})
    result = train(config, data)

    import numpy as np

    from training.emotion.evaluate import predict

    if not np.isfinite(predict(result.classifier, data.val.x[:256], tta=False)).all():
        log.error("the model answers NaN: training diverged (lower --learning-rate); nothing exported")
        return 3

    title = f"{args.arch} ({args.preset})"
    plot_curves(result.history_path, args.out / CURVES, title=title)
    card = {
        "architecture": args.arch,
        "preset": args.preset,
        "recipe": config.to_json()["recipe"],
        "weights_init": args.weights,
        "warm_start": started_from(args.out),
        "epochs_trained": result.epochs_trained,
        "best_epoch": result.best_epoch,
        "data": {
            "source": str(config.data),
            "sha256": data.sha256,
            "counts": {name: split.counts() for name, split in data.splits.items()},
            "extension": data.extension,
        },
        "training": {
            "seconds": round(result.seconds, 1),
            "images_per_second": round(result.images_per_second, 1),
            "backend": keras.backend.backend(),
            "precision": keras.mixed_precision.global_policy().name,
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
            "seed": config.seed,
            "sessions": result.sessions,
        },
        "flip_average": recipe.tta,
        "commit": git_commit(REPO),
        "command": config.command,
    }
    evaluated_export(
        result.classifier,
        data,
        run=args.out,
        card=card,
        title=f"{title} after {result.epochs_trained} epochs",
        train_accuracy=not config.limit_train,
    )
    return 0


def _compare(args: argparse.Namespace) -> int:
    rows = [
        "| model | study train | study validation | ours: preset | input | epochs | train acc | "
        "PublicTest acc | macro-F1 | CPU/GPU time |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for run in args.runs:
        card_path = artifact_of(run) / CARD_FILE
        if not card_path.exists():
            log.warning("%s: no model card, skipped", run)
            continue
        card = ModelCard.model_validate_json(card_path.read_bytes())
        study = get_architecture(card.architecture).study
        m = card.metrics
        train_accuracy = m.train_accuracy if m.train_accuracy is not None else float("nan")
        rows.append(
            f"| {card.architecture} | {study.train_accuracy:.2%} | {study.val_accuracy:.2%} | "
            f"{card.preset} ({card.weights_init}) | {card.recipe['input_size']} | {card.epochs_trained} | "
            f"{train_accuracy:.2%} | {m.val.accuracy:.2%} | {m.val.macro_f1:.4f} | "
            f"{card.training.seconds / 60:.0f} min |"
        )
    args.out.write_text("\n".join(rows) + "\n")
    print("\n".join(rows))
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    if args.command == "train":
        from training.emotion.data import FerDataError

        try:
            return _train(args, argv)
        except FerDataError as exc:
            log.error("%s (FER2013: see the README, Data sets)", exc)
            return 2
    if args.command == "ship":
        from training.emotion.release.ship import ship

        ship(args.run, args.to)
        return 0
    if args.command == "peers":
        from training.emotion.release.peers import add_peers

        add_peers(card_path=args.card, predictions=args.predictions)
        return 0
    if args.command == "speed":
        from training.emotion.release.speed import record_speed

        record_speed(model_path=args.model, calls=args.calls)
        return 0
    if args.command == "litert":
        from training.emotion.release.litert import record_litert

        record_litert(model_path=args.model, data=args.data, cache_dir=args.cache_dir, calls=args.calls)
        return 0
    if args.command == "versus":
        from training.emotion.release.served import versus

        print(
            json.dumps(
                versus(
                    candidate=args.candidate,
                    shipped=args.shipped,
                    data=args.data,
                    cache_dir=args.cache_dir,
                    out=args.out,
                ),
                indent=2,
            )
        )
        return 0
    if args.command == "views":
        from training.emotion.release.views import set_served_view

        set_served_view(args.card, flip_average=args.flip_average)
        return 0
    if args.command == "shard":
        from training.emotion.gpu.route import shard_run

        shard_run(args.run, args.out)
        return 0
    if args.command == "unshard":
        from training.emotion.gpu.route import unshard_run

        unshard_run(args.parts, args.run)
        return 0
    if args.command == "schedule":
        from training.emotion.schedule import Schedule, record, start_args

        schedule = Schedule.load(args.file)
        run = args.runs / schedule.name
        if args.action == "record":
            from training.emotion.machine import cpu_name
            from training.emotion.schedule import plot

            flags = schedule.train_args
            precision = flags[flags.index("--precision") + 1] if "--precision" in flags else "auto"
            machine = f"{cpu_name()}, {os.cpu_count()} CPUs, {precision}"
            recorded = record(schedule, run, args.shipped, machine=machine)
            recorded.save(args.file)
            plot(recorded, args.file.with_suffix(".png"))
            reached = f"epoch {recorded.epoch_reached} of {recorded.epochs}"
            print(f"{args.file}: {reached}, learning rate {recorded.learning_rate}")
            return 0
        print("\n".join([*schedule.train_args, "--epochs", str(schedule.epochs), "--out", str(run)]))
        print("\n".join(start_args(schedule, run, args.shipped)))
        return 0
    if args.command == "card":
        card = ModelCard.model_validate_json(args.card_json.read_bytes())
        print(card_md.write(card, args.card_json.parent))
        return 0
    return _compare(args)


if __name__ == "__main__":
    sys.exit(main())
