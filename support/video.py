"""A still photo as a YUV4MPEG2 (.y4m) video: what Chromium's fake camera plays
(`--use-file-for-fake-video-capture`), looped."""

from pathlib import Path

from PIL import Image


def write_y4m(image: Image.Image, path: Path, *, frames: int = 2, fps: int = 10) -> Path:
    """4:2:0 frames of `image` (even width and height: the chroma planes are half size)."""
    ycbcr = image.convert("RGB").convert("YCbCr")
    width, height = ycbcr.size[0] // 2 * 2, ycbcr.size[1] // 2 * 2
    ycbcr = ycbcr.crop((0, 0, width, height))
    y, cb, cr = ycbcr.split()
    half = (width // 2, height // 2)
    planes = y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + planes)
    return path
