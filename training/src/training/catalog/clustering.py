"""The study's clustering: MinMaxScaler on 10 features, KMeans(k=5), 75:25 split, plus k-selection."""

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import MinMaxScaler

from moodtune_contracts.catalog_schema import CLUSTER_FEATURES

# Exact silhouette is O(n^2) in memory and time; a fixed-seed sample of this size keeps it
# deterministic and within the build's time budget.
SILHOUETTE_SAMPLE = 10_000


@dataclass(frozen=True)
class ClusteringConfig:
    k: int = 5
    seed: int = 42
    train_fraction: float = 0.75
    n_init: int = 10


@dataclass
class ClusteringResult:
    scaler: MinMaxScaler
    kmeans: KMeans
    labels: np.ndarray  # cluster of every track, train and held-out alike
    train_inertia: float
    holdout_inertia: float
    train_silhouette: float
    holdout_silhouette: float


def feature_matrix(tracks: pd.DataFrame) -> np.ndarray:
    return tracks[list(CLUSTER_FEATURES)].to_numpy(dtype=np.float64)


def _silhouette(x: np.ndarray, labels: np.ndarray, seed: int) -> float:
    if len(np.unique(labels)) < 2:
        return float("nan")
    sample = min(SILHOUETTE_SAMPLE, len(x))
    return float(silhouette_score(x, labels, sample_size=sample, random_state=seed))


def _split(features: np.ndarray, config: ClusteringConfig) -> tuple[np.ndarray, np.ndarray]:
    if len(features) < 2 * config.k:
        raise ValueError(f"{len(features)} tracks are too few to cluster into {config.k} clusters")
    train, holdout = train_test_split(
        features, train_size=config.train_fraction, random_state=config.seed, shuffle=True
    )
    return train, holdout


def cluster_catalog(features: np.ndarray, config: ClusteringConfig) -> ClusteringResult:
    """Fit scaler and k-means on the training split only, so held-out scores are honest."""
    train, holdout = _split(features, config)
    scaler = MinMaxScaler().fit(train)
    train_scaled, holdout_scaled = scaler.transform(train), scaler.transform(holdout)
    kmeans = KMeans(n_clusters=config.k, n_init=config.n_init, random_state=config.seed)
    train_labels = kmeans.fit_predict(train_scaled)
    holdout_labels = kmeans.predict(holdout_scaled)
    return ClusteringResult(
        scaler=scaler,
        kmeans=kmeans,
        labels=kmeans.predict(scaler.transform(features)),
        train_inertia=float(kmeans.inertia_),
        # KMeans.score is the negative sum of squared distances to the nearest centroid.
        holdout_inertia=float(-kmeans.score(holdout_scaled)),
        train_silhouette=_silhouette(train_scaled, train_labels, config.seed),
        holdout_silhouette=_silhouette(holdout_scaled, holdout_labels, config.seed),
    )


def k_selection(
    features: np.ndarray, config: ClusteringConfig, ks: range = range(2, 11)
) -> list[dict[str, float]]:
    """Silhouette and inertia for each k on the same split, to show how k=5 compares."""
    train, holdout = _split(features, config)
    scaler = MinMaxScaler().fit(train)
    train_scaled, holdout_scaled = scaler.transform(train), scaler.transform(holdout)
    rows = []
    for k in ks:
        kmeans = KMeans(n_clusters=k, n_init=3, random_state=config.seed).fit(train_scaled)
        rows.append(
            {
                "k": k,
                "train_inertia": float(kmeans.inertia_),
                "holdout_inertia": float(-kmeans.score(holdout_scaled)),
                "holdout_silhouette": _silhouette(
                    holdout_scaled, kmeans.predict(holdout_scaled), config.seed
                ),
            }
        )
    return rows


def cluster_label(means: dict[str, float]) -> str:
    """A short human name from a centroid's mood axes and its most telling audio trait."""
    valence, energy = means["valence"], means["energy"]
    mood = "bright" if valence >= 0.55 else "dark" if valence < 0.4 else "mellow"
    drive = "energetic" if energy >= 0.65 else "calm" if energy < 0.4 else "moderate"
    traits = []
    if means["acousticness"] >= 0.6:
        traits.append("acoustic")
    if means["instrumentalness"] >= 0.5:
        traits.append("instrumental")
    if means["speechiness"] >= 0.3:
        traits.append("spoken")
    if means["danceability"] >= 0.65:
        traits.append("danceable")
    return ", ".join([f"{mood} & {drive}", *traits])
