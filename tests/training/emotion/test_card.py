"""The model card as a typed artifact: written by the job, rejected by the service when unusable,
and extended with the peer comparison and the measured CPU speed."""

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from emotion_service.classifier import EmotionClassifier
from emotion_service.errors import ModelError
from moodtune_contracts.emotions import EMOTION_LABELS
from moodtune_contracts.model_card import ModelCard
from support.models import export_untrained
from training.emotion.card import render
from training.emotion.layout import CARD_FILE
from training.emotion.release.peers import add_peers, score
from training.emotion.release.speed import record_speed


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return export_untrained("basic_cnn", tmp_path_factory.mktemp("card"), name="card-test")


def _predictions(true: list[str], **runs: Sequence[str | None]) -> dict[str, object]:
    return {
        "peer": "fer 0.0",
        "machine": "tests",
        "files": [f"{i}.jpg" for i in range(len(true))],
        "true": true,
        "runs": [{"model": name, "predicted": list(p), "ms_per_face": 1.0} for name, p in runs.items()],
    }


def test_a_peer_is_scored_with_our_metrics_and_a_missing_answer_counts_as_wrong() -> None:
    true = ["happy", "sad", "sad", "angry"]
    (peer,) = score(_predictions(true, tflite=["happy", "sad", None, "happy"]))
    assert peer.name == "fer 0.0, tflite" and "1 faces without an answer" in peer.description
    assert peer.metrics.n == 4 and peer.metrics.accuracy == 0.5
    assert peer.metrics.per_class["sad"].recall == 0.5 and peer.metrics.per_class["angry"].recall == 0.0


def test_peers_go_into_the_card_and_its_markdown(exported: Path, tmp_path: Path) -> None:
    card = ModelCard.model_validate_json(exported.with_name(CARD_FILE).read_bytes())
    n = card.metrics.val.n
    labels = (list(EMOTION_LABELS) * n)[:n]
    predictions = tmp_path / "peer.json"
    predictions.write_text(json.dumps(_predictions(labels, perfect=labels, none=[None] * n)))
    add_peers(card_path=exported.with_name(CARD_FILE), predictions=predictions)
    updated = ModelCard.model_validate_json(exported.with_name(CARD_FILE).read_bytes())
    assert [p.metrics.accuracy for p in updated.metrics.peers] == [1.0, 0.0]
    markdown = (exported.parent / "CARD.md").read_text()
    assert "## Beside the installable peer" in markdown and "| fer 0.0, perfect | 100.00% |" in markdown


def test_a_peer_scored_on_other_images_is_refused(exported: Path, tmp_path: Path) -> None:
    predictions = tmp_path / "peer.json"
    predictions.write_text(json.dumps(_predictions(["happy"], tflite=["happy"])))
    with pytest.raises(ValueError, match="not the 70 PublicTest faces"):
        add_peers(card_path=exported.with_name(CARD_FILE), predictions=predictions)


def test_speed_is_measured_on_the_shipped_file_and_recorded(exported: Path) -> None:
    card = record_speed(model_path=exported, calls=5)
    assert card.serving is not None and card.serving.batch_1_ms_p50 > 0
    assert card.serving.batch_32_faces_per_s and card.serving.batch_32_faces_per_s > 0
    assert "CPUs" in card.serving.machine
    assert "## Speed" in (exported.parent / "CARD.md").read_text()


def test_the_service_refuses_a_card_it_cannot_use(exported: Path, tmp_path: Path) -> None:
    model = tmp_path / "model.keras"
    model.write_bytes(exported.read_bytes())
    card = json.loads(exported.with_name(CARD_FILE).read_text())
    del card["metrics"]
    (tmp_path / CARD_FILE).write_text(json.dumps(card))
    with pytest.raises(ModelError, match="not a model card this service can use"):
        EmotionClassifier.load(model)
    card = json.loads(exported.with_name(CARD_FILE).read_text())
    card["labels"] = list(reversed(card["labels"]))
    (tmp_path / CARD_FILE).write_text(json.dumps(card))
    with pytest.raises(ModelError, match="differ from the project's"):
        EmotionClassifier.load(model)


def test_the_limitations_name_the_class_this_model_reads_worst(exported: Path) -> None:
    card = ModelCard.model_validate_json(exported.with_name(CARD_FILE).read_bytes())
    val = card.metrics.val
    per_class = {
        label: m.model_copy(update={"recall": 0.01 if label == "fear" else 0.5 + i / 100})
        for i, (label, m) in enumerate(val.per_class.items())
    }
    per_class["surprise"] = per_class["surprise"].model_copy(update={"support": 1})
    changed = card.model_copy(
        update={
            "metrics": card.metrics.model_copy(
                update={"val": val.model_copy(update={"per_class": per_class})}
            )
        }
    )
    limitations = render(changed).split("## Limitations", 1)[1]
    assert "Recognised worst: fear (recall 0.01)" in limitations
    assert f"the rarest class is surprise (1 of {val.n:,} PublicTest faces)" in limitations
