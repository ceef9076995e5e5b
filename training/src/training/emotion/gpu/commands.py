"""The GPU route's subcommands: `shard` on the GPU host, `unshard` back here."""

import argparse
from pathlib import Path

from training.emotion.cli import arg, command


@command(
    "a run's exported model in parts of at most 15 MiB, its card and log beside them (GPU route)",
    arg("--run", type=Path, required=True),
    arg("--out", type=Path, required=True, help="where the parts go ($OUT on the GPU machine)"),
)
def shard_command(args: argparse.Namespace) -> None:
    from training.emotion.gpu.route import shard_run

    shard_run(args.run, args.out)


@command(
    "rebuild a run directory from what `shard` wrote, checked against the card's sha256",
    arg("--parts", type=Path, required=True, help="the folder the parts came back in"),
    arg("--run", type=Path, required=True, help="the run directory to rebuild (for `ship`)"),
)
def unshard_command(args: argparse.Namespace) -> None:
    from training.emotion.gpu.route import unshard_run

    unshard_run(args.parts, args.run)
