"""The catalog job as a function: what `python -m training.catalog build` runs, and tests call."""

import logging
import shlex
import time
from pathlib import Path

from moodtune_contracts.catalog_schema import CatalogManifest
from training.catalog.artifact import write_artifact
from training.catalog.clustering import ClusteringConfig, cluster_catalog, feature_matrix, k_selection
from training.catalog.layouts import load_catalog

log = logging.getLogger("training.catalog")


def build_catalog(
    input: Path,
    out: Path,
    *,
    name: str | None = None,
    k: int = 5,
    seed: int = 42,
    max_bad_fraction: float = 0.01,
    builder: str | None = None,
) -> CatalogManifest:
    """Load `input`, cluster it as the study did, write the artifact to `out`; return its manifest.

    `name` defaults to the input file's stem; `builder` is the command recorded in the manifest and
    card (default: the CLI command that builds the same artifact). Raises CatalogInputError when
    the input is unusable (missing, empty, an unknown layout, too many bad rows); nothing is written.
    """
    started = time.perf_counter()
    log.info("[1/4] reading %s", input)
    tracks, report = load_catalog(input, max_bad_fraction=max_bad_fraction)
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

    config = ClusteringConfig(k=k, seed=seed)
    features = feature_matrix(tracks)
    log.info("[2/4] scaling and clustering %d tracks (MinMaxScaler, k-means k=%d)", len(features), k)
    clustering = cluster_catalog(features, config)
    log.info("[3/4] k selection (inertia and silhouette for other k)")
    k_rows = k_selection(features, config)
    log.info("[4/4] writing the artifact to %s", out)
    name = name or input.name.split(".")[0]
    if builder is None:
        builder = cli_command(input, out, name=name, k=k, seed=seed, max_bad_fraction=max_bad_fraction)
    manifest = write_artifact(
        out=out,
        name=name,
        builder=builder,
        tracks=tracks,
        report=report,
        clustering=clustering,
        config=config,
        k_rows=k_rows,
    )
    log.info(
        "wrote %s (%s) in %.1fs; held-out silhouette %.4f",
        out,
        manifest.version,
        time.perf_counter() - started,
        manifest.clustering.holdout_silhouette,
    )
    return manifest


def cli_command(input: Path, out: Path, *, name: str, k: int, seed: int, max_bad_fraction: float) -> str:
    """The `python -m training.catalog build ...` command that builds the same artifact."""
    argv = ["build", "--input", str(input), "--out", str(out), "--name", name, "--k", str(k)]
    argv += ["--seed", str(seed), "--max-bad-fraction", str(max_bad_fraction)]
    return f"python -m training.catalog {shlex.join(argv)}"
