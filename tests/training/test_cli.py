"""The training CLIs answer --help without loading a deep-learning backend, and show defaults."""

import subprocess
import sys

import pytest

PROBE = """
import runpy, sys
sys.argv = [{module!r}, *{args!r}]
try:
    runpy.run_module({module!r}, run_name="__main__")
except SystemExit:
    pass
print("LOADED", "keras" in sys.modules, "tensorflow" in sys.modules)
"""


@pytest.mark.parametrize(
    ("module", "args", "expected"),
    [
        (
            "training.emotion",
            ["--help"],
            "{train,card,ship,peers,speed,litert,versus,views,shard,unshard,schedule,compare}",
        ),
        ("training.emotion", ["train", "--help"], "(default: study)"),
        ("training.catalog", ["build", "--help"], "(default: 5)"),
    ],
)
def test_help_is_instant_and_shows_defaults(module: str, args: list[str], expected: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(module=module, args=args)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert expected in result.stdout
    assert "LOADED False False" in result.stdout  # neither Keras nor TensorFlow was imported
