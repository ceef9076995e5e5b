"""CLI: `python -m training.catalog build --input FILE --out DIR`."""

import argparse
import logging
import shlex
import sys
from pathlib import Path

from training.catalog.build import build_catalog
from training.catalog.layouts import CatalogInputError

log = logging.getLogger("training.catalog")
# Every --help shows each option's default.
HELP_FORMAT = argparse.ArgumentDefaultsHelpFormatter


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m training.catalog", description=__doc__, formatter_class=HELP_FORMAT
    )
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser(
        "build", help="build a catalog artifact from a Spotify catalog CSV", formatter_class=HELP_FORMAT
    )
    build.add_argument(
        "--input", type=Path, required=True, help="dataset.csv, data.csv or SpotifyFeatures.csv (.gz ok)"
    )
    build.add_argument("--out", type=Path, required=True, help="artifact directory to write")
    build.add_argument("--name", help="artifact name (default: the input file's stem)")
    build.add_argument("--k", type=int, default=5, help="number of clusters (study: 5)")
    build.add_argument("--seed", type=int, default=42)
    build.add_argument(
        "--max-bad-fraction", type=float, default=0.01, help="fail when more rows than this are bad"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    argv_text = shlex.join(argv if argv is not None else sys.argv[1:])
    try:
        build_catalog(
            args.input,
            args.out,
            name=args.name,
            k=args.k,
            seed=args.seed,
            max_bad_fraction=args.max_bad_fraction,
            builder=f"python -m training.catalog {argv_text}",
        )
    except CatalogInputError as exc:
        log.error("%s", exc)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
