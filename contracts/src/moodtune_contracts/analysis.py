"""The emotion-service's request options and response: served by it, read by the gateway.

Light on purpose (pydantic only): the gateway imports it without OpenCV or TensorFlow.
"""

from enum import StrEnum

from pydantic import BaseModel, Field

from moodtune_contracts.errors import ErrorDetail


class FaceMode(StrEnum):
    AUTO = "auto"  # detect; an image that already looks like a face crop is used whole
    DETECT = "detect"  # detection must find a face
    WHOLE = "whole"  # the whole image is the face


class Box(BaseModel):
    x: int
    y: int
    width: int
    height: int


class FaceEmotion(BaseModel):
    box: Box = Field(description="the face in the upright (EXIF-rotated) image, in pixels")
    detected: bool = Field(description="false when the whole image was taken as the face")
    primary: bool = Field(description="the largest face")
    emotion: str = Field(description="the most probable emotion")
    confidence: float = Field(description="its probability")
    probabilities: dict[str, float] = Field(description="all 7 emotions, in the canonical label order")


class ImageSize(BaseModel):
    width: int
    height: int


class ModelInfo(BaseModel):
    name: str
    version: str


class EmotionAnalysis(BaseModel):
    faces: list[FaceEmotion] = Field(description="every face found, the primary (largest) first")
    image: ImageSize
    face_mode: str
    model: ModelInfo


class BatchItem(BaseModel):
    filename: str | None
    result: EmotionAnalysis | None = None
    error: ErrorDetail | None = None


class BatchAnalysis(BaseModel):
    items: list[BatchItem] = Field(description="one per uploaded image, in upload order")
