"""The README's code blocks that tests run as they stand: each follows a `<!-- README client: NAME -->`
line."""

import re

from support.paths import REPO


def readme_block(name: str) -> str:
    """The fenced code block right after the marker line, exactly as the README has it."""
    marker = f"<!-- README client: {name} -->"
    pattern = rf"^{re.escape(marker)}\n```[\w-]*\n(.*?)^```$"
    found = re.findall(pattern, (REPO / "README.md").read_text(), re.M | re.S)
    assert len(found) == 1, f"README.md needs exactly one fenced code block right after {marker!r}"
    return str(found[0])
