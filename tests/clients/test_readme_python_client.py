"""The README's Python client block, run as it stands against the running stack: a client generated
from gateway/openapi.json, a real photo (the 200 branch) and a text file (the ErrorResponse branch)."""

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

from moodtune_contracts.emotions import EMOTION_LABELS
from support.faces import image_bytes, scene_with_faces
from support.paths import REPO
from support.readme import readme_block
from support.stack import LocalStack


def _run(script: Path, path: Path, gateway: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(script), str(path)],
        cwd=script.parent,
        env={**os.environ, "MOODTUNE_URL": gateway},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_readme_python_client_runs_as_written(
    services: LocalStack, tmp_path: Path, detectable_faces: list[bytes]
) -> None:
    subprocess.run(
        [
            Path(sys.executable).parent / "openapi-python-client",
            "generate",
            "--path",
            str(REPO / "gateway" / "openapi.json"),
            "--meta",
            "none",
            "--output-path",
            str(tmp_path / "moodtune_client"),
        ],
        check=True,
        env={**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"},
        capture_output=True,
    )
    script = tmp_path / "recommend.py"
    script.write_text(readme_block("python"))
    photo = tmp_path / "me.jpg"
    photo.write_bytes(image_bytes(scene_with_faces(detectable_faces[:1]), "JPEG", quality=92))

    ok = _run(script, photo, services.gateway)
    assert ok.returncode == 0, ok.stderr
    emotion, tracks = ok.stdout.strip().split(" ", 1)
    assert emotion in EMOTION_LABELS
    names = ast.literal_eval(tracks)
    assert isinstance(names, list) and len(names) == 5 and all(isinstance(n, str) and n for n in names)

    text = tmp_path / "notes.txt"
    text.write_text("not a photo\n")
    bad = _run(script, text, services.gateway)
    assert bad.returncode == 1 and bad.stdout == ""
    assert bad.stderr.startswith("415 unsupported_image: "), bad.stderr
    assert "'content_type': 'text/plain'" in bad.stderr  # error.details
    assert re.search(r" \([\w.:-]+\)$", bad.stderr.strip()), bad.stderr  # request_id
