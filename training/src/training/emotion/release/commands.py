"""The release tools' subcommands: `versus` (the ship rule, paired, as served), `ship`, `views`,
`litert`, `speed` and `peers` (measured onto the card). Each imports what it runs when it runs."""

import argparse
import json
from pathlib import Path

from training.emotion.cli import arg, command
from training.emotion.layout import SHIPPED, SHIPPED_MODEL

MODEL = arg("--model", type=Path, required=True, help="model.keras (its card is beside it)")


@command(
    "a candidate against the shipped model on PublicTest, paired, as each is served",
    arg("--candidate", type=Path, required=True, help="model.keras (its card is beside it)"),
    arg("--shipped", type=Path, default=SHIPPED_MODEL),
    arg("--data", type=Path, required=True),
    arg("--cache-dir", type=Path, default=Path(".cache/fer")),
    arg("--out", type=Path, help="also write the comparison here (JSON)"),
)
def versus_command(args: argparse.Namespace) -> None:
    from training.emotion.release.served import versus

    compared = versus(
        candidate=args.candidate, shipped=args.shipped, data=args.data, cache_dir=args.cache_dir, out=args.out
    )
    print(json.dumps(compared, indent=2))


@command(
    "copy a run's artifact to where the emotion-service loads it from",
    arg("--run", type=Path, required=True),
    arg("--to", type=Path, default=SHIPPED),
)
def ship_command(args: argparse.Namespace) -> None:
    from training.emotion.release.ship import ship

    ship(args.run, args.to)


@command(
    "set how a card says its model is served: one pass, or flip averaging (its `val` follows)",
    arg("--card", type=Path, required=True),
    arg("--flip-average", action=argparse.BooleanOptionalAction, required=True),
)
def views_command(args: argparse.Namespace) -> None:
    from training.emotion.release.views import set_served_view

    set_served_view(args.card, flip_average=args.flip_average)


@command(
    "derive the model's LiteRT files, read PublicTest through each as served, time them, and record on "
    "its card the one a CPU serves",
    MODEL,
    arg("--data", type=Path, required=True),
    arg("--cache-dir", type=Path, default=Path(".cache/fer")),
    arg("--calls", type=int, default=100, help="timed calls per batch size"),
)
def litert_command(args: argparse.Namespace) -> None:
    from training.emotion.release.litert import record_litert

    record_litert(model_path=args.model, data=args.data, cache_dir=args.cache_dir, calls=args.calls)


@command(
    "measure a model's CPU forward time and record it in its card",
    MODEL,
    arg("--calls", type=int, default=200, help="batch-1 calls to time"),
)
def speed_command(args: argparse.Namespace) -> None:
    from training.emotion.release.speed import record_speed

    record_speed(model_path=args.model, calls=args.calls)


@command(
    "score a peer's PublicTest predictions (benchmarks/peers.py) into a card",
    arg("--card", type=Path, required=True, help="model.card.json to add them to"),
    arg("--predictions", type=Path, required=True, help="the JSON benchmarks/peers.py wrote"),
)
def peers_command(args: argparse.Namespace) -> None:
    from training.emotion.release.peers import add_peers

    add_peers(card_path=args.card, predictions=args.predictions)
