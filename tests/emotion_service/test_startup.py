"""What the emotion-service does once, at start (in-process: the lifespan, not HTTP)."""

import asyncio
import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from emotion_service.main import create_app
from emotion_service.settings import Settings


@pytest.fixture
def unfrozen_heap() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()  # leave the test process's collector as it was


def test_the_loaded_heap_is_frozen_so_full_collections_skip_it(
    small_model: Path, unfrozen_heap: None
) -> None:
    assert gc.get_freeze_count() == 0
    app = create_app(Settings(model_path=small_model, face_detector="haar"))

    async def start_and_stop() -> int:
        async with app.router.lifespan_context(app):
            assert app.state.engine is not None  # loaded and warmed up
            return gc.get_freeze_count()

    # TensorFlow, Keras and the model are all loaded by then: hundreds of thousands of objects.
    assert asyncio.run(start_and_stop()) > 100_000
