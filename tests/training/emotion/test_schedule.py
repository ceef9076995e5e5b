"""The long schedule survives stops: resumed from a checkpoint here, continued at the committed
epoch from the shipped weights where the checkpoint is gone, and its progress recorded."""

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from support.paths import REPO
from support.tiny_runs import tiny_config, tiny_data
from training.emotion.__main__ import main
from training.emotion.config import TrainConfig, recipe_for, with_augmentation, with_overrides
from training.emotion.layout import CHECKPOINT_STATE, HISTORY
from training.emotion.schedule import Schedule, plot, record, shipped_version, start_args
from training.emotion.train import learning_rate_at, train

SHIPPED = REPO / "artifacts" / "emotion" / "model.keras"


def schedule(**changes: object) -> Schedule:
    base = Schedule(name="long", epochs=60, train_args=["--arch", "resnet50v2"])
    return replace(base, **changes)  # type: ignore[arg-type]


def checkpoint_at(run: Path, epoch: int) -> None:
    (run / CHECKPOINT_STATE).parent.mkdir(parents=True, exist_ok=True)
    (run / CHECKPOINT_STATE).write_text(json.dumps({"epoch": epoch}))


def test_a_new_machine_starts_from_the_shipped_weights() -> None:
    assert start_args(schedule(), Path("/nonexistent"), SHIPPED) == ["--warm-start", str(SHIPPED)]


def test_a_machine_without_the_checkpoint_continues_at_the_committed_epoch(tmp_path: Path) -> None:
    assert start_args(schedule(epoch_reached=12), tmp_path, SHIPPED) == [
        "--warm-start",
        str(SHIPPED),
        "--start-epoch",
        "12",
    ]


def test_the_checkpoint_here_resumes_unless_the_committed_schedule_is_further(tmp_path: Path) -> None:
    checkpoint_at(tmp_path, 12)
    assert start_args(schedule(epoch_reached=12), tmp_path, SHIPPED) == ["--resume"]
    assert start_args(schedule(epoch_reached=20), tmp_path, SHIPPED)[-2:] == ["--start-epoch", "20"]


def test_record_takes_the_epoch_the_learning_rate_and_the_shipped_version(tmp_path: Path) -> None:
    checkpoint_at(tmp_path, 14)
    (tmp_path / HISTORY).write_text(
        "epoch,accuracy,learning_rate,seconds,val_accuracy\n12,0.6,0.0231,600.2,0.58\n13,0.61,0.0229,610.9,0.59\n"
    )
    earlier = {
        "epoch": 13,
        "public_test_one_pass": 0.5,
        "train_augmented": 0.5,
        "learning_rate": 0.023,
        "seconds": 300,
        "machine": "another machine",
    }
    recorded = record(schedule(epoch_reached=12, curve=[earlier]), tmp_path, SHIPPED, machine="here")
    assert (recorded.epoch_reached, recorded.learning_rate) == (14, 0.0229)
    # The curve keeps what another machine recorded and adds this one's epochs, in order.
    assert [row["epoch"] for row in recorded.curve] == [13, 14]
    assert recorded.curve[0] == earlier
    assert recorded.curve[1] == {
        "epoch": 14,
        "public_test_one_pass": 0.59,
        "train_augmented": 0.61,
        "learning_rate": 0.0229,
        "seconds": 611,
        "machine": "here",
    }
    plot(recorded, tmp_path / "curve.png")
    assert (tmp_path / "curve.png").stat().st_size > 1000
    assert recorded.continues_from == shipped_version(SHIPPED)
    assert recorded.continues_from.startswith("resnet50v2@")


def test_record_refuses_a_run_behind_the_committed_state(tmp_path: Path) -> None:
    checkpoint_at(tmp_path, 3)
    with pytest.raises(ValueError, match="behind the recorded 12"):
        record(schedule(epoch_reached=12), tmp_path, SHIPPED)


def test_the_cli_prints_the_recipe_the_length_and_how_to_start(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "schedule.json"
    schedule(epoch_reached=7).save(file)
    assert main(["schedule", "args", "--file", str(file), "--runs", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.split()
    assert lines[:2] == ["--arch", "resnet50v2"]
    assert lines[lines.index("--epochs") + 1] == "60"
    assert lines[lines.index("--out") + 1] == str(tmp_path / "long")
    assert lines[-2:] == ["--start-epoch", "7"]


def test_the_committed_schedule_parses_and_names_a_known_recipe() -> None:
    committed = Schedule.load(REPO / "training" / "schedule.json")
    assert committed.epochs > committed.epoch_reached >= 0
    assert "--arch" in committed.train_args and "--epochs" not in committed.train_args


def test_a_continued_schedule_starts_at_its_epochs_learning_rate(tmp_path: Path) -> None:
    data = tiny_data()
    first = tiny_config("basic_cnn", tmp_path / "first")
    first = TrainConfig(**{**first.__dict__, "recipe": with_overrides(first.recipe, epochs=1)})
    warm = train(first, data).classifier
    source = tmp_path / "shipped.keras"
    warm.save(source)

    config = tiny_config("basic_cnn", tmp_path / "continued", warm_start=source, start_epoch=2)
    recipe = with_overrides(
        config.recipe, epochs=4, schedule="cosine", optimizer="sgd", learning_rate=0.1, warmup_epochs=1
    )
    config = TrainConfig(**{**config.__dict__, "recipe": recipe})
    result = train(config, data)
    assert result.epochs_trained == 4
    rows = (config.out / HISTORY).read_text().strip().splitlines()
    header = rows[0].split(",")
    epochs = [int(r.split(",")[0]) for r in rows[1:]]
    assert epochs == [2, 3]  # only the schedule's last two epochs ran
    steps = 3  # 24 faces in batches of 8
    logged = [float(r.split(",")[header.index("learning_rate")]) for r in rows[1:]]
    np.testing.assert_allclose(logged, [learning_rate_at(recipe, e, steps) for e in (3, 4)], rtol=1e-5)
    assert logged[-1] == pytest.approx(0.0, abs=1e-7)  # the cosine ended where the schedule ends


def test_learning_rate_at_warms_up_then_decays_to_zero() -> None:
    recipe = with_overrides(
        recipe_for("moodtune", "resnet50v2"), epochs=10, learning_rate=0.02, warmup_epochs=2
    )
    assert learning_rate_at(recipe, 0, 100) == pytest.approx(0.002)
    assert learning_rate_at(recipe, 2, 100) == pytest.approx(0.02)
    assert learning_rate_at(recipe, 6, 100) == pytest.approx(0.01, rel=1e-4)
    assert learning_rate_at(recipe, 10, 100) == pytest.approx(0.0, abs=1e-8)


def test_augmentation_overrides_change_only_what_they_name() -> None:
    recipe = recipe_for("moodtune", "resnet50v2")
    lighter = with_augmentation(recipe, shift=0.1, erasing=None)
    assert lighter.augmentation.shift == 0.1
    assert lighter.augmentation.erasing == recipe.augmentation.erasing
    assert lighter.augmentation.zoom == recipe.augmentation.zoom
