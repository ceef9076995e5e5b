"""`python -m moodtune_service_kit.healthcheck URL`: exit 0 when URL answers 200 within 4 s.

Container healthchecks call this instead of `python -c "..."`: podman's Docker API splits a
healthcheck argument on spaces, which breaks inline code.
"""

import sys
import urllib.error
import urllib.request


def main(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=4) as response:  # noqa: S310 (a local health URL)
            return 0 if response.status == 200 else 1
    except (urllib.error.URLError, OSError):
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
