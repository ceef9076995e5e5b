"""The emotion-service's configuration, from `EMOTION_*` environment variables (defaults below)."""

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict

from moodtune_service_kit.serving import ServiceSettings
from moodtune_vision.detectors import DEFAULT_DETECTOR, DetectorName

# The committed default model; a checkout or an image built from it has it at this place.
DEFAULT_MODEL = Path(__file__).resolve().parents[3] / "artifacts" / "emotion" / "model.keras"


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="EMOTION_", protected_namespaces=(), populate_by_name=True)

    model_path: Path = Field(
        DEFAULT_MODEL,
        # MODEL_PATH is the name the service's specification uses; EMOTION_MODEL_PATH wins if both are set.
        validation_alias=AliasChoices("EMOTION_MODEL_PATH", "MODEL_PATH"),
        description="the .keras model; its card is model.card.json beside it",
    )
    port: int = 8001
    max_upload_bytes: int = Field(10 * 1024 * 1024, ge=1024, description="largest image accepted (413 above)")
    max_pixels: int = Field(40_000_000, ge=10_000, description="largest width x height decoded (413 above)")
    max_request_bytes: int = Field(
        32 * 1024 * 1024,
        ge=1024,
        description="largest request body, all images of a batch together (413 above)",
    )
    max_batch_images: int = Field(16, ge=1, description="most images in one batch request")
    max_faces: int = Field(20, ge=1, description="most faces classified in one image (largest first)")
    batch_max_size: int = Field(32, ge=1, description="most faces in one model call (micro-batching)")
    batch_max_wait_ms: float = Field(
        5.0, ge=0.0, description="how long a model call waits for more faces, only while under load"
    )
    face_detector: DetectorName = Field(
        DEFAULT_DETECTOR,
        description="blazeface: BlazeFace full range, then short range for a close-up (no TensorFlow in "
        "the service); blazeface+mtcnn: then MTCNN where BlazeFace finds no face (more grey and headless "
        "faces, but TensorFlow loaded at start-up: slower to start, about 1 GB more memory); mtcnn (~10x "
        "slower); haar (least accurate). The training job's --extra uses the same default",
    )
    runtime: Literal["auto", "litert", "keras"] = Field(
        "auto",
        description="auto: on a CPU, the LiteRT file derived from the model as its card chose (precision "
        "and accuracy measured there), falling back to Keras with a warning when the card has none or it "
        "reads PublicTest more than 0.2 points below Keras; on a GPU, Keras. litert: refuse to start "
        "without it. keras: Keras (TensorFlow) always",
    )
    litert_cache_dir: Path | None = Field(
        None,
        description="where LiteRT files derived from a model are kept, named by the model's sha256; "
        "unset: a .litert folder beside the model. The first start with a new model derives its file "
        "(TensorFlow in a child process, about half a minute); later starts read it",
    )
    precision: Literal["auto", "float32", "bfloat16"] = Field(
        "auto",
        description="Keras only. auto: bfloat16 for the batch sizes where it is measured faster at "
        "start-up, on a GPU or a CPU with AMX, if the model card shows it reads PublicTest within 0.2 "
        "points; float32 otherwise",
    )
    flip_average: Literal["auto", "on", "off"] = Field(
        "auto",
        description="read each face with its mirror image in the same model call and average the two: "
        "auto = as the model card says the model is served (its `flip_average`)",
    )
    micro_batching: bool = Field(True, description="gather concurrent requests into one model call")
    max_queue_wait_s: float = Field(
        1.0,
        gt=0,
        description="bounded queueing: an image is admitted only while the images ahead of it would be "
        "answered within this many seconds (estimated from the measured service time per image); "
        "beyond it, 503 `overloaded` with Retry-After, before decoding",
    )
