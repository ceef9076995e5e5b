#!/usr/bin/env bash
# The CPU route of the accuracy work (issue 25): one warm-restart cycle a session.
# Start it in the first minutes of a session; it restarts from the shipped weights with one cosine
# cycle (no warm-up, lr 0.01 down to 0) sized to finish inside the session, with focal loss
# (gamma 2: +0.010 macro-F1 at the same accuracy in cycle 5, fear recall 0.24 -> 0.30;
# training/RESULTS.md):
#
#   nohup scripts/train_emotion_cpu.sh >> ~/.cache/moodtune/cycle.log 2>&1 &
#
# Measure the step time first (training/RESULTS.md: 0.7 s a step of 64 on an EPYC with AVX-512,
# 5.5 min an epoch; 7.7 s and 58 min on the EPYC without it) and pass --epochs N to fit the
# session. Every epoch checkpoints outside the work tree; a stop mid-cycle resumes on the same
# machine with --resume (the script adds it when a checkpoint is there). Then export the one-pass
# numbers and ship only if both accuracy and macro-F1 beat the shipped model's (README, Training):
#   scripts/train_emotion_cpu.sh --export-only --no-tta
set -euo pipefail
cd "$(dirname "$0")/.."
RUN="${MOODTUNE_RUN:-$HOME/.cache/moodtune/runs/resnet50v2-cycle-$(date -u +%Y%m%d)}"
DATA="${MOODTUNE_FER:-../shared/data/fer2013/fer2013-train-val.tar.gz}"
start=(--warm-start artifacts/emotion/model.keras)
[ -f "$RUN/checkpoints/last.keras" ] && start=(--resume)
exec .venv/bin/python -m training.emotion train --arch resnet50v2 --preset moodtune \
  --input-size 48 --epochs 1 --learning-rate 0.01 --warmup-epochs 0 --mixup 0 --focal-gamma 2 \
  --augment-in loader --data "$DATA" --cache-dir "$HOME/.cache/moodtune/fer" --out "$RUN" --verbose 1 \
  "${start[@]}" "$@"
