#!/usr/bin/env bash
# The long CPU training schedule (training/schedule.json): warm-up, then cosine to 0 over its
# epochs, one epoch checkpointed at a time outside the work tree. Start it in the background:
#
#   nohup scripts/train_emotion_cpu.sh >> ~/.cache/moodtune/schedule.log 2>&1 &
#
# It resumes from this machine's checkpoint where there is one; on a machine without it, it
# continues the same schedule at the committed epoch from the shipped weights. Before stopping,
# record how far it got (and commit training/schedule.json):
#
#   .venv/bin/python -m training.emotion schedule record
#
# Evaluate and export the best epoch so far without training further:
#
#   scripts/train_emotion_cpu.sh --export-only
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="${MOODTUNE_FER:-../shared/data/fer2013/fer2013-train-val.tar.gz}"
RUNS="${MOODTUNE_RUNS:-$HOME/.cache/moodtune/runs}"
mapfile -t schedule < <(.venv/bin/python -m training.emotion schedule args --runs "$RUNS")
exec .venv/bin/python -m training.emotion train "${schedule[@]}" \
  --data "$DATA" --cache-dir "$HOME/.cache/moodtune/fer" --verbose 2 "$@"
