"""Shared testinfra fixtures: scenarios open their containers by name over podman."""
import pytest
import testinfra


@pytest.fixture(scope="session")
def podman_host():
    """Return a function giving the testinfra host of a named container."""
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = testinfra.get_host(f"podman://{name}")
        return cache[name]

    return get
