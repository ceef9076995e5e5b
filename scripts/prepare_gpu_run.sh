#!/usr/bin/env bash
# Fill .gpu/ (ignored by git) with what scripts/train_emotion_gpu.sh needs on the GPU machine:
# the wheels its image lacks, at the versions uv.lock pins, for its Python 3.12, and the FER2013
# tarball. Then say how big the checkout with .gpu/ is (the shipped model.keras aside: the GPU run
# does not need it), to copy to the GPU host.
set -euo pipefail
cd "$(dirname "$0")/.."
GPU_DIR="${MOODTUNE_GPU_DIR:-.gpu}"
DATA="${MOODTUNE_FER:-../shared/data/fer2013/fer2013-train-val.tar.gz}"
mkdir -p "$GPU_DIR/wheels"
locked() { grep -A1 "^name = \"$1\"$" uv.lock | sed -n 's/^version = "\(.*\)"/\1/p'; }
for name in keras namex optree pydantic pydantic-core annotated-types typing-inspection; do
  .venv/bin/python -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
    --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 \
    --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
    -d "$GPU_DIR/wheels" "$name==$(locked "$name")"
done
cp "$DATA" "$GPU_DIR/fer2013-train-val.tar.gz"
tracked=$(git ls-files -z | grep -zv '^artifacts/emotion/model.keras$' | xargs -0 du -cb | tail -1 | cut -f1)
carried=$(du -sb "$GPU_DIR" | cut -f1)
echo "travels: $(( (tracked + carried) / 1048576 )) MiB (tracked files without the model, and $GPU_DIR)"
