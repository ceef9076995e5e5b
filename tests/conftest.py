from pathlib import Path

import pytest

from tests.helpers import synthetic_tracks, write_114k
from training.catalog.__main__ import main as catalog_main


@pytest.fixture(scope="session")
def synthetic_catalog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A catalog artifact built by the real job from a small 114k-layout file the test writes."""
    root = tmp_path_factory.mktemp("catalog")
    source = write_114k(root / "dataset.csv", synthetic_tracks(), extra_genre_rows=10)
    out = root / "artifact"
    assert catalog_main(["build", "--input", str(source), "--out", str(out), "--k", "4"]) == 0
    return out
