"""Dependencies the routers share, as Annotated aliases."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from emotion_service.analyze import Classifies, Upload, analyze
from emotion_service.classifier import EmotionClassifier
from emotion_service.settings import Settings
from moodtune_contracts.analysis import EmotionAnalysis, FaceMode
from moodtune_service_kit.admission import Admission
from moodtune_service_kit.state import from_app_state
from moodtune_vision.detectors import FaceDetector


@dataclass(frozen=True)
class Engine:
    """What an analysis needs, loaded once at start."""

    classifier: EmotionClassifier
    batcher: Classifies
    detector: FaceDetector
    settings: Settings
    admission: Admission

    async def analyze(self, upload: Upload, mode: FaceMode) -> EmotionAnalysis:
        return await analyze(
            upload,
            mode=mode,
            classifier=self.classifier,
            batcher=self.batcher,
            detector=self.detector,
            settings=self.settings,
        )


EngineDep = Annotated[
    Engine, Depends(from_app_state("engine", Engine, not_ready="the model is not loaded yet"))
]
