"""Dependencies the routers share, as Annotated aliases."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from emotion_service.analyze import Classifies, Upload, analyze
from emotion_service.classifier import EmotionClassifier
from emotion_service.settings import Settings
from moodtune_contracts.analysis import EmotionAnalysis, FaceMode
from moodtune_contracts.errors import NotReady
from moodtune_vision.detectors import FaceDetector


@dataclass(frozen=True)
class Engine:
    """What an analysis needs, loaded once at start."""

    classifier: EmotionClassifier
    batcher: Classifies
    detector: FaceDetector
    settings: Settings

    async def analyze(self, upload: Upload, mode: FaceMode) -> EmotionAnalysis:
        return await analyze(
            upload,
            mode=mode,
            classifier=self.classifier,
            batcher=self.batcher,
            detector=self.detector,
            settings=self.settings,
        )


async def get_engine(request: Request) -> Engine:
    engine: Engine | None = getattr(request.app.state, "engine", None)
    if engine is None:
        raise NotReady("the model is not loaded yet")
    return engine


EngineDep = Annotated[Engine, Depends(get_engine)]
