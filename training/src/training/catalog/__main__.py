"""CLI: `python -m training.catalog build --input FILE --out DIR`."""

import argparse
import logging
import shlex
import sys
import time
from pathlib import Path

from training.catalog.artifact import write_artifact
from training.catalog.clustering import ClusteringConfig, cluster_catalog, feature_matrix, k_selection
from training.catalog.layouts import CatalogInputError, load_catalog

log = logging.getLogger("training.catalog")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m training.catalog", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="build a catalog artifact from a Spotify catalog CSV")
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
    started = time.perf_counter()
    try:
        tracks, report = load_catalog(args.input, max_bad_fraction=args.max_bad_fraction)
    except CatalogInputError as exc:
        log.error("%s", exc)
        return 2
    log.info(
        "%s: layout %s, %d rows, %d bad, %d merged, %d tracks",
        report.file,
        report.layout,
        report.rows_read,
        report.rows_bad,
        report.rows_merged,
        report.tracks,
    )
    for example in report.bad_row_examples:
        log.warning("bad row: %s", example)

    config = ClusteringConfig(k=args.k, seed=args.seed)
    features = feature_matrix(tracks)
    clustering = cluster_catalog(features, config)
    k_rows = k_selection(features, config)
    name = args.name or args.input.name.split(".")[0]
    argv_text = shlex.join(argv if argv is not None else sys.argv[1:])
    manifest = write_artifact(
        out=args.out,
        name=name,
        builder=f"python -m training.catalog {argv_text}",
        tracks=tracks,
        report=report,
        clustering=clustering,
        config=config,
        k_rows=k_rows,
    )
    log.info(
        "wrote %s (%s) in %.1fs; held-out silhouette %.4f",
        args.out,
        manifest.version,
        time.perf_counter() - started,
        manifest.clustering.holdout_silhouette,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
