#!/usr/bin/env bash
# The CPU route of the accuracy work (issue 14): one long ResNet50V2 run that spans sessions.
# Start it in the first minutes of every session; it resumes where the last session stopped:
#
#   nohup scripts/train_emotion_cpu.sh >> ~/.cache/moodtune/long-run.log 2>&1 &
#
# Checkpoints live outside the work tree (every epoch: the full training state and the best
# weights), so a stop loses at most the epoch in progress. On a machine without them (a new
# one) the run warm-starts from the shipped model's weights. Ship the best epoch so far with
#   scripts/train_emotion_cpu.sh --export-only && .venv/bin/python -m training.emotion ship --run "$RUN"
# The recipe came from the pilots recorded in training/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
# Leg 2 (2026-12-02): the first leg's checkpoints were on a machine that is gone. Its best epoch
# (11 of 24, shipped) was trained mid-schedule, at lr ~0.027 of the cosine's 0.05 peak; a fresh
# 24-epoch schedule at the peak would first undo it, so this leg warm-starts from the shipped
# weights with the rest of that schedule: 12 epochs from lr 0.025 down to 0.
RUN="${MOODTUNE_RUN:-$HOME/.cache/moodtune/runs/resnet50v2-moodtune-48-leg2}"
DATA="${MOODTUNE_FER:-../shared/data/fer2013/fer2013-train-val.tar.gz}"
start=(--warm-start artifacts/emotion/model.keras)
[ -f "$RUN/checkpoints/last.keras" ] && start=(--resume)
exec .venv/bin/python -m training.emotion train --arch resnet50v2 --preset moodtune \
  --input-size 48 --epochs 12 --learning-rate 0.025 --warmup-epochs 1 --mixup 0 \
  --data "$DATA" --cache-dir "$HOME/.cache/moodtune/fer" --out "$RUN" --verbose 2 \
  "${start[@]}" "$@"
