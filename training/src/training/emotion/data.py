"""FER2013 in both public forms, held in memory as uint8, plus the study's dataset extension.

Forms: the image-folder release (`train/<class>/Training_<id>.jpg`, `val/<class>/PublicTest_<id>.jpg`,
as a directory or a .tar/.tar.gz) and the canonical `fer2013.csv` (`emotion,pixels,Usage`). Both
map onto the project's one label order. A loaded set is cached as a compressed .npz keyed by the
source's hash, so later runs skip decoding.
"""

import csv
import gzip
import hashlib
import io
import logging
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import cv2
import numpy as np
from PIL import Image

from moodtune_contracts.analysis import FaceMode
from moodtune_contracts.emotions import EMOTIONS, FER2013_CSV_INDEX
from moodtune_contracts.errors import MoodtuneError
from moodtune_vision.crop import FACE_SIZE, faces_in_image
from moodtune_vision.decode import open_image
from moodtune_vision.detectors import FaceDetector
from training.files import file_sha256

log = logging.getLogger(__name__)

SPLITS = ("train", "val", "test")  # FER2013 Training, PublicTest, PrivateTest
_SPLIT_BY_USAGE = {"Training": "train", "PublicTest": "val", "PrivateTest": "test"}
_SPLIT_BY_FOLDER = {"train": "train", "training": "train", "val": "val", "validation": "val", "test": "test"}
_LABEL_INDEX = {e.value: i for i, e in enumerate(EMOTIONS)}
_IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".gif"}
EXTRA_MAX_PIXELS = 40_000_000


class FerDataError(ValueError):
    """The data cannot be used (unknown layout, unknown class, malformed rows)."""


@dataclass
class Split:
    x: np.ndarray  # (n, 48, 48) uint8
    y: np.ndarray  # (n,) int64 index into EMOTIONS

    def __len__(self) -> int:
        return len(self.y)

    def counts(self) -> dict[str, int]:
        return {e.value: int((self.y == i).sum()) for i, e in enumerate(EMOTIONS)}


@dataclass
class FerData:
    splits: dict[str, Split]
    source: str
    sha256: str
    extension: dict[str, object] = field(default_factory=dict)

    @property
    def train(self) -> Split:
        return self.splits["train"]

    @property
    def val(self) -> Split:
        return self.splits["val"]

    @property
    def test(self) -> Split | None:
        return self.splits.get("test")


def _empty() -> Split:
    return Split(np.zeros((0, FACE_SIZE, FACE_SIZE), np.uint8), np.zeros(0, np.int64))


def source_hash(path: Path) -> str:
    if not path.is_dir():
        return file_sha256(path)
    # A directory's identity: its image files' names and sizes (hashing all bytes is slow).
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(f"{file.relative_to(path)}:{file.stat().st_size}\n".encode())
    return digest.hexdigest()


def load_fer(path: Path, *, cache_dir: Path | None = None) -> FerData:
    """Load FER2013 from a folder, a .tar(.gz) of one, or fer2013.csv(.gz); cached by content hash."""
    path = Path(path)
    if not path.exists():
        raise FerDataError(f"{path}: no such file or directory")
    sha = source_hash(path)
    cached = cache_dir / f"fer-{sha[:16]}.npz" if cache_dir else None
    if cached and cached.exists():
        with np.load(cached) as npz:
            splits = {s: Split(npz[f"{s}_x"], npz[f"{s}_y"]) for s in SPLITS if f"{s}_x" in npz}
        return FerData(splits=splits, source=str(path), sha256=sha)

    if path.is_dir() or _is_tar(path):
        items = _folder_items(path)
    else:
        items = _csv_items(path)
    buckets: dict[str, tuple[list[np.ndarray], list[int]]] = {}
    for split, label, pixels in items:
        xs, ys = buckets.setdefault(split, ([], []))
        xs.append(pixels)
        ys.append(label)
    if "train" not in buckets or "val" not in buckets:
        raise FerDataError(f"{path}: needs a Training and a PublicTest (val) split, found {sorted(buckets)}")
    splits = {s: Split(np.stack(xs), np.asarray(ys, np.int64)) for s, (xs, ys) in buckets.items()}
    if cached:
        cached.parent.mkdir(parents=True, exist_ok=True)
        arrays = {f"{s}_{k}": getattr(v, k) for s, v in splits.items() for k in ("x", "y")}
        np.savez_compressed(cached, **arrays)
    return FerData(splits=splits, source=str(path), sha256=sha)


def _is_tar(path: Path) -> bool:
    return path.is_file() and tarfile.is_tarfile(path)


def _split_of(parts: tuple[str, ...]) -> str | None:
    # File names in the FER2013 release keep their official split ("PublicTest_123.jpg").
    usage = parts[-1].split("_", 1)[0]
    if usage in _SPLIT_BY_USAGE:
        return _SPLIT_BY_USAGE[usage]
    for part in parts[:-2]:
        if part.lower() in _SPLIT_BY_FOLDER:
            return _SPLIT_BY_FOLDER[part.lower()]
    return None


def _folder_items(path: Path) -> Iterator[tuple[str, int, np.ndarray]]:
    for name, data in _image_files(path):
        parts = PurePosixPath(name).parts
        label = parts[-2].lower() if len(parts) >= 2 else ""
        if label not in _LABEL_INDEX:
            raise FerDataError(f"{path}: {name}: folder {label!r} is not one of {list(_LABEL_INDEX)}")
        split = _split_of(parts)
        if split is None:
            raise FerDataError(f"{path}: {name}: cannot tell its split (train/val/test)")
        with Image.open(io.BytesIO(data)) as image:
            grey: np.ndarray = np.asarray(image.convert("L"), dtype=np.uint8)
        if grey.shape != (FACE_SIZE, FACE_SIZE):
            grey = cv2.resize(grey, (FACE_SIZE, FACE_SIZE), interpolation=cv2.INTER_AREA)
        yield split, _LABEL_INDEX[label], grey


def _image_files(path: Path) -> Iterator[tuple[str, bytes]]:
    if path.is_dir():
        for file in sorted(path.rglob("*")):
            if file.suffix.lower() in _IMAGE_SUFFIXES:
                yield file.relative_to(path).as_posix(), file.read_bytes()
        return
    with tarfile.open(path) as tar:
        for member in tar:
            if member.isfile() and PurePosixPath(member.name).suffix.lower() in _IMAGE_SUFFIXES:
                extracted = tar.extractfile(member)
                if extracted is not None:
                    yield member.name, extracted.read()


def _csv_items(path: Path) -> Iterator[tuple[str, int, np.ndarray]]:
    with path.open("rb") as raw:
        gzipped = raw.read(2) == b"\x1f\x8b"
    opener = gzip.open if gzipped else open
    with opener(path, "rt", newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = {"emotion", "pixels", "Usage"} - set(reader.fieldnames or [])
        if missing:
            raise FerDataError(f"{path}: missing column(s) {sorted(missing)} (expected emotion,pixels,Usage)")
        for row_number, row in enumerate(reader, start=1):
            try:
                # fer2013.csv numbers classes in its own order; translate to the project's.
                label = _LABEL_INDEX[FER2013_CSV_INDEX[int(row["emotion"])].value]
                pixels = np.asarray(row["pixels"].split(), dtype=np.uint8)
                split = _SPLIT_BY_USAGE[row["Usage"].strip()]
            except (ValueError, IndexError, KeyError) as exc:
                raise FerDataError(f"{path} row {row_number}: {exc!r}") from exc
            if pixels.size != FACE_SIZE * FACE_SIZE:
                raise FerDataError(f"{path} row {row_number}: {pixels.size} pixels, expected 2304")
            yield split, label, pixels.reshape(FACE_SIZE, FACE_SIZE)


def near_duplicate_key(face: np.ndarray) -> bytes:
    """Equal for a face and its re-encoded or resized copies: 16x16 area means, 32 grey levels."""
    small = cv2.resize(face, (16, 16), interpolation=cv2.INTER_AREA)
    return (small // 8).tobytes()


@dataclass
class ExtensionReport:
    added: dict[str, int] = field(default_factory=dict)
    no_face: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "added": self.added,
            "skipped_no_face": self.no_face,
            "skipped_duplicate": self.duplicates,
            "skipped_unreadable": self.unreadable,
        }


def extend_with_images(data: FerData, extra: Path, *, detector: FaceDetector) -> ExtensionReport:
    """Add `extra/<emotion>/*` images to the training split, cropped exactly as the service crops."""
    report = ExtensionReport()
    seen = {near_duplicate_key(x) for split in data.splits.values() for x in split.x}
    xs, ys = [], []
    for folder in sorted(p for p in extra.iterdir() if p.is_dir()):
        label = folder.name.lower()
        if label not in _LABEL_INDEX:
            raise FerDataError(f"{extra}: folder {folder.name!r} is not one of {list(_LABEL_INDEX)}")
        for file in sorted(p for p in folder.rglob("*") if p.is_file()):
            name = file.relative_to(extra).as_posix()
            try:
                image = open_image(file.read_bytes(), max_pixels=EXTRA_MAX_PIXELS)
                face = faces_in_image(image, mode=FaceMode.AUTO, detector=detector)[1][0]
            except MoodtuneError as exc:
                (report.no_face if exc.code == "no_face" else report.unreadable).append(name)
                continue
            key = near_duplicate_key(face.pixels)
            if key in seen:
                report.duplicates.append(name)
                continue
            seen.add(key)
            xs.append(face.pixels)
            ys.append(_LABEL_INDEX[label])
            report.added[label] = report.added.get(label, 0) + 1
    if xs:
        train = data.train
        data.splits["train"] = Split(np.concatenate([train.x, np.stack(xs)]), np.concatenate([train.y, ys]))
    data.extension = report.as_dict()
    log.info(
        "extension: %d added, %d without a face, %d duplicates, %d unreadable",
        len(xs),
        len(report.no_face),
        len(report.duplicates),
        len(report.unreadable),
    )
    return report
