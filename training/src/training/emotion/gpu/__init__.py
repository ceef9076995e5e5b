"""The GPU route's transfer helpers (`scripts/train_emotion_gpu.sh`): a run's exported model in parts
on the GPU host (`shard`), and a run directory again from them here (`unshard`)."""
