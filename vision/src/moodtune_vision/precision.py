"""The precision the emotion classifier computes in: one definition for serving and for the training
job's evaluation, so the bfloat16 accuracy on the model card is the accuracy bfloat16 serving gives.

A stored model computes in float32. `with_precision` rebuilds it with every layer under another
Keras dtype policy and copies the weights in (cast by Keras). On CPUs with AMX (bf16 matrix units)
and on GPUs, bfloat16 can be faster at large batches; at batch 1 it was slower on the one AMX CPU
measured (benchmarks/RESULTS.md), so serving chooses per batch size (emotion_service.classifier).
"""

from pathlib import Path
from typing import Any, Literal

Precision = Literal["float32", "bfloat16"]
PRECISIONS: tuple[Precision, ...] = ("float32", "bfloat16")


def with_precision(model: Any, precision: Precision) -> Any:
    """The Keras model computing in `precision` (a new model; the original is untouched)."""
    if precision == "float32":
        return model
    import keras  # here, not at the top: a service on LiteRT asks cpu_has_amx without loading Keras

    def clone(layer: keras.layers.Layer) -> Any:
        config = layer.get_config()
        config["dtype"] = precision
        return layer.__class__.from_config(config)

    copy = keras.models.clone_model(model, clone_function=clone)
    copy.set_weights(model.get_weights())
    return copy


def cpu_has_amx(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    """Whether the CPU has AMX bf16 tiles (Linux; False where the file cannot be read)."""
    try:
        flags = next((line for line in cpuinfo.read_text().splitlines() if line.startswith("flags")), "")
    except OSError:
        return False
    return "amx_bf16" in flags.split()
