"""Write the catalog artifact: tracks.parquet, manifest.json, k-selection report and plot, CARD.md."""

import json
from datetime import UTC, datetime
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # headless: the job runs in containers and CI without a display
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from moodtune_contracts.catalog_schema import (
    AUDIO_FEATURES,
    CLUSTER_FEATURES,
    MANIFEST_FILE,
    RANKING,
    TRACKS_FILE,
    CatalogManifest,
    ClusteringInfo,
    ClusterProfile,
    EmotionMappingEntry,
    NonMusicReport,
    ScalerParams,
    SourceInfo,
    cluster_points,
)
from moodtune_contracts.emotions import EMOTIONS
from moodtune_contracts.mood import policy_tables
from training.catalog.clustering import SILHOUETTE_SAMPLE, ClusteringConfig, ClusteringResult, cluster_label
from training.catalog.layouts import LoadReport
from training.catalog.listening import non_music
from training.catalog.listening import report as non_music_report
from training.files import file_sha256

TRACKS_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("name", pa.string()),
        ("artists", pa.list_(pa.string())),
        ("album", pa.string()),
        ("genres", pa.list_(pa.string())),
        ("year", pa.int16()),
        ("popularity", pa.int8()),
        ("explicit", pa.bool_()),
        ("duration_ms", pa.int32()),
        *[(f, pa.float32()) for f in AUDIO_FEATURES],
        ("cluster", pa.int8()),
        ("non_music", pa.string()),
    ]
)


def cluster_profiles(tracks: pd.DataFrame, labels: np.ndarray, k: int) -> list[ClusterProfile]:
    profiles = []
    for cluster in range(k):
        members = tracks[labels == cluster]
        means = {f: round(float(members[f].mean()), 4) for f in CLUSTER_FEATURES}
        profiles.append(
            ClusterProfile(
                cluster=cluster,
                label=cluster_label(means),
                size=len(members),
                share=round(len(members) / len(tracks), 4),
                means=means,
                valence=means["valence"],
                energy=means["energy"],
            )
        )
    return profiles


def emotion_mapping(profiles: list[ClusterProfile]) -> dict[str, dict[str, EmotionMappingEntry]]:
    tables = policy_tables(cluster_points(profiles))
    return {
        policy.value: {
            emotion.value: EmotionMappingEntry(
                valence=p.target.valence, energy=p.target.energy, clusters=[c for c, _ in p.ranked]
            )
            for emotion, p in plans.items()
        }
        for policy, plans in tables.items()
    }


def _tracks_table(tracks: pd.DataFrame, labels: np.ndarray) -> pa.Table:
    frame = tracks.assign(cluster=labels.astype(np.int8), non_music=non_music(tracks))
    columns = {name: frame[name] for name in TRACKS_SCHEMA.names}
    columns["year"] = frame["year"].astype("Int16")
    columns["explicit"] = frame["explicit"].astype("boolean")
    # Rows are stored in ranking order, which compresses and loads well.
    table = pa.Table.from_pandas(pd.DataFrame(columns), schema=TRACKS_SCHEMA, preserve_index=False)
    return table.sort_by(list(RANKING))


def _plot_k_selection(rows: list[dict[str, float]], path: Path) -> None:
    ks = [r["k"] for r in rows]
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.5))
    left.plot(ks, [r["train_inertia"] for r in rows], marker="o")
    left.set(title="Inertia (training split)", xlabel="k", ylabel="sum of squared distances")
    right.plot(ks, [r["holdout_silhouette"] for r in rows], marker="o", color="tab:green")
    right.set(title="Silhouette (held-out split)", xlabel="k", ylabel="silhouette")
    for ax in (left, right):
        ax.axvline(5, color="grey", linestyle="--", linewidth=1)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_artifact(
    *,
    out: Path,
    name: str,
    builder: str,
    tracks: pd.DataFrame,
    report: LoadReport,
    clustering: ClusteringResult,
    config: ClusteringConfig,
    k_rows: list[dict[str, float]],
) -> CatalogManifest:
    out.mkdir(parents=True, exist_ok=True)
    table = _tracks_table(tracks, clustering.labels)
    pq.write_table(table, out / TRACKS_FILE, compression="zstd", compression_level=9)
    tracks_sha = file_sha256(out / TRACKS_FILE)

    profiles = cluster_profiles(tracks, clustering.labels, config.k)
    scaler = clustering.scaler
    manifest = CatalogManifest(
        name=name,
        version=f"{name}@{tracks_sha[:12]}",
        created_at=datetime.now(UTC).replace(microsecond=0),
        builder=builder,
        source=SourceInfo(
            file=report.file,
            sha256=report.sha256,
            layout=report.layout,
            rows_read=report.rows_read,
            rows_bad=report.rows_bad,
            rows_merged=report.rows_merged,
            tracks=report.tracks,
            bad_row_examples=report.bad_row_examples,
            bad_by_column=report.bad_by_column,
        ),
        has_years=bool(tracks["year"].notna().any()),
        genres=sorted({g for gs in tracks["genres"] for g in gs}),
        scaler=ScalerParams(
            features=list(CLUSTER_FEATURES),
            data_min=[float(v) for v in scaler.data_min_],
            data_max=[float(v) for v in scaler.data_max_],
        ),
        clustering=ClusteringInfo(
            k=config.k,
            seed=config.seed,
            train_fraction=config.train_fraction,
            centroids_scaled=[[round(float(v), 6) for v in c] for c in clustering.kmeans.cluster_centers_],
            train_inertia=round(clustering.train_inertia, 3),
            holdout_inertia=round(clustering.holdout_inertia, 3),
            train_silhouette=round(clustering.train_silhouette, 4),
            holdout_silhouette=round(clustering.holdout_silhouette, 4),
            silhouette_sample_size=SILHOUETTE_SAMPLE,
        ),
        clusters=profiles,
        emotion_mapping=emotion_mapping(profiles),
        non_music=non_music_report(table["non_music"].to_pandas()),
    )
    (out / MANIFEST_FILE).write_text(manifest.model_dump_json(indent=2) + "\n")
    (out / "k_selection.json").write_text(json.dumps(k_rows, indent=2) + "\n")
    _plot_k_selection(k_rows, out / "k_selection.png")
    (out / "CARD.md").write_text(render_card(manifest, k_rows))
    return manifest


def render_card(manifest: CatalogManifest, k_rows: list[dict[str, float]]) -> str:
    src, cl = manifest.source, manifest.clustering
    lines = [
        f"# Catalog card: {manifest.name}",
        "",
        f"Version `{manifest.version}`, schema {manifest.schema_version}, "
        f"built {manifest.created_at:%Y-%m-%d}.",
        "",
        "## How it was built",
        f"- Command: `{manifest.builder}`",
        f"- Input: `{src.file}` (layout `{src.layout}`, sha256 `{src.sha256}`)",
        f"- Rows read {src.rows_read:,}; bad rows {src.rows_bad:,} (reported, not used); rows merged into an "
        f"earlier row with the same track id (their genres kept) {src.rows_merged:,}; tracks {src.tracks:,}.",
        f"- Genres: {len(manifest.genres)}; years known: {'yes' if manifest.has_years else 'no'}.",
        "- Clustering as in the study: MinMaxScaler on "
        f"{', '.join(manifest.scaler.features)}; KMeans k={cl.k} (seed {cl.seed}, n_init 10); "
        f"{cl.train_fraction:.0%}:{1 - cl.train_fraction:.0%} split, scaler and k-means fitted on the "
        "training part, every track then assigned to its nearest centroid.",
        "",
        "## Metrics",
        "| split | inertia | silhouette |",
        "|---|---:|---:|",
        f"| training | {cl.train_inertia:,.1f} | {cl.train_silhouette:.4f} |",
        f"| held-out | {cl.holdout_inertia:,.1f} | {cl.holdout_silhouette:.4f} |",
        "",
        f"Silhouettes on a fixed-seed sample of {cl.silhouette_sample_size:,} tracks. k selection "
        "(`k_selection.json`, `k_selection.png`):",
        "",
        "| k | training inertia | held-out silhouette |",
        "|---:|---:|---:|",
        *[f"| {r['k']} | {r['train_inertia']:,.1f} | {r['holdout_silhouette']:.4f} |" for r in k_rows],
        "",
        "## Clusters",
        "| cluster | label | tracks | valence | energy | acousticness | danceability | instrumentalness "
        "| speechiness | tempo | popularity |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for p in manifest.clusters:
        m = p.means
        lines.append(
            f"| {p.cluster} | {p.label} | {p.size:,} | {m['valence']:.2f} | {m['energy']:.2f} | "
            f"{m['acousticness']:.2f} | {m['danceability']:.2f} | {m['instrumentalness']:.2f} | "
            f"{m['speechiness']:.2f} | {m['tempo']:.0f} | {m['popularity']:.1f} |"
        )
    lines += ["", "## Emotion mapping (clusters nearest first in valence x energy)", ""]
    lines += ["| emotion | match target | match clusters | uplift target | uplift clusters |"]
    lines += ["|---|---|---|---|---|"]
    match, uplift = manifest.emotion_mapping["match"], manifest.emotion_mapping["uplift"]
    for emotion in EMOTIONS:
        a, b = match[emotion.value], uplift[emotion.value]
        lines.append(
            f"| {emotion.value} | ({a.valence:.2f}, {a.energy:.2f}) | {a.clusters} | "
            f"({b.valence:.2f}, {b.energy:.2f}) | {b.clusters} |"
        )
    lines += ["", *_non_music_section(manifest.non_music, manifest.source.tracks)]
    return "\n".join(lines)


def _non_music_section(report: NonMusicReport, tracks: int) -> list[str]:
    lines = [
        "## Not music to listen to",
        "",
        f"{report.tracks:,} of {tracks:,} tracks ({report.tracks / max(tracks, 1):.1%}) are marked as "
        "not music to listen to for a mood (column `non_music`), from their genres and audio features, "
        "never their titles. The recommender leaves them out unless asked (`include_non_music`); the "
        "study's ranking keeps them, as the study did. Each track is marked with the first rule that holds:",
        "",
        "| reason | tracks | rule |",
        "|---|---:|---|",
    ]
    lines += [
        f"| {reason.value} | {report.by_reason[reason]:,} | {rule} |" for reason, rule in report.rules.items()
    ]
    lines.append("")
    return lines
