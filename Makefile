# Moodtune: `make run` starts the system on its embedded defaults, `make test` runs every test.
# Both build their own virtual environment (.venv) from nothing with Python 3.11.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PACKAGES := contracts vision service-kit training recommender-service emotion-service gateway
STAMP := $(VENV)/.installed
UV_VERSION := 0.13.9
SPOTIFY_CSV ?= ../shared/data/spotify/dataset.csv.gz
# The public catalog is not in the repository (README, "Data sets"): say where it is expected.
NEED_SPOTIFY = @test -f $(SPOTIFY_CSV) || { echo "$(SPOTIFY_CSV) not found: get the Spotify Tracks Dataset (README, Data sets) and put it there, or pass SPOTIFY_CSV=PATH" >&2; exit 2; }

.PHONY: venv lock test lint typecheck pytest run run-recommender run-emotion run-gateway catalog openapi bench clean

venv: $(STAMP)

# Every dependency, transitive ones too, comes from uv.lock with its hashes (make lock rewrites it).
$(STAMP): uv.lock pyproject.toml $(foreach p,$(PACKAGES),$(p)/pyproject.toml)
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), f"Python 3.11 needed, found {sys.version}"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv sync --frozen --all-packages --group dev --quiet
	touch $(STAMP)

# Re-resolve uv.lock after a change to a pyproject.toml (the lint step fails until it is done).
lock: venv
	$(BIN)/uv lock

test: lint typecheck pytest

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/uv lock --check --offline
	$(BIN)/lint-imports --no-cache

typecheck: venv
	$(BIN)/mypy contracts/src vision/src service-kit/src training/src recommender-service/src emotion-service/src gateway/src tests benchmarks scripts support

pytest: venv
	$(BIN)/python -m pytest

# All three services as local processes; Ctrl-C stops them all.
run: venv
	$(BIN)/python scripts/run_local.py

run-recommender: venv
	$(BIN)/python -m recommender_service

run-emotion: venv
	$(BIN)/python -m emotion_service

run-gateway: venv
	$(BIN)/python -m gateway

# The gateway's committed OpenAPI spec; a test fails when it drifts from the code.
openapi: venv
	$(BIN)/python -m gateway.openapi > gateway/openapi.json

# Rebuild the committed default catalog from the 114k Spotify file.
catalog: venv
	$(NEED_SPOTIFY)
	$(BIN)/python -m training.catalog build --input $(SPOTIFY_CSV) --out artifacts/catalog --name spotify-tracks-114k

# Speed, memory and what the songs are like, written to benchmarks/results/*.json (read with
# benchmarks/RESULTS.md). The recommendations benchmark reads FER2013's PublicTest faces (README, Data sets).
bench: venv
	$(NEED_SPOTIFY)
	mkdir -p benchmarks/results
	$(BIN)/python -m benchmarks.recommender --spotify-csv $(SPOTIFY_CSV) --out benchmarks/results/recommender.json
	$(BIN)/python -m benchmarks.recommendations --out benchmarks/results/recommendations.json
	$(BIN)/python -m benchmarks.emotion --out benchmarks/results/emotion.json
	$(BIN)/python -m benchmarks.face_detectors --out benchmarks/results/face_detectors.json
	$(BIN)/python -m benchmarks.blazeface_threads --out benchmarks/results/blazeface_threads.json
	$(BIN)/python -m benchmarks.photos --out benchmarks/results/photos.json
	$(BIN)/python -m benchmarks.overload --out benchmarks/results/overload.json
	$(BIN)/python -m benchmarks.runtimes --out benchmarks/results/runtimes.json

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
