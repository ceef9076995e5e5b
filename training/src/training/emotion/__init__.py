"""The emotion models' training job. Its path, top to bottom: `config` (recipes and presets) →
`data` → `models` (from the `architectures` registry) → `train` (fit) → `export` (the model and its
typed card), run by `job`; where its files go is `layout`. `release/` holds the tools that compare,
ship and measure a trained model; `gpu/` the GPU route's transfer of a run."""
