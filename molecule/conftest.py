"""Shared testinfra fixtures: scenarios open their containers by name over podman
and re-run playbooks on their own Molecule inventory."""
import json
import os
import shlex
import subprocess
import time

import pytest
import testinfra.host
from podman_enter import enter_command
from testinfra.backend.podman import PodmanBackend


class EnteredPodman(PodmanBackend):
    """testinfra's podman backend, through nsenter where it can (podman_enter.py says why)."""

    def run(self, command, *args, **kwargs):
        enter = None if self.user else enter_command(self.name)
        if enter is None:
            return super().run(command, *args, **kwargs)
        cmd = self.get_command(command, *args)
        out = self.run_local(shlex.join(enter).replace("%", "%%") + " /bin/sh -c %s", cmd)
        out.command = self.encode(cmd)
        return out


@pytest.fixture(scope="session")
def podman_host():
    """Return a function giving the testinfra host of a named container."""
    cache = {}

    def get(name):
        if name not in cache:
            backend = EnteredPodman(name)
            cache[name] = testinfra.host.Host(backend)
            backend.set_host(cache[name])
        return cache[name]

    return get


@pytest.fixture(scope="session")
def ansible_playbook():
    """Return a function running ansible-playbook on this scenario's inventory.

    `playbook` is relative to the scenario directory unless absolute; `extra_vars`
    (a mapping) goes in as JSON; the result is the CompletedProcess, colour off.
    """
    scenario = os.environ["MOLECULE_SCENARIO_DIRECTORY"]

    def run(playbook, *args, extra_vars=None, timeout=900):
        command = ["ansible-playbook", "-i", os.environ["MOLECULE_INVENTORY_FILE"],
                   os.path.join(scenario, playbook), *args]
        if extra_vars is not None:
            command += ["-e", json.dumps(extra_vars)]
        return subprocess.run(command, capture_output=True, text=True, check=False, timeout=timeout,
                              env=dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0"))

    return run


@pytest.fixture(scope="session")
def wait_until():
    """Return a function polling `value()` until it is truthy or `seconds` pass; it returns
    the last value, so the caller asserts on what was actually seen.

    Daemons log, reload and fail over asynchronously: a check made once, the instant the
    action returns, fails on a slow machine while the system is right.
    """
    def poll(value, seconds=30, interval=0.2):
        deadline = time.monotonic() + seconds
        while True:
            seen = value()
            if seen or time.monotonic() >= deadline:
                return seen
            time.sleep(interval)

    return poll


@pytest.fixture(scope="session")
def wait_for_mail(wait_until):
    """Return a function giving the message in `mailbox` (an mbox on `host`) that carries
    `marker`, polling until it is delivered; it fails with the host's mail queue otherwise."""
    def find(host, mailbox, marker, timeout=60):
        def message():
            mbox = "\n" + host.run(f"cat {mailbox}").stdout
            return next((m for m in mbox.split("\nFrom ") if marker in m), None)

        found = wait_until(message, timeout, 1)
        if found is None:
            pytest.fail(f"no message with {marker} in {mailbox} after {timeout} s:\n{host.run('postqueue -p').stdout}")
        return found

    return find
