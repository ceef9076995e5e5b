import io
import tarfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from moodtune_contracts.emotions import EMOTIONS
from moodtune_vision.detectors import make_detector
from support.faces import FER_FIXTURE, fer_samples
from training.emotion.data import FerDataError, extend_with_images, load_fer

LABELS = [e.value for e in EMOTIONS]


def _png(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def _face(value: int) -> np.ndarray:
    return np.full((48, 48), value, dtype=np.uint8)


def write_folder(root: Path) -> Path:
    """train/<class>/Training_<i>.png and val/<class>/PublicTest_<i>.png; pixel value encodes the class."""
    for split, usage, n in (("train", "Training", 2), ("val", "PublicTest", 1)):
        for index, label in enumerate(LABELS):
            folder = root / split / label
            folder.mkdir(parents=True)
            for i in range(n):
                (folder / f"{usage}_{index}{i}.png").write_bytes(_png(_face(10 * index + i)))
    return root


def test_image_folder_layout_loads_into_the_project_label_order(tmp_path: Path) -> None:
    data = load_fer(write_folder(tmp_path / "fer"))
    assert len(data.train) == 14 and len(data.val) == 7 and data.test is None
    for x, y in zip(data.train.x, data.train.y, strict=True):
        assert int(x[0, 0]) // 10 == y  # the class encoded in the pixels is the label given
    assert data.val.counts() == dict.fromkeys(LABELS, 1)


def test_a_tar_gz_of_the_folder_loads_the_same_and_is_cached(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "fer")
    archive = tmp_path / "fer.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(folder, arcname="fer")
    cache = tmp_path / "cache"
    from_tar = load_fer(archive, cache_dir=cache)
    from_dir = load_fer(folder)
    order_tar, order_dir = np.argsort(from_tar.train.x[:, 0, 0]), np.argsort(from_dir.train.x[:, 0, 0])
    assert np.array_equal(from_tar.train.x[order_tar], from_dir.train.x[order_dir])
    assert len(list(cache.glob("fer-*.npz"))) == 1
    again = load_fer(archive, cache_dir=cache)
    assert np.array_equal(again.train.x, from_tar.train.x) and np.array_equal(again.val.y, from_tar.val.y)


def test_canonical_csv_translates_its_class_indices(tmp_path: Path) -> None:
    # fer2013.csv: 0 angry, 1 disgust, 2 fear, 3 happy, 4 sad, 5 surprise, 6 neutral.
    pixels = " ".join(["7"] * 2304)
    lines = ["emotion,pixels,Usage"]
    lines += [f"{i},{pixels},Training" for i in range(7)]
    lines += [f"4,{pixels},PublicTest", f"6,{pixels},PrivateTest"]
    path = tmp_path / "fer2013.csv"
    path.write_text("\n".join(lines) + "\n")
    data = load_fer(path)
    expected = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]
    assert [LABELS[y] for y in data.train.y] == expected
    assert LABELS[int(data.val.y[0])] == "sad"
    assert data.test is not None and LABELS[int(data.test.y[0])] == "neutral"
    assert data.train.x.shape == (7, 48, 48) and int(data.train.x[0, 0, 0]) == 7


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("emotion,pixels\n0,1 2\n", "missing column"),
        ("emotion,pixels,Usage\n9,{},Training\n".format(" ".join(["1"] * 2304)), "row 1"),
        ("emotion,pixels,Usage\n0,1 2 3,Training\n", "3 pixels, expected 2304"),
    ],
)
def test_malformed_csv_is_a_clear_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "fer2013.csv"
    path.write_text(content)
    with pytest.raises(FerDataError, match=message):
        load_fer(path)


def test_unknown_class_folder_is_rejected(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "fer")
    (folder / "train" / "bored").mkdir()
    (folder / "train" / "bored" / "Training_9.png").write_bytes(_png(_face(1)))
    with pytest.raises(FerDataError, match="'bored' is not one of"):
        load_fer(folder)


def test_the_committed_real_faces_load_as_a_tiny_fer2013_release() -> None:
    data = load_fer(FER_FIXTURE)
    assert data.train.counts() == dict.fromkeys(LABELS, 3)
    assert data.val.counts() == dict.fromkeys(LABELS, 10)
    assert data.val.x.shape == (70, 48, 48) and data.val.x.dtype == np.uint8
    assert 40 < float(data.val.x.mean()) < 200  # real faces, not blank images
    assert [label for label, _ in fer_samples(per_class=1)] == LABELS


def test_extension_crops_faces_like_the_service_and_reports_what_it_skipped(
    tmp_path: Path, detectable_faces: list[bytes]
) -> None:
    data = load_fer(write_folder(tmp_path / "fer"))
    faces = fer_samples(per_class=3, split="train")
    extra = tmp_path / "extra"
    (extra / "happy").mkdir(parents=True)
    (extra / "sad").mkdir(parents=True)
    # A real face photo bigger than a crop: a FER face scaled up and placed in a plain scene.
    face = Image.open(io.BytesIO(detectable_faces[0])).convert("L").resize((160, 160))
    scene = Image.new("L", (480, 360), color=128)
    scene.paste(face, (200, 90))
    scene.save(extra / "happy" / "party.jpg", quality=95)
    # A tight crop is used whole, as FER2013 images are.
    (extra / "sad" / "crop.jpg").write_bytes(next(f for f in faces if f[0] == "sad")[1])
    # A faceless picture and a duplicate of it under a second name.
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 255, (300, 400), dtype=np.uint8)).save(extra / "happy" / "noise.png")
    (extra / "sad" / "crop_copy.png").write_bytes(_png(np.asarray(Image.open(extra / "sad" / "crop.jpg"))))
    (extra / "sad" / "notes.txt").write_text("not an image")

    report = extend_with_images(data, extra, detector=make_detector())
    assert report.added == {"happy": 1, "sad": 1}
    assert report.no_face == ["happy/noise.png"]
    assert report.duplicates == ["sad/crop_copy.png"]
    assert report.unreadable == ["sad/notes.txt"]
    assert len(data.train) == 16
    assert data.train.x.shape[1:] == (48, 48)
    assert [LABELS[y] for y in data.train.y[-2:]] == ["happy", "sad"]
    assert data.extension["skipped_no_face"] == ["happy/noise.png"]
