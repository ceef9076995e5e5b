import contextlib

import pytest

from support.processes import free_port, running_service
from support.stack import LocalStack


@pytest.fixture(scope="package")
def stack(services: LocalStack) -> LocalStack:
    """The three services as their own processes: the one session-wide stack (tests/conftest.py)."""
    return services


def start_gateway(**env: str) -> contextlib.AbstractContextManager[str]:
    """A gateway alone (ready as soon as it answers /healthz), wired to whatever `env` says."""
    port = free_port()
    return running_service(
        "gateway", env={"GATEWAY_PORT": str(port), **env}, port=port, ready_path="/healthz"
    )
