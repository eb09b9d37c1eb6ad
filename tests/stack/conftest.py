"""The production stack, walked from outside: real HTTPS through nginx to gunicorn, the real Celery
workers. ``scripts/stack.sh check`` (``make stack``) starts the stack, runs these with STACK_URL set, and
stops it; the main suite leaves this folder out (tests/conftest.py)."""

import os

import pytest

from tests.stack.client import StackClient


def pytest_configure(config):
    if not os.environ.get("STACK_URL"):
        raise pytest.UsageError(
            "tests/stack needs a running stack: run `make stack` (scripts/stack.sh check)"
        )


@pytest.fixture
def stack():
    """A client factory: ``stack(source="127.0.0.9")`` connects from that loopback address."""

    def make(source: str = "127.0.0.1", base: str | None = None) -> StackClient:
        return StackClient(base or os.environ["STACK_URL"], ca=os.environ["STACK_CA"], source=source)

    return make
