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
import shutil
import sys
from pathlib import Path
from typing import Any

from training.emotion import card as card_md
from training.emotion.config import PRESETS, TrainConfig, recipe_for, with_overrides
from training.emotion.models import ARCHITECTURES

log = logging.getLogger("training.emotion")
REPO = Path(__file__).resolve().parents[4]

# The study's reported accuracies (study.md), for the comparison table.
STUDY_RESULTS = {
    "basic_cnn": (0.6913, 0.6617),
    "resnet50v2": (0.7716, 0.6904),
    "vgg16": (0.5140, 0.5157),
    "efficientnetb0": (0.2500, 0.2449),
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m training.emotion", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train, evaluate and export one model")
    t.add_argument("--arch", choices=ARCHITECTURES, required=True)
    t.add_argument("--data", type=Path, required=True, help="FER2013 folder, .tar.gz of one, or fer2013.csv")
    t.add_argument("--out", type=Path, required=True, help="run directory (checkpoints, logs, artifact)")
    t.add_argument("--preset", choices=PRESETS, default="study")
    t.add_argument("--weights", default="none", help="imagenet | none | PATH to a local weights file")
    t.add_argument("--epochs", type=int, help="override the preset's epochs")
    t.add_argument("--input-size", type=int, help="override the preset's input size (px)")
    t.add_argument("--batch-size", type=int)
    t.add_argument("--learning-rate", type=float)
    t.add_argument(
        "--tta", action=argparse.BooleanOptionalAction, default=None, help="flip test-time augmentation"
    )
    t.add_argument("--extra", type=Path, help="extra labelled images: DIR/<emotion>/*")
    t.add_argument(
        "--face-detector", default="mtcnn", choices=["mtcnn", "haar"], help="as the emotion-service's setting"
    )
    t.add_argument("--resume", action="store_true", help="continue from the run's last checkpoint")
    t.add_argument("--seed", type=int, default=1337)
    t.add_argument(
        "--precision",
        default="auto",
        choices=["auto", "float32", "mixed_bfloat16", "mixed_float16"],
        help="auto: mixed bfloat16 on a GPU, float32 on a CPU",
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
    t.add_argument("--warmup-epochs", type=int, help="override the preset's warm-up epochs")
    t.add_argument("--cache-dir", type=Path, default=Path(".cache/fer"), help="where decoded data is cached")
    t.add_argument("--verbose", type=int, default=1, choices=[0, 1, 2])
    k = sub.add_parser("card", help="render CARD.md beside a model.card.json")
    k.add_argument("card_json", type=Path)
    sh = sub.add_parser("ship", help="copy a run's artifact to where the emotion-service loads it from")
    sh.add_argument("--run", type=Path, required=True)
    sh.add_argument("--to", type=Path, default=REPO / "artifacts" / "emotion")
    c = sub.add_parser("compare", help="markdown table of runs beside the study's numbers")
    c.add_argument("--runs", type=Path, nargs="+", required=True)
    c.add_argument("--out", type=Path, required=True)
    return parser


def _train(args: argparse.Namespace, argv: list[str]) -> int:
    # Imported here so `compare` and `--help` work without loading a deep-learning backend.
    import keras

    from training.emotion.data import extend_with_images, load_fer
    from training.emotion.evaluate import evaluate_split, plot_confusion, plot_curves
    from training.emotion.export import export, git_commit
    from training.emotion.train import train

    recipe = with_overrides(
        recipe_for(args.preset, args.arch),
        epochs=args.epochs,
        input_size=args.input_size,
        batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        tta=args.tta,
        mixup=args.mixup,
        warmup_epochs=args.warmup_epochs,
    )
    config = TrainConfig(
        arch=args.arch,
        data=args.data,
        out=args.out,
        recipe=recipe,
        preset=args.preset,
        weights=args.weights,
        seed=args.seed,
        resume=args.resume,
        extra=args.extra,
        cache_dir=args.cache_dir,
        precision=args.precision,
        max_minutes=args.max_minutes,
        limit_train=args.limit_train,
        warm_start=args.warm_start,
        verbose=args.verbose,
        command=f"python -m training.emotion {shlex.join(argv)}",
    )
    data = load_fer(config.data, cache_dir=config.cache_dir)
    if config.extra:
        from moodtune_vision.detectors import make_detector

        extend_with_images(data, config.extra, detector=make_detector(args.face_detector))
    log.info("data: %s", {name: len(split) for name, split in data.splits.items()})
    result = train(config, data)

    title = f"{args.arch} ({args.preset})"
    evaluation: dict[str, Any] = {"val": evaluate_split(result.classifier, data.val, tta=recipe.tta)}
    if data.test is not None and len(data.test):
        evaluation["test"] = evaluate_split(result.classifier, data.test, tta=recipe.tta)
    train_eval = data.train if not config.limit_train else None
    if train_eval is not None and len(train_eval) <= 40_000:
        evaluation["train_accuracy"] = evaluate_split(result.classifier, train_eval, tta=False)["accuracy"]
    plot_confusion(evaluation["val"], args.out / "confusion_val.png", title=f"{title}, PublicTest")
    plot_curves(result.history_path, args.out / "curves.png", title=title)

    card = {
        "architecture": args.arch,
        "preset": args.preset,
        "recipe": config.to_json()["recipe"],
        "weights_init": args.weights,
        "warm_start": str(args.warm_start) if args.warm_start else None,
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
        },
        "metrics": evaluation,
        "commit": git_commit(REPO),
        "command": config.command,
    }
    model_path, full_card = export(result.classifier, out=args.out / "artifact", card=card)
    reloaded = keras.models.load_model(model_path)
    stored = evaluate_split(reloaded, data.val, tta=recipe.tta)
    full_card["metrics"]["val_float16_weights_accuracy"] = stored["accuracy"]
    (args.out / "artifact" / "model.card.json").write_text(json.dumps(full_card, indent=2) + "\n")
    card_md.write(full_card, args.out / "artifact")
    (args.out / "metrics.json").write_text(json.dumps(full_card["metrics"], indent=2) + "\n")
    log.info(
        "%s: PublicTest accuracy %.4f (float16 weights %.4f), macro-F1 %.4f after %d epochs -> %s",
        title,
        evaluation["val"]["accuracy"],
        stored["accuracy"],
        evaluation["val"]["macro_f1"],
        result.epochs_trained,
        model_path,
    )
    return 0


def _ship(run: Path, to: Path) -> int:
    """The model file, its card (input contract as served now), CARD.md and the figures."""
    from training.emotion.export import CARD_FILE, MODEL_FILE, input_contract

    to.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(run / "artifact" / MODEL_FILE, to / MODEL_FILE)
    card = json.loads((run / "artifact" / CARD_FILE).read_text())
    # The face crop only exists at serving time (training uses FER2013's own crops): record the
    # contract the service applies today.
    card["input"] = input_contract()
    (to / CARD_FILE).write_text(json.dumps(card, indent=2) + "\n")
    card_md.write(card, to)
    for figure in ("confusion_val.png", "curves.png"):
        if (run / figure).exists():
            shutil.copyfile(run / figure, to / figure)
    log.info("shipped %s to %s", card["version"], to)
    return 0


def _compare(args: argparse.Namespace) -> int:
    rows = [
        "| model | study train | study validation | ours: preset | input | epochs | train acc | "
        "PublicTest acc | macro-F1 | CPU/GPU time |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for run in args.runs:
        card_path = run / "artifact" / "model.card.json"
        if not card_path.exists():
            log.warning("%s: no model card, skipped", run)
            continue
        card = json.loads(card_path.read_text())
        arch = card["architecture"]
        study_train, study_val = STUDY_RESULTS[arch]
        m = card["metrics"]
        rows.append(
            f"| {arch} | {study_train:.2%} | {study_val:.2%} | {card['preset']} ({card['weights_init']}) | "
            f"{card['recipe']['input_size']} | {card['epochs_trained']} | "
            f"{m.get('train_accuracy', float('nan')):.2%} | {m['val']['accuracy']:.2%} | "
            f"{m['val']['macro_f1']:.4f} | "
            f"{card['training']['seconds'] / 60:.0f} min |"
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
            log.error("%s (FER2013: see the README, Data)", exc)
            return 2
    if args.command == "ship":
        return _ship(args.run, args.to)
    if args.command == "card":
        print(card_md.write(json.loads(args.card_json.read_text()), args.card_json.parent))
        return 0
    return _compare(args)


if __name__ == "__main__":
    sys.exit(main())
