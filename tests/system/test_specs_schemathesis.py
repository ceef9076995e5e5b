"""Each service's OpenAPI spec says what its code does: schemathesis generates requests from the
spec (examples, boundary values, fuzzing) and checks every answer against it, on the real
processes. Bounded (`-n 25` per operation, deterministic) so it takes seconds, not minutes."""

import subprocess
import sys
from pathlib import Path

import pytest

from support.stack import LocalStack

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "response_headers_conformance",
    ]
)


@pytest.mark.parametrize("service", ["gateway", "emotion", "recommender"])
def test_the_spec_holds_under_schemathesis(services: LocalStack, service: str) -> None:
    base = getattr(services, service)
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "run",
        f"{base}/openapi.json",
        "--checks",
        CHECKS,
        "--max-examples",
        "25",
        "--generation-deterministic",
        "--request-timeout",
        "30",
        # With a token (the spec's bearer scheme), /playlists calls Spotify, whose servers cannot
        # exist here: its answer would be the documented 503. tests/gateway/test_playlists.py
        # covers it against a fake Spotify.
        "--exclude-path",
        "/playlists",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "No issues found" in result.stdout or " passed" in result.stdout
