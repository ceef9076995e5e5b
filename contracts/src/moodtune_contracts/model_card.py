"""The emotion model's card (`model.card.json` beside `model.keras`): written by the training job,
read by the emotion-service, which validates it at start and serves it at `/v1/model`.

Typed, so a card the service cannot use fails loudly at load instead of a `.get()` returning None
on a request.
"""

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from moodtune_contracts.emotions import EMOTION_LABELS

CARD_SUFFIX = ".card.json"


def card_path(model_path: Path) -> Path:
    """Where a model's card lives: beside it, `model.keras` -> `model.card.json`."""
    return model_path.with_name(model_path.stem + CARD_SUFFIX)


class ClassMetrics(BaseModel):
    precision: float
    recall: float
    f1: float
    support: int


class ConfusionMatrix(BaseModel):
    labels: list[str]
    rows_true_columns_predicted: list[list[int]]


class SplitMetrics(BaseModel):
    n: int
    accuracy: float
    macro_f1: float
    per_class: dict[str, ClassMetrics]
    confusion_matrix: ConfusionMatrix


class PeerResult(BaseModel):
    """Another model measured on the same images, for the card's comparison."""

    name: str
    description: str
    metrics: SplitMetrics


class Metrics(BaseModel):
    val: SplitMetrics = Field(description="FER2013 PublicTest, the split models are selected on")
    test: SplitMetrics | None = Field(None, description="FER2013 PrivateTest, when the data had it")
    train_accuracy: float | None = Field(None, description="the Training split, without augmentation")
    val_one_pass: SplitMetrics | None = Field(None, description="PublicTest, each face read once")
    val_flip_average: SplitMetrics | None = Field(
        None, description="PublicTest, each face read with its mirror image and the two averaged"
    )
    val_float16_weights_accuracy: float | None = Field(
        None, description="PublicTest with the stored weights, one pass"
    )
    val_bfloat16_accuracy: float | None = Field(
        None,
        description="PublicTest with the model computing in bfloat16 (moodtune_vision.precision), one pass",
    )
    peers: list[PeerResult] = Field(default_factory=list)


class InputContract(BaseModel):
    shape: list[int | None]
    dtype: str
    value_range: list[float]
    colour: str
    face_crop: dict[str, Any]
    inside_the_model: str


class DataInfo(BaseModel):
    source: str
    sha256: str
    counts: dict[str, dict[str, int]]
    extension: dict[str, Any] = Field(default_factory=dict)


class TrainingRun(BaseModel):
    seconds: float
    images_per_second: float
    backend: str
    precision: str
    machine: str
    seed: int | None = None
    sessions: list[str] = Field(default_factory=list, description="when a run spanned several sessions")


class ServingSpeed(BaseModel):
    """Forward time of the shipped file, measured on a named machine."""

    machine: str
    batch_1_ms_p50: float
    batch_32_faces_per_s: float | None = None
    precision: str = "float32"


# float32: the model as it is. dynamic_int8: weights stored as int8, activations quantised on the fly
# (no calibration data, so no calibration to get wrong).
LiteRTPrecision = Literal["float32", "dynamic_int8"]
# The most PublicTest accuracy a LiteRT file may lose against the .keras model and still serve: the
# release tool chooses within it, the emotion-service refuses beyond it.
LITERT_MAX_ACCURACY_LOSS = 0.002


class LiteRTVariant(BaseModel):
    """One LiteRT file derived from the model, measured as served (views as the card's `flip_average`)."""

    precision: LiteRTPrecision
    sha256: str = Field(description="of the derived .tflite file: the card's numbers are for these bytes")
    size_bytes: int
    val: SplitMetrics = Field(description="PublicTest through LiteRT, as served")
    ms_per_call: dict[str, float] = Field(description="faces per call -> median ms, on `machine`")


class LiteRTServing(BaseModel):
    """How the model runs on CPUs: the LiteRT file chosen by measured accuracy and speed."""

    chosen: LiteRTPrecision = Field(description="the precision served on CPUs (one of `variants`)")
    reason: str
    tensorflow_version: str = Field(description="the converter's: the same version derives the same bytes")
    machine: str
    variants: list[LiteRTVariant]

    def variant(self, precision: LiteRTPrecision) -> LiteRTVariant | None:
        return next((v for v in self.variants if v.precision == precision), None)


class ModelCard(BaseModel):
    # A card an older trainer wrote may carry fields this one no longer writes: they are ignored.
    model_config = ConfigDict(protected_namespaces=(), extra="ignore")

    name: str
    version: str = Field(description="architecture@first 12 hex digits of the file's sha256")
    file: str
    sha256: str
    size_bytes: int
    weights_storage: str
    labels: list[str] = Field(description="the output order; must equal the project's labels")
    input: InputContract
    output: str
    keras_version: str
    architecture: str
    preset: str
    recipe: dict[str, Any]
    weights_init: str
    warm_start: str | None = None
    epochs_trained: int
    best_epoch: int
    data: DataInfo
    training: TrainingRun
    metrics: Metrics
    serving: ServingSpeed | None = None
    flip_average: bool = Field(
        False, description="the service reads each face with its mirror image (EMOTION_FLIP_AVERAGE=auto)"
    )
    litert: LiteRTServing | None = Field(
        None, description="the LiteRT file a CPU serves, derived from this model (`training.emotion litert`)"
    )
    commit: str
    command: str

    def labels_match(self) -> bool:
        return self.labels == list(EMOTION_LABELS)
