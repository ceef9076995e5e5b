#!/usr/bin/env bash
# Train the ResNet50V2 from scratch on a machine with a GPU (JAX, bfloat16, 96 px), evaluate it on
# PublicTest (one pass and flip averaging, per class) and write the exported model to $OUT in parts
# of at most 15 MiB with its card, log and history. training/RESULTS.md ("The GPU route") has the
# recipe and its arithmetic.
#
# Once, on any machine:  scripts/prepare_gpu_run.sh   (the wheels a JAX-only GPU image lacks and the
#                        FER2013 tarball, into .gpu/; copy the checkout with .gpu/ to the GPU host)
# On the GPU host:       OUT=/some/folder scripts/train_emotion_gpu.sh
# Back here:             .venv/bin/python -m training.emotion unshard --parts /some/folder --run RUN
#                        then `versus`, `ship`, `views`, `litert`, `speed` as for a CPU run (README,
#                        Training). The shipped model.keras is not needed on the GPU host.
#
# Every setting is an environment variable, so the CPU dry run in `make test`
# (tests/training/emotion/test_gpu_route.py) runs exactly this script with tiny ones.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
OUT="${OUT:?set OUT: the folder the exported parts go to}"
GPU_DIR="${MOODTUNE_GPU_DIR:-.gpu}"
DATA="${MOODTUNE_FER:-$GPU_DIR/fer2013-train-val.tar.gz}"
RUN="${MOODTUNE_RUN:-/tmp/moodtune-gpu-run}"
EPOCHS="${MOODTUNE_GPU_EPOCHS:-60}"
INPUT_SIZE="${MOODTUNE_GPU_INPUT_SIZE:-96}"
BATCH="${MOODTUNE_GPU_BATCH:-512}"
# Goyal et al.'s linear rule, 0.1 per 256 images: the preset's 0.05 at 64 is already above it.
LEARNING_RATE="${MOODTUNE_GPU_LEARNING_RATE:-0.2}"
WARMUP="${MOODTUNE_GPU_WARMUP_EPOCHS:-3}"
MIXUP="${MOODTUNE_GPU_MIXUP:-0}"
# A guard, not the plan: training stops after the epoch that crosses it, so the export and the
# parts are still written within the time the GPU host gives (set it to yours).
MAX_MINUTES="${MOODTUNE_GPU_MAX_MINUTES:-5.5}"
EXTRA=()
[ -n "${MOODTUNE_GPU_LIMIT_TRAIN:-}" ] && EXTRA+=(--limit-train "$MOODTUNE_GPU_LIMIT_TRAIN")
PYTHON="${MOODTUNE_PYTHON:-python3}"
[ -x .venv/bin/python ] && [ -z "${MOODTUNE_PYTHON:-}" ] && PYTHON=.venv/bin/python

mkdir -p "$OUT"
log="$OUT/train.log"
say() { echo "[gpu-route $((SECONDS - started)) s] $*" | tee -a "$log"; }

# What the GPU image lacks (Keras, pydantic, ...) travels as wheels: install them beside it.
if compgen -G "$GPU_DIR/wheels/*.whl" >/dev/null; then
  "$PYTHON" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/moodtune-site "$GPU_DIR"/wheels/*.whl
  export PYTHONPATH="/tmp/moodtune-site${PYTHONPATH:+:$PYTHONPATH}"
fi
# The repo's own packages from the tree (nothing to build there).
export PYTHONPATH="training/src:contracts/src:vision/src${PYTHONPATH:+:$PYTHONPATH}"
export KERAS_BACKEND=jax PYTHONUNBUFFERED=1 TF_CPP_MIN_LOG_LEVEL=3
say "python $("$PYTHON" -c 'import sys; print(sys.version.split()[0])'); $(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null || echo 'no GPU')"

# Faces stay in memory as uint8; augmentation, resizing and the bf16 compute run inside the
# jitted step (--augment-in auto and --precision auto choose that on a GPU).
"$PYTHON" -m training.emotion train --arch resnet50v2 --preset moodtune --weights none \
  --input-size "$INPUT_SIZE" --epochs "$EPOCHS" --batch-size "$BATCH" \
  --learning-rate "$LEARNING_RATE" --warmup-epochs "$WARMUP" --mixup "$MIXUP" --no-tta \
  --max-minutes "$MAX_MINUTES" --data "$DATA" --cache-dir "$RUN/cache" --out "$RUN" --verbose 2 \
  "${EXTRA[@]}" >>"$log" 2>&1 || { say "training failed"; tail -40 "$log"; exit 1; }
say "trained; $(grep -c . "$RUN/history.csv") lines of history"

"$PYTHON" -m training.emotion shard --run "$RUN" --out "$OUT" >>"$log" 2>&1
say "parts written: $(cd "$OUT" && ls | tr '\n' ' ')"
grep -E "PublicTest accuracy|time budget|Epoch [0-9]+/" "$log" | tail -5 || true
